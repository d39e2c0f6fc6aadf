// The embedded datastore's file: JSON `{revision, keys}` written atomically (temp file, fsync,
// rename: a crash leaves the old file or the new one, never a torn one), and shared safely by
// several processes on one host (a CNI plugin runs once per container, concurrently): every
// write holds an exclusive lock file and first reloads the file if another process changed it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatastoreError } from './store';

export interface FileRow { value: string; revision: number; createRevision: number }
export interface FileState { revision: number; keys: Map<string, FileRow> }

const LOCK_STALE_MS = 10000; // a lock older than this belongs to a crashed writer
const LOCK_WAIT_MS = 10000;

export class StoreFile {
  private stamp = '';

  constructor(readonly file: string) {}

  /** The file's state if it changed since we last read or wrote it (or always, with force). */
  readIfChanged(force = false): FileState | undefined {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DatastoreError('unavailable', `datastore: cannot read ${this.file}: ${(e as Error).message}`);
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (!force && stamp === this.stamp) return undefined;
    this.stamp = stamp;
    let doc: { revision?: unknown; keys?: unknown };
    try {
      doc = JSON.parse(fs.readFileSync(this.file, 'utf8')) as typeof doc;
    } catch (e) {
      if (e instanceof SyntaxError) throw new DatastoreError('invalid', `datastore: ${this.file} is not valid JSON`);
      throw new DatastoreError('unavailable', `datastore: cannot read ${this.file}: ${(e as Error).message}`);
    }
    if (typeof doc.revision !== 'number' || typeof doc.keys !== 'object' || doc.keys === null) {
      throw new DatastoreError('invalid', `datastore: ${this.file} is not a vroute datastore file`);
    }
    const keys = new Map<string, FileRow>();
    for (const [k, r] of Object.entries(doc.keys as Record<string, FileRow>)) {
      if (typeof r?.value === 'string' && typeof r.revision === 'number') {
        keys.set(k, { value: r.value, revision: r.revision, createRevision: r.createRevision ?? r.revision });
      }
    }
    return { revision: doc.revision, keys };
  }

  write(state: { revision: number; keys: Iterable<[string, FileRow]> }): void {
    const keys: Record<string, FileRow> = {};
    for (const [k, r] of state.keys) keys[k] = { value: r.value, revision: r.revision, createRevision: r.createRevision };
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ revision: state.revision, keys }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    const st = fs.statSync(this.file);
    this.stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  /** Runs body while holding `<file>.lock` (O_EXCL create; stale locks are broken). */
  async locked<T>(body: () => T): Promise<T> {
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        fs.closeSync(fs.openSync(lock, 'wx', 0o600));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new DatastoreError('unavailable', `datastore: cannot lock ${this.file}: ${(e as Error).message}`);
        }
        try {
          if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.unlinkSync(lock);
        } catch { /* released meanwhile */ }
        if (Date.now() > deadline) throw new DatastoreError('unavailable', `datastore: ${lock} held for over ${LOCK_WAIT_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, 1 + Math.random() * Math.min(20, 2 + attempt)));
      }
    }
    try {
      return body();
    } finally {
      try { fs.unlinkSync(lock); } catch { /* already gone */ }
    }
  }
}
