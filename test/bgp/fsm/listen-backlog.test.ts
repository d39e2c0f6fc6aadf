// The Speaker's listener asks the kernel for a deep accept queue (LISTEN_BACKLOG, capped by
// net.core.somaxconn): hundreds of clients reconnecting to a restarted reflector at once must
// not overflow it (bench/fabric). `ss -ltn` shows a listening socket's backlog as Send-Q.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Speaker } from '../../../src/bgp/fsm';
import { LISTEN_BACKLOG } from '../../../src/bgp/fsm/speaker';
import { silentLogger } from '../../../src/observability/logger';

function hasSs(): boolean {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test("the BGP listener's backlog is LISTEN_BACKLOG (or somaxconn when lower), not Node's 511", {
  skip: hasSs() ? false : 'needs ss (iproute2)',
}, async () => {
  const s = new Speaker({
    asn: 65000,
    routerId: '10.0.0.1',
    logger: silentLogger,
    listen: { address: '127.0.0.1', port: 0 },
  });
  await s.start();
  try {
    const out = execFileSync('ss', ['-ltnH', `sport = :${s.listenPort}`], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => l.includes(`127.0.0.1:${s.listenPort}`));
    assert.ok(line, out);
    const sendQ = Number(line!.trim().split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    assert.equal(sendQ, Math.min(LISTEN_BACKLOG, somaxconn));
    assert.ok(LISTEN_BACKLOG > 511);
  } finally {
    await s.stop();
  }
});
