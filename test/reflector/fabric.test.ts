// The fabric simulation of issue 11 in small (bench/fabric runs it with 500 nodes and times
// it): 20 simulated nodes, each with real BGP sessions from its own loopback address to two
// `vroute reflector` processes, announce one /26 each. Asserted, without timing: every node
// ends with every other node's block from both reflectors, each with its originator's next hop; after SIGKILL of reflector A every
// node saw that session drop and, in every sample while A was down and coming back, still held
// every block (through B); A started again on the same port gives every node its full set
// again; both reflectors' /status list all 20 sessions Established. No root needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../../bench/fabric/scenario';
import { blockOf, nextHopOf, sourceOf, sourceRange } from '../../bench/fabric/sim-node';
import { formatIpv4 } from '../../src/net';

test("fabric addresses: distinct per node, sources inside the reflectors' range, next hops outside 127/8", () => {
  const n = 1024;
  const sources = new Set<string>();
  const blocks = new Set<number>();
  for (let i = 0; i < n; i++) {
    sources.add(sourceOf(120, i));
    blocks.add(blockOf(i));
    assert.ok(sourceOf(120, i).startsWith('127.120.'), sourceOf(120, i));
    assert.notEqual(nextHopOf(i) >>> 24, 127);
  }
  assert.equal(sources.size, n);
  assert.equal(blocks.size, n);
  assert.equal(sourceRange(120), '127.120.0.0/16');
  assert.equal(formatIpv4(blockOf(0)), '10.64.0.0');
  assert.equal(formatIpv4(blockOf(1)), '10.64.0.64');
  assert.equal(formatIpv4(blockOf(1023)), '10.64.255.192');
  assert.equal(sourceOf(120, 0), '127.120.0.1');
  assert.equal(sourceOf(120, 255), '127.120.1.0');
});

test('fabric: 20 nodes, two reflectors, one SIGKILLed and restarted: every node keeps and regains every block', {
  timeout: 150_000,
}, async () => {
  const nodes = 20;
  const r = await runScenario({ nodes, timeoutMs: 120_000, downMs: 1000 });
  // Phase 1 reached (runScenario throws with the progress otherwise), in order.
  assert.ok(r.convergedMs <= r.bothFullMs);
  // While A was dead (and until it was back), no sample found a node missing a block.
  assert.ok(r.samplesWhileDown > 1, `samples while A was down: ${r.samplesWhileDown}`);
  assert.equal(r.worstNodesMissingWhileDown, 0);
  // Every block arrived with its originator's NEXT_HOP (RFC 4456: reflection keeps it).
  assert.equal(r.wrongNextHops, 0);
  // A is back with every session; B never lost one.
  assert.deepEqual(r.statusEstablished, [nodes, nodes]);
  assert.ok(r.refullMs >= r.reestablishedMs);
  // The /proc readings the bench reports are real numbers for each life of each reflector.
  for (const u of r.use) {
    assert.ok(u.cpuSeconds > 0, `${u.name}: cpu ${u.cpuSeconds}`);
    assert.ok(u.peakRssMiB > 10, `${u.name}: peak RSS ${u.peakRssMiB}`);
  }
});
