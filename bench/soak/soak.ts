// Soak test (issue 3 evidence): S client sessions to one vroute reflector on loopback, 3 s
// hold timers (keepalives every second, RFC 4271 4.4 / 10), held for D seconds. Counts
// Established every second on both sides (client Peers here, the reflector's /status),
// reports every session that went down, the time until all were up, and the reflector's
// CPU seconds and peak RSS (/proc). Bounded: setup, soak and teardown each have a deadline,
// and everything is stopped at the end (Cease from every client, SIGTERM to the reflector).
// Run: npm run build && node dist/bench/soak/soak.js [SECONDS=60] [SESSIONS=200]
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Speaker } from '../../src/bgp/fsm';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { createLogger } from '../../src/observability';
import { cpuSeconds, freePort, peakRssMiB, sleep, spawnLogged, stopChild, waitFor } from '../reflect/proc';
import { sessionEvents } from '../../test/helpers/sessions';

const seconds = Number(process.argv[2] ?? 60);
const sessions = Number(process.argv[3] ?? 200);
const HOLD = 3;

/** Client i binds 127.0.(1 + i / 250).(1 + i % 250): distinct sources, one dynamic range. */
const clientAddress = (i: number): string => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

interface StatusJson {
  sessions: { peer: string; state: string }[];
}

async function reflectorStatus(api: number): Promise<StatusJson | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${api}/status`, { signal: AbortSignal.timeout(2000) });
    return r.ok ? ((await r.json()) as StatusJson) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-soak-'));
  const [bgpPort, apiPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'rr.json');
  writeFileSync(
    conf,
    JSON.stringify({
      name: 'soak-rr',
      routerId: '10.255.0.1',
      asn: 65000,
      listen: { address: '127.0.0.1', port: bgpPort },
      reflector: { clusterId: '10.255.0.1' },
      neighbors: [],
      dynamicNeighbors: [
        {
          prefix: '127.0.0.0/8',
          asn: 65000,
          routeReflectorClient: true,
          holdTime: HOLD,
          families: ['ipv4-unicast'],
          maxPrefixes: 2 ** 31,
        },
      ],
      datastore: 'memory',
      api: `127.0.0.1:${apiPort}`,
      log: 'warn',
    }),
  );
  const launcher = path.join(__dirname, '..', 'reflect', `vroute-rr${path.extname(__filename)}`);
  const args = __filename.endsWith('.ts') ? ['--import', 'tsx', launcher, conf] : [launcher, conf];
  const log = path.join(dir, 'rr.log');
  const rr = spawnLogged(process.execPath, args, log);
  const pid = rr.pid!;
  const speakers: Speaker[] = [];
  const logger = createLogger({ level: 'error' });
  const downs: string[] = [];
  let up = 0;
  let soakStarted = false;
  let tearingDown = false;
  try {
    if (!(await waitFor(async () => (await reflectorStatus(apiPort)) !== undefined, 15000, 100))) {
      throw new Error(`reflector did not start; log:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    }
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    for (let i = 0; i < sessions; i++) {
      const sp = new Speaker({ asn: 65000, routerId: `10.254.${i >> 8}.${(i & 255) + 1}`, logger });
      const peer = sp.addPeer({
        address: '127.0.0.1',
        port: bgpPort,
        localAddress: clientAddress(i),
        asn: 65000,
        passive: false,
        holdTime: HOLD,
        connectRetryTime: 1,
        families: [IPV4_UNICAST],
        routeReflectorClient: false,
      });
      sessionEvents(peer).on('established', () => {
        up++;
      });
      sessionEvents(peer).on('down', (why: string) => {
        up--;
        if (!tearingDown)
          downs.push(
            `${new Date().toISOString()} ${clientAddress(i)} ${soakStarted ? 'DURING SOAK' : 'during setup'}: ${why}`,
          );
      });
      speakers.push(sp);
    }
    const allUp = await waitFor(() => up === sessions, 30000, 10);
    const upAfter = (Date.now() - t0) / 1000;
    const cpuSetup = cpuSeconds(pid) - cpu0;
    console.log(`${up}/${sessions} Established after ${upAfter.toFixed(2)} s (reflector CPU ${cpuSetup.toFixed(2)} s)`);
    if (!allUp) throw new Error('not every session came up within 30 s');
    soakStarted = true;
    const cpu1 = cpuSeconds(pid);
    let minClient = up;
    let minRr = sessions;
    for (let s = 1; s <= seconds; s++) {
      const tick = Date.now();
      const st = await reflectorStatus(apiPort);
      const rrUp = st ? st.sessions.filter((x) => x.state === 'Established').length : -1;
      minClient = Math.min(minClient, up);
      minRr = Math.min(minRr, rrUp);
      if (s % 10 === 0 || up !== sessions || rrUp !== sessions) {
        console.log(
          `t=${String(s).padStart(3)} s  clients Established ${up}  reflector /status Established ${rrUp}  ` +
            `reflector CPU ${(cpuSeconds(pid) - cpu1).toFixed(2)} s  peak RSS ${peakRssMiB(pid).toFixed(0)} MiB`,
        );
      }
      await sleep(Math.max(0, 1000 - (Date.now() - tick)));
    }
    const cpuSoak = cpuSeconds(pid) - cpu1;
    const mine = process.cpuUsage();
    console.log(
      `RESULT sessions=${sessions} hold=${HOLD}s soak=${seconds}s up-after=${upAfter.toFixed(2)}s ` +
        `min-established clients=${minClient} reflector=${minRr} downs-during-soak=${downs.filter((d) => d.includes('SOAK')).length} ` +
        `reflector-cpu setup=${cpuSetup.toFixed(2)}s soak=${cpuSoak.toFixed(2)}s (${((100 * cpuSoak) / seconds).toFixed(1)}% of a core) ` +
        `reflector-peak-rss=${peakRssMiB(pid).toFixed(0)}MiB clients-process-cpu=${((mine.user + mine.system) / 1e6).toFixed(1)}s`,
    );
  } finally {
    tearingDown = true;
    await Promise.race([Promise.all(speakers.map((sp) => sp.stop('soak over'))), sleep(10000)]);
    await stopChild(rr);
    for (const d of downs) console.log(`down: ${d}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

// Hard bound on the whole run whatever happens: setup 45 s + soak + teardown 30 s.
setTimeout(
  () => {
    console.error('soak: overall deadline passed');
    process.exit(2);
  },
  (seconds + 75) * 1000,
).unref();
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`soak: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
