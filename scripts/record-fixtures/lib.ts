// Shared steps of the fixture recorder: namespaces + daemons (from test/helpers), a tcpdump
// capture on a host's interface, config files from conf/<scenario>/, and bounded waits.
import { readFileSync, existsSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { createLab, startCapture, waitFor, type Capture, type Lab, type Host } from '../../test/helpers/netns';
import { startBird, startFrr, waitEstablished, type Daemon } from '../../test/helpers/peers';

export { waitFor, waitEstablished };
export type { Daemon, Host, Lab };

export const REPO = path.resolve(__dirname, '..', '..');
/** Where captures and .ndjson go: test/pcap-fixtures, or $FX_OUT (to try a re-recording). */
export const FIXTURES = process.env.FX_OUT ? path.resolve(process.env.FX_OUT) : path.join(REPO, 'test', 'pcap-fixtures');
const CONF = path.join(__dirname, 'conf');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

  /** Starts tcpdump on host i's interface (`tcp port 179`); resolves once it listens. */
  async capture(i: number, name: string): Promise<Capture> {
    const h = this.host(i);
    const file = path.join(FIXTURES, `${name}.pcap`);
    if (existsSync(file)) unlinkSync(file);
    const cap = await startCapture(h.ns, h.ifname, file);
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
