// Shared steps of the fixture recorder: namespaces + daemons (from test/helpers), a tcpdump
// capture on a host's interface, config files from conf/<scenario>/, and bounded waits.
import { readFileSync, existsSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createLab, waitFor, type Lab, type Host } from '../../test/helpers/netns';
import { startBird, startFrr, waitEstablished, type Daemon } from '../../test/helpers/peers';

export { waitFor, waitEstablished };
export type { Daemon, Host, Lab };

export const REPO = path.resolve(__dirname, '..', '..');
/** Where captures and .ndjson go: test/pcap-fixtures, or $FX_OUT (to try a re-recording). */
export const FIXTURES = process.env.FX_OUT ? path.resolve(process.env.FX_OUT) : path.join(REPO, 'test', 'pcap-fixtures');
const CONF = path.join(__dirname, 'conf');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A tcpdump writing `tcp port 179` on a host's interface to a pcap file. */
export interface Capture {
  readonly file: string;
  stop(): Promise<void>;
}

/** Everything one scenario starts; `close()` stops it all by PID and deletes the namespaces. */
export class Run {
  readonly lab: Lab;
  private readonly daemons: Daemon[] = [];
  private readonly captures: Capture[] = [];

  constructor(readonly scenario: string, hosts: number) {
    this.lab = createLab(hosts, 'fx');
  }

  host(i: number): Host {
    return this.lab.hosts[i];
  }

  /** conf/<scenario>/<name>, as text. */
  conf(name: string): string {
    return readFileSync(path.join(CONF, this.scenario, name), 'utf8');
  }

  /** Starts BIRD on host i with conf/<scenario>/<confName>, `edit`ed first if given. */
  async bird(i: number, confName: string, edit: (text: string) => string = (t) => t): Promise<Daemon> {
    const d = await startBird(this.host(i).ns, edit(this.conf(confName)));
    this.daemons.push(d);
    return d;
  }

  async frr(i: number, confName: string): Promise<Daemon> {
    // zebra: so bgpd knows its interfaces (IPv6 link-local next hops, next hop resolution).
    const d = await startFrr(this.host(i).ns, this.conf(confName), { zebra: true });
    this.daemons.push(d);
    return d;
  }

  /** BIRD: load another config file from conf/<scenario>/ (`configure "FILE"`). */
  birdReconfigure(d: Daemon, confName: string): string {
    const file = path.join(CONF, this.scenario, confName);
    const out = d.query(`configure "${file}"`);
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`bird configure: ${out}`);
    return out;
  }

  /** Starts tcpdump on host i's interface; resolves once it is listening. */
  async capture(i: number, name: string): Promise<Capture> {
    const h = this.host(i);
    const file = path.join(FIXTURES, `${name}.pcap`);
    if (existsSync(file)) unlinkSync(file);
    // -U: write each packet at once (nothing lost at stop); -Z root: keep write access
    // to the repository (Debian's tcpdump drops to the tcpdump user otherwise).
    const child: ChildProcess = h.ns.spawn('tcpdump', ['-i', h.ifname, '-U', '-Z', 'root', '-s', '0', '-w', file, 'tcp port 179'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    let exited = false;
    const gone = new Promise<void>((r) => child.once('exit', () => { exited = true; r(); }));
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    await waitFor(`tcpdump listening on ${h.ns.name}`, () => {
      if (exited) throw new Error(`tcpdump exited: ${err}`);
      return err.includes('listening on') ? true : undefined;
    }, 5000, 50);
    const cap: Capture = {
      file,
      async stop(): Promise<void> {
        if (exited) return;
        // SIGINT: tcpdump flushes and closes the file.
        child.kill('SIGINT');
        await Promise.race([gone, sleep(3000)]);
        if (!exited) { child.kill('SIGKILL'); await gone; }
      },
    };
    this.captures.push(cap);
    return cap;
  }

  /** The last lines of every daemon's log (printed when a scenario fails). */
  logTails(lines = 15): string {
    return this.daemons.map((d) => `--- ${d.kind} in ${d.ns.name}\n${d.log().trimEnd().split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  async close(): Promise<void> {
    for (const d of this.daemons.reverse()) await d.stop();
    for (const c of this.captures) await c.stop();
    this.lab.cleanup();
  }
}

/** Waits until `probe(daemon output)` holds for the output of `command` (default 30 s). */
export async function waitOutput(d: Daemon, command: string, test: (out: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(what, () => {
    const out = d.query(command);
    return test(out) ? out : undefined;
  }, timeoutMs, 250);
}

/** Number of routes BIRD has from a protocol, summed over its tables (master4, master6). */
export function birdRouteCount(d: Daemon, proto: string): number {
  const out = d.query(`show route table all protocol ${proto} count`);
  let n = 0;
  for (const m of out.matchAll(/(\d+) of \d+ routes/g)) n += Number(m[1]);
  return n;
}
