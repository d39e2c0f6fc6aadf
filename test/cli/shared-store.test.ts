// The quick start as an operator runs it, all real processes on loopback: the example
// reflector (examples/reflector.yaml on free ports, `datastore: embedded` as shipped, its
// VROUTE_DATA_DIR a temp dir) and, from another shell, `vroute apply -f peer.yaml` with a
// BGPPeer pointing at a second vroute speaker: the running reflector sees the write through
// the shared file and the session comes up; `vroute delete` takes it away again. And a corrupt
// store file: the CLI exits 1 with one line, the daemon refuses to start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/env';
import { freePort } from '../helpers/etcd';
import { waitFor } from '../helpers/netns';
import { EmbeddedDatastore } from '../../src/datastore/embedded';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
let dir: string;
let env: NodeJS.ProcessEnv;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-quick-'));
  // Another shell on the same host: same data dir, no datastore flag or variable.
  env = { ...process.env, VROUTE_DATA_DIR: path.join(dir, 'data') };
  delete env.VROUTE_DATASTORE;
  delete env.VROUTE_API;
});
after(() => rmSync(dir, { recursive: true, force: true }));

function vroute(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 30000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Daemon {
  child: ChildProcess;
  log(): string;
  stop(): Promise<number | null>;
}

function daemon(config: unknown, file: string): Daemon {
  const conf = path.join(dir, file);
  writeFileSync(conf, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'reflector', '--config', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let log = '';
  const keep = (b: Buffer): void => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 8000);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return child.exitCode;
    },
  };
}

interface Status {
  name: string;
  sessions: Array<{ peer: string; state: string }>;
}

function status(api: string): Status | undefined {
  const r = vroute(['status', '--api', api, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.out) as Status) : undefined;
}

test('quick start: `vroute apply` from another process reaches the running reflector and the session comes up', {
  timeout: 120_000,
}, async () => {
  const example = parseYaml(readFileSync(path.join(REPO_ROOT, 'examples', 'reflector.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(example.datastore, 'embedded', 'the quick start runs on the shared embedded store');
  const [rrPort, rrApi, spkPort, spkApi] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const rr = daemon(
    { ...example, listen: { address: '127.0.0.1', port: rrPort }, api: `127.0.0.1:${rrApi}` },
    'rr.json',
  );
  // The second speaker: another vroute process on 127.0.0.2, passive, so only the BGPPeer
  // applied to the reflector can bring the session up. Its own store is private.
  const spk = daemon(
    {
      name: 'spk',
      routerId: '10.0.0.2',
      asn: 65000,
      listen: { address: '127.0.0.2', port: spkPort },
      neighbors: [{ address: '127.0.0.1', asn: 65000, passive: true }],
      datastore: 'memory',
      api: `127.0.0.1:${spkApi}`,
      log: 'warn',
    },
    'spk.json',
  );
  const file = path.join(dir, 'data', 'datastore.json');
  try {
    await waitFor('reflector API', () => status(`127.0.0.1:${rrApi}`), 20_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}\n${rr.log()}`);
    });
    await waitFor('speaker API', () => status(`127.0.0.1:${spkApi}`), 20_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}\n${spk.log()}`);
    });
    assert.equal(status(`127.0.0.1:${rrApi}`)!.sessions.length, 0);
    // The reflector's self-registration is in the shared file, under a lease.
    const look = new EmbeddedDatastore({ path: file });
    const reg = await waitFor(
      'registration in the file',
      async () => (await look.get('/vroute/v1/reflector/rr1')) ?? undefined,
      10_000,
      100,
    );
    assert.ok(reg.lease, 'registered under a lease');

    writeFileSync(
      path.join(dir, 'peer.yaml'),
      `apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: spk}
spec: {peerIP: 127.0.0.2, asNumber: 65000, port: ${spkPort}}
`,
    );
    const applied = vroute(['apply', '-f', path.join(dir, 'peer.yaml')]);
    assert.equal(applied.code, 0, applied.err);
    assert.equal(applied.out, 'BGPPeer spk created\n');
    assert.equal(
      JSON.parse(vroute(['get', 'bgppeer', 'spk', '-o', 'json']).out).spec.port,
      spkPort,
      'a third process reads it back',
    );

    const up = await waitFor(
      'session with 127.0.0.2 Established',
      () => {
        const s = status(`127.0.0.1:${rrApi}`)?.sessions.find((x) => x.peer === '127.0.0.2');
        return s?.state === 'Established' ? s : undefined;
      },
      30_000,
      250,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nrr:\n${rr.log()}\nspk:\n${spk.log()}`);
    });
    assert.equal(up.state, 'Established');
    assert.ok(
      status(`127.0.0.1:${spkApi}`)!.sessions.some((x) => x.peer === '127.0.0.1' && x.state === 'Established'),
      'both ends up',
    );

    const del = vroute(['delete', 'bgppeer', 'spk']);
    assert.equal(del.out, 'BGPPeer spk deleted\n', del.err);
    await waitFor(
      'session gone after delete',
      () => (status(`127.0.0.1:${rrApi}`)!.sessions.some((x) => x.peer === '127.0.0.2') ? undefined : true),
      15_000,
      250,
    );

    assert.equal(await rr.stop(), 0, 'clean stop');
    // Stopping revokes the registration at once (a killed one would expire after its TTL).
    assert.equal(await look.get('/vroute/v1/reflector/rr1'), undefined);
    await look.close();
  } finally {
    await rr.stop();
    await spk.stop();
  }
});

test('8 CLI processes at once on the default embedded file: 4 apply, 4 ipam allocate; every write counted', {
  timeout: 120_000,
}, async () => {
  const { execFile } = await import('node:child_process');
  const own = { ...env, VROUTE_DATA_DIR: path.join(dir, 'data-cli') };
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [BIN, ...args], { env: own, timeout: 60_000 }, (err, out, errOut) =>
        err ? reject(new Error(errOut || err.message)) : resolve(out),
      );
    });
  writeFileSync(
    path.join(dir, 'pool.yaml'),
    'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.202.0.0/16}\n',
  );
  await run(['apply', '-f', path.join(dir, 'pool.yaml')]);
  for (let p = 0; p < 4; p++) {
    writeFileSync(
      path.join(dir, `peers-${p}.yaml`),
      Array.from(
        { length: 5 },
        (_, i) =>
          `apiVersion: vroute/v1\nkind: BGPPeer\nmetadata: {name: p${p}-${i}}\nspec: {peerIP: 10.9.${p}.${i + 1}, asNumber: 64512}\n`,
      ).join('---\n'),
    );
  }
  const outs = await Promise.all([
    ...[0, 1, 2, 3].map((p) => run(['apply', '-f', path.join(dir, `peers-${p}.yaml`)])),
    ...[0, 1, 2, 3].map((n) => run(['ipam', 'allocate', '--node', `n${n}`, '--count', '3'])),
  ]);
  assert.equal(
    outs
      .slice(0, 4)
      .join('')
      .split('\n')
      .filter((l) => / created$/.test(l)).length,
    20,
  );
  const ips = outs.slice(4).join('').trim().split('\n');
  assert.equal(ips.length, 12);
  assert.equal(new Set(ips).size, 12, 'no address handed out twice');
  const peers = JSON.parse(await run(['get', 'bgppeer', '-o', 'json'])) as unknown[] | { items: unknown[] };
  assert.equal((Array.isArray(peers) ? peers : peers.items).length, 20, 'every BGPPeer is there');
  const show = await run(['ipam', 'show']);
  for (let n = 0; n < 4; n++) assert.match(show, new RegExp(`node:n${n}\\s+3\\s+64`), show);
});

test('corrupt store file: the CLI exits 1 with one line, the daemon refuses to start; the file is untouched', {
  timeout: 60_000,
}, async () => {
  const data = path.join(dir, 'data');
  const file = path.join(data, 'datastore.json');
  assert.ok(existsSync(file));
  const half = readFileSync(file, 'utf8').slice(0, 40);
  writeFileSync(file, half);
  for (const args of [
    ['get', 'bgppeer'],
    ['apply', '-f', path.join(dir, 'peer.yaml')],
    ['ipam', 'allocate', '--node', 'a'],
  ]) {
    const r = vroute(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(
      r.err,
      new RegExp(
        `^vroute: datastore: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON \\(corrupt or half-written`,
      ),
    );
    assert.equal(r.err.split('\n').length, 2, `one line, no stack trace: ${r.err}`);
  }
  const example = parseYaml(readFileSync(path.join(REPO_ROOT, 'examples', 'reflector.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const port = await freePort();
  const rr = daemon(
    { ...example, listen: { address: '127.0.0.1', port }, api: `127.0.0.1:${await freePort()}` },
    'rr-bad.json',
  );
  const t0 = Date.now();
  const code = await new Promise<number | null>((r) => rr.child.once('exit', (c) => r(c)));
  assert.equal(code, 1, rr.log());
  assert.ok(Date.now() - t0 < 15_000);
  assert.match(rr.log(), /vroute: datastore: .* is not valid JSON \(corrupt or half-written/);
  assert.ok(!/\n\s+at /.test(rr.log()), 'no stack trace');
  assert.equal(readFileSync(file, 'utf8'), half, 'never reset');
});
