// The embedded datastore's file, shared by every vroute process on the host (contract 4): the
// daemons, `vroute apply`, and a CNI plugin run once per container, all at the same time.
// - Atomic: written to a temp file, fsynced, renamed over the old one, so a reader or a crash
//   sees the old file or the new one, never a torn one.
// - Serialised: every write holds `<file>.lock` (O_EXCL create) and re-reads the file inside
//   it, so compare-and-swap holds across processes.
// - Never reset: a file that does not parse (corrupt, half-written by something else) is a
//   DatastoreError naming the file; it is never overwritten with an empty store.
// Format: {format, serial, revision, nextLease, keys: {KEY: {value, revision, createRevision, lease?}},
// leases: {ID: {ttlMs, expires}}, deleted: [[KEY, revision], ...], deletedFloor}. `deleted`
// holds the last deletes so other processes turn them into watch events at their own revision.
// `serial` counts writes (keep-alives too) and comes first, so a poll reads a few bytes to
// learn whether anything changed: stat times are too coarse (a jiffy) and inodes are reused.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatastoreError } from './store';

export const FILE_FORMAT = 'vroute-datastore/1';

export interface FileRow {
  value: string;
  revision: number;
  createRevision: number;
  lease?: string;
}
export interface FileLease {
  ttlMs: number /** Wall-clock ms; every process on the host shares the clock. */;
  expires: number;
}
export interface FileState {
  /** Bumped by every write of the file. */
  serial: number;
  revision: number;
  nextLease: number;
  keys: Map<string, FileRow>;
  leases: Map<string, FileLease>;
  /** Recent deletes, oldest first. */
  deleted: Array<[string, number]>;
  /** Deletes at or below this revision may have been dropped from `deleted`. */
  deletedFloor: number;
}

export function emptyState(): FileState {
  // etcd starts an empty store at revision 1.
  return { serial: 0, revision: 1, nextLease: 1, keys: new Map(), leases: new Map(), deleted: [], deletedFloor: 0 };
}

const LOCK_STALE_MS = 10000; // a lock this old belongs to a crashed or hung writer
const LOCK_WAIT_MS = 15000;
const HOST = os.hostname();

function invalid(file: string, why: string): DatastoreError {
  return new DatastoreError('invalid', `datastore: ${file} ${why}; vroute will not overwrite it: repair or remove it`);
}

function unavailable(what: string, file: string, e: unknown): DatastoreError {
  const err = e as NodeJS.ErrnoException;
  return new DatastoreError('unavailable', `datastore: cannot ${what} ${file}: ${err.code ?? err.message}`);
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Parses and checks a whole file; any flaw is one 'invalid' error naming the file and the place. */
export function parseState(file: string, text: string): FileState {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw invalid(file, `is not valid JSON (corrupt or half-written: ${(e as Error).message})`);
  }
  if (
    typeof doc !== 'object' ||
    doc === null ||
    Array.isArray(doc) ||
    !isNum(doc.revision) ||
    typeof doc.keys !== 'object' ||
    doc.keys === null
  ) {
    throw invalid(file, 'is not a vroute datastore file (no revision and keys)');
  }
  if (doc.format !== undefined && doc.format !== FILE_FORMAT)
    throw invalid(file, `has format ${JSON.stringify(doc.format)}, not ${FILE_FORMAT}`);
  const st = emptyState();
  st.revision = doc.revision;
  st.serial = isNum(doc.serial) ? doc.serial : 0;
  st.nextLease = isNum(doc.nextLease) ? doc.nextLease : 1;
  for (const [k, r] of Object.entries(doc.keys as Record<string, Partial<FileRow>>)) {
    if (typeof r?.value !== 'string' || !isNum(r.revision) || r.revision > st.revision)
      throw invalid(file, `has a broken entry for key ${k}`);
    const row: FileRow = {
      value: r.value,
      revision: r.revision,
      createRevision: isNum(r.createRevision) ? r.createRevision : r.revision,
    };
    if (typeof r.lease === 'string') row.lease = r.lease;
    st.keys.set(k, row);
  }
  if (doc.leases !== undefined) {
    if (typeof doc.leases !== 'object' || doc.leases === null) throw invalid(file, 'has broken leases');
    for (const [id, l] of Object.entries(doc.leases as Record<string, Partial<FileLease>>)) {
      if (!isNum(l?.ttlMs) || typeof l.expires !== 'number') throw invalid(file, `has a broken lease ${id}`);
      st.leases.set(id, { ttlMs: l.ttlMs, expires: l.expires });
    }
  }
  if (doc.deleted !== undefined) {
    if (!Array.isArray(doc.deleted)) throw invalid(file, 'has a broken delete log');
    for (const d of doc.deleted as unknown[]) {
      if (!Array.isArray(d) || typeof d[0] !== 'string' || !isNum(d[1])) throw invalid(file, 'has a broken delete log');
      st.deleted.push([d[0], d[1]]);
    }
  }
  st.deletedFloor = isNum(doc.deletedFloor) ? doc.deletedFloor : 0;
  return st;
}

export class StoreFile {
  /** `serial:size` of the file last read or written; undefined: none yet, null: no file. */
  private stamp: string | null | undefined;

  constructor(readonly file: string) {}

  /** The file's state; undefined when it does not exist yet. */
  read(): FileState | undefined {
    return this.readIfChanged(true);
  }

  /** The file's state if it changed since we last read or wrote it (or always, with force). */
  readIfChanged(force = false): FileState | undefined {
    if (!force && this.stamp !== undefined) {
      const head = this.head();
      if (head !== undefined && head === this.stamp) return undefined;
    }
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        // Not written yet, or removed by an operator: a later write starts it afresh.
        this.stamp = null;
        return undefined;
      }
      throw unavailable('read', this.file, e);
    }
    const state = parseState(this.file, text);
    this.stamp = `${state.serial}:${Buffer.byteLength(text)}`;
    return state;
  }

  /**
   * `serial:size` from the start of the file (null: no file; undefined: not readable that
   * way). The size catches a file cut short or rewritten by something other than vroute.
   */
  private head(): string | null | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return undefined; // let the full read report it
    }
    try {
      const buf = Buffer.alloc(128);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const m = /^\{"format":"[^"]*","serial":(\d+),/.exec(buf.toString('latin1', 0, n));
      return m ? `${m[1]}:${fs.fstatSync(fd).size}` : undefined;
    } catch {
      return undefined;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Writes `state` (its serial bumped) atomically. */
  write(state: FileState): void {
    const keys: Record<string, FileRow> = {};
    for (const [k, r] of state.keys)
      keys[k] = r.lease ? { ...r } : { value: r.value, revision: r.revision, createRevision: r.createRevision };
    const leases: Record<string, FileLease> = {};
    for (const [id, l] of state.leases) leases[id] = { ttlMs: l.ttlMs, expires: l.expires };
    const serial = state.serial + 1;
    const text = JSON.stringify({
      format: FILE_FORMAT,
      serial,
      revision: state.revision,
      nextLease: state.nextLease,
      keys,
      leases,
      deleted: state.deleted,
      deletedFloor: state.deletedFloor,
    });
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, text);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
    } catch (e) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not created */
      }
      throw unavailable('write', this.file, e);
    }
    state.serial = serial;
    this.stamp = `${serial}:${Buffer.byteLength(text)}`;
  }

  /**
   * Runs body while holding `<file>.lock`. The lock holds `pid@host`: a lock whose process is
   * gone (same host) or that is older than LOCK_STALE_MS is broken, so a writer killed inside
   * its critical section (SIGKILL of a CLI) does not block the host.
   */
  async locked<T>(body: () => T): Promise<T> {
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(lock, 'wx', 0o600);
        try {
          fs.writeSync(fd, `${process.pid}@${HOST}`);
        } finally {
          fs.closeSync(fd);
        }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unavailable('lock', this.file, e);
        if (lockIsStale(lock)) {
          try {
            fs.unlinkSync(lock);
          } catch {
            /* released meanwhile */
          }
          continue;
        }
        if (Date.now() > deadline)
          throw new DatastoreError('unavailable', `datastore: ${lock} held for over ${LOCK_WAIT_MS / 1000} s`);
        // Random back-off so contending processes spread out instead of colliding in lockstep.
        await new Promise((r) => setTimeout(r, 1 + Math.random() * Math.min(20, 2 + attempt)));
      }
    }
    try {
      return body();
    } finally {
      try {
        fs.unlinkSync(lock);
      } catch {
        /* already gone */
      }
    }
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const st = fs.statSync(lock);
    if (Date.now() - st.mtimeMs > LOCK_STALE_MS) return true;
    const [pid, host] = fs.readFileSync(lock, 'utf8').split('@');
    if (host !== HOST || !pid || !/^\d+$/.test(pid)) return false; // being written, or another host's
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false; // released meanwhile: just try again
  }
}
