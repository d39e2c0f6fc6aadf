// Real etcd servers for tests (Debian's etcd-server 3.4): one member or a 3-member cluster on
// loopback, each in its own temp data dir on free ports, stopped by PID. `restart()` reuses
// the data dir, so revisions and keys survive like a real restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ETCD_BIN = ['/usr/bin/etcd', '/usr/local/bin/etcd'].find((p) => existsSync(p)) ?? '/usr/bin/etcd';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly endpoint: string; // host:port
  readonly peerUrl: string;
  readonly dataDir: string;
  pid(): number | undefined;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  tls?: EtcdTls;
}

/** Serve clients over TLS with this server certificate (PEM files). */
export interface EtcdTls {
  certFile: string;
  keyFile: string;
}

function args(m: MemberSpec, cluster: MemberSpec[], token: string): string[] {
  const scheme = m.tls ? 'https' : 'http';
  return [
    '--name',
    m.name,
    '--data-dir',
    m.dataDir,
    '--listen-client-urls',
    `${scheme}://127.0.0.1:${m.clientPort}`,
    '--advertise-client-urls',
    `${scheme}://127.0.0.1:${m.clientPort}`,
    ...(m.tls ? ['--cert-file', m.tls.certFile, '--key-file', m.tls.keyFile] : []),
    '--listen-peer-urls',
    `http://127.0.0.1:${m.peerPort}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${m.peerPort}`,
    '--initial-cluster',
    cluster.map((c) => `${c.name}=http://127.0.0.1:${c.peerPort}`).join(','),
    '--initial-cluster-token',
    token,
    '--initial-cluster-state',
    'new',
    '--log-level',
    'error',
    '--logger',
    'zap',
    '--heartbeat-interval',
    '50',
    '--election-timeout',
    '500',
  ];
}

async function waitHealthy(clientPort: number, child: ChildProcess, ms: number, tls = false): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}`);
    if (tls) {
      // /health over TLS would need the CA here; a listening port is enough for the TLS test.
      const up = await new Promise<boolean>((r) => {
        const c = net.connect(clientPort, '127.0.0.1', () => {
          c.destroy();
          r(true);
        });
        c.on('error', () => r(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      const res = await fetch(`http://127.0.0.1:${clientPort}/health`, { signal: AbortSignal.timeout(500) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd on port ${clientPort} not healthy after ${ms} ms`);
}

function launch(m: MemberSpec, cluster: MemberSpec[], token: string): ChildProcess {
  const child = spawn(ETCD_BIN, args(m, cluster, token), {
    stdio: ['ignore', 'ignore', 'pipe'],
    // etcd 3.4 refuses to start on arm64 and others unless told the arch is accepted.
    env: process.arch === 'x64' ? process.env : { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch },
  });
  child.stderr?.resume();
  return child;
}

function member(
  m: MemberSpec,
  cluster: MemberSpec[],
  token: string,
): EtcdMember & { child?: ChildProcess; start(): void } {
  let child: ChildProcess | undefined;
  const self = {
    name: m.name,
    clientUrl: `${m.tls ? 'https' : 'http'}://127.0.0.1:${m.clientPort}`,
    endpoint: `127.0.0.1:${m.clientPort}`,
    peerUrl: `http://127.0.0.1:${m.peerPort}`,
    dataDir: m.dataDir,
    pid: () => child?.pid,
    start: () => {
      child = launch(m, cluster, token);
    },
    stop: async () => {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.pid === undefined) return;
      const done = new Promise<void>((r) => c.once('exit', () => r()));
      process.kill(c.pid, 'SIGTERM');
      const t = setTimeout(() => {
        if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
      }, 3000);
      await done;
      clearTimeout(t);
    },
    restart: async () => {
      await self.stop();
      self.start();
      await waitHealthy(m.clientPort, child!, 15000, !!m.tls);
    },
    get child() {
      return child;
    },
  };
  return self;
}

export interface EtcdCluster {
  members: EtcdMember[];
  endpoints: string[];
  /** Stops every member and removes the data dirs. */
  destroy(): Promise<void>;
}

/** Starts `size` members (1 or 3) on loopback; resolves when all report healthy. */
export async function startEtcd(size = 1, opts: { tls?: EtcdTls } = {}): Promise<EtcdCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'vr-etcd-'));
  const token = `vr-ds-${process.pid}-${Date.now()}`;
  const specs: MemberSpec[] = [];
  for (let i = 0; i < size; i++) {
    specs.push({
      name: `vr-ds-${process.pid}-${i}`,
      clientPort: await freePort(),
      peerPort: await freePort(),
      dataDir: path.join(root, `m${i}`),
      tls: opts.tls,
    });
  }
  const members = specs.map((s) => member(s, specs, token));
  for (const m of members) m.start();
  try {
    await Promise.all(members.map((m, i) => waitHealthy(specs[i]!.clientPort, m.child!, 20000, !!opts.tls)));
  } catch (e) {
    for (const m of members) await m.stop();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    destroy: async () => {
      for (const m of members) await m.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
