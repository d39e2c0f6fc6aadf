// The update group's log is trimmed once every live member has read it, also when a member
// went live at the log's head without ever pulling from its tail (a joiner that caught up
// while entries were appended). Before the fix the log then kept every read entry (an
// encoded UPDATE and its prefix ids each) until it passed maxLog: ~4 MiB at a 500k-prefix load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CodecContext, IPV4_UNICAST } from '../../src/bgp/messages/types';
import { Rib } from '../../src/rib/rib';
import { SimplePacker } from '../../src/routing/wire-encode';
import { receiveFilter } from '../../src/routing/rules';
import { UpdateGroups } from '../../src/routing/update-groups';
import type { ExportSignature } from '../../src/routing/export';
import { attrs, ebgp, ibgp, ip, LOCAL_AS, seq, setup } from '../rib/helpers';
import { readUpdate } from './wire';

const RR = { asn: LOCAL_AS, routerId: ip('10.0.0.1'), clusterId: ip('10.0.0.1') };
const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
const SIG: ExportSignature = {
  family: IPV4_UNICAST,
  target: { role: 'ibgp-client', asn: LOCAL_AS, localAddress: '10.0.0.1' },
  addPath: 'none',
  ctx: CTX,
};

test('read log entries are trimmed when a member went live at the head', () => {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, importFilter: receiveFilter(RR, store) });
  const groups = new UpdateGroups(rib, store, RR, new SimplePacker(IPV4_UNICAST), { batch: 3 });
  const flush = () => {
    for (let ch = rib.decide(); ch.length > 0; ch = rib.decide()) groups.apply(ch);
  };
  const drain = (peer: number): string[] => {
    const nlri: string[] = [];
    for (let b = groups.pull(peer, 4); b.length > 0; b = groups.pull(peer, 4))
      for (const buf of b) nlri.push(...readUpdate(buf, false).nlri);
    return nlri.sort();
  };
  const announce = (from: number, n: number, med: number) => {
    for (let i = 0; i < n; i++)
      rib.announce4(from, 0x0b000000 + i * 256, 24, 0, store.intern(attrs({ asPath: seq(64512), med: med + i })));
    flush();
  };
  const src = peers.add(ebgp('10.0.0.9', 64512));
  const [c1, c2, c3] = ['10.0.0.2', '10.0.0.3', '10.0.0.4'].map((a) => peers.add(ibgp(a, { rrClient: true })));
  groups.join(c1, SIG);
  groups.join(c2, SIG);
  drain(c1.index);
  drain(c2.index);
  groups.join(c3, SIG); // replays the (empty) table while the others read the log
  const g = groups.groupOf(c1.index)!;
  announce(src.index, 12, 0);
  assert.equal(drain(c1.index).length, 12);
  assert.equal(drain(c2.index).length, 12);
  assert.equal(drain(c3.index).length, 12, 'the joiner gets the routes from its catch-up queue');
  assert.equal(g.isCatchingUp(c3.index), false);
  assert.equal(g.logLength, 0, 'every live member read the log: nothing kept');
  // Live now, c3 never pulls from the log's tail position the others started at.
  // The trim is amortised (once per members' worth of pulls), so up to one round's entries
  // (12 routes, batch 3: 4 UPDATEs) may wait for the next round; before the fix they piled up.
  for (let round = 1; round <= 6; round++) {
    announce(src.index, 12, round * 100);
    for (const c of [c1, c2, c3]) assert.equal(drain(c.index).length, 12);
    assert.ok(g.logLength <= 4, `round ${round}: read entries trimmed (log holds ${g.logLength})`);
  }
});
