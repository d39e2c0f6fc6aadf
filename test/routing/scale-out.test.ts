// Reflectors wired together through real UPDATE bytes (group output -> codec decode ->
// ingestUpdate): two reflectors sharing a cluster ID (RFC 4456 scale-out) and a hierarchy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUpdate, validateUpdate } from '../../src/bgp/messages';
import { IPV4_UNICAST, type CodecContext } from '../../src/bgp/messages/types';
import { ingestUpdate } from '../../src/rib/ingest';
import { PeerTable, type PeerConfig, type PeerInfo } from '../../src/rib/peer';
import { Rib } from '../../src/rib/rib';
import { AttrStore, nextHopText } from '../../src/rib/attrs';
import { SimplePacker } from '../../src/routing/wire-encode';
import { receiveFilter, roleOf, type LocalIdentity } from '../../src/routing/rules';
import { UpdateGroups } from '../../src/routing/update-groups';
import { attrs, ip, LOCAL_AS } from '../rib/helpers';
import { nh } from '../helpers/addr';

const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

class Speaker {
  readonly store = new AttrStore();
  readonly peers = new PeerTable();
  readonly rib: Rib;
  readonly groups: UpdateGroups;
  readonly byName = new Map<string, PeerInfo>();
  constructor(
    readonly name: string,
    readonly local: LocalIdentity,
  ) {
    this.rib = new Rib({
      family: IPV4_UNICAST,
      peers: this.peers,
      attrs: this.store,
      importFilter: receiveFilter(local, this.store),
    });
    this.groups = new UpdateGroups(this.rib, this.store, local, new SimplePacker(IPV4_UNICAST));
  }
  connect(other: Speaker, cfg: Partial<PeerConfig> = {}): PeerInfo {
    const p = this.peers.add({
      address: other.name,
      asn: LOCAL_AS,
      localAsn: LOCAL_AS,
      routerId: other.local.routerId,
      ...cfg,
    });
    this.byName.set(other.name, p);
    this.groups.join(p, {
      family: IPV4_UNICAST,
      target: { role: roleOf(p), asn: LOCAL_AS },
      addPath: 'none',
      ctx: CTX,
    });
    return p;
  }
  originate(prefix: string) {
    const [a, l] = prefix.split('/');
    this.rib.announce4(
      this.selfPeer(),
      ip(a!),
      Number(l),
      0,
      this.store.intern(attrs({ nextHop: nh(this.name), localPref: 100 })),
    );
    this.settle();
  }
  unoriginate(prefix: string) {
    const [a, l] = prefix.split('/');
    this.rib.withdraw4(this.selfPeer(), ip(a!), Number(l), 0);
    this.settle();
  }
  /** Locally originated routes enter through a stand-in peer (as a redistributed route would). */
  private self?: PeerInfo;
  private selfPeer(): number {
    this.self ??= this.peers.add({ address: '0.0.0.0', asn: 64999, localAsn: LOCAL_AS, routerId: 0 });
    return this.self.index;
  }
  settle() {
    for (let ch = this.rib.decide(); ch.length > 0; ch = this.rib.decide()) this.groups.apply(ch);
  }
  /** Delivers everything this speaker has for `to` (as UPDATE bytes) into `to`. */
  send(to: Speaker): number {
    const from = to.byName.get(this.name)!;
    const me = this.byName.get(to.name)!;
    let n = 0;
    for (let bufs = this.groups.pull(me.index, 16); bufs.length > 0; bufs = this.groups.pull(me.index, 16)) {
      for (const b of bufs) {
        const u = decodeUpdate(b, CTX);
        const v = validateUpdate(u, { ebgp: false, peerAs: LOCAL_AS, fourOctetAs: true });
        ingestUpdate(new Map([[IPV4_UNICAST, to.rib]]), to.store, from.index, u, {
          fourOctetAs: true,
          attributes: v.attributes,
          action: v.action,
        });
        n++;
      }
    }
    to.settle();
    return n;
  }
  best(prefix: string) {
    return this.rib.bestOf(this.rib.findText(prefix));
  }
}

const CLUSTER = ip('10.0.0.100');

test("two reflectors with one cluster ID: each drops the other's reflection; a client keeps routes when one fails", () => {
  const rr1 = new Speaker('10.0.0.1', { asn: LOCAL_AS, routerId: ip('10.0.0.1'), clusterId: CLUSTER });
  const rr2 = new Speaker('10.0.0.2', { asn: LOCAL_AS, routerId: ip('10.0.0.2'), clusterId: CLUSTER });
  const c1 = new Speaker('10.0.1.1', { asn: LOCAL_AS, routerId: ip('10.0.1.1') });
  const c2 = new Speaker('10.0.1.2', { asn: LOCAL_AS, routerId: ip('10.0.1.2') });
  for (const rr of [rr1, rr2]) {
    for (const c of [c1, c2]) {
      rr.connect(c, { rrClient: true });
      c.connect(rr);
    }
  }
  rr1.connect(rr2);
  rr2.connect(rr1);
  c1.originate('10.9.0.0/16');
  c1.send(rr1);
  c1.send(rr2);
  rr1.send(rr2);
  rr2.send(rr1);
  // RFC 4456 8: each reflector's copy from the other carries the shared cluster ID: dropped.
  assert.equal(rr2.rib.routesOf(rr2.rib.findText('10.9.0.0/16')).length, 1);
  assert.equal(rr2.best('10.9.0.0/16')!.peer.address, '10.0.1.1');
  rr1.send(c2);
  rr2.send(c2);
  const seen = c2.rib.routesOf(c2.rib.findText('10.9.0.0/16'));
  assert.equal(seen.length, 2, 'one path via each reflector');
  for (const r of seen) {
    assert.equal(r.attrs.originatorId, ip('10.0.1.1'));
    assert.deepEqual(r.attrs.clusterList, [CLUSTER]);
    assert.equal(nextHopText(r.attrs.nextHop), '10.0.1.1', 'next hop unchanged on reflection');
  }
  // rr1 fails: c2 keeps the route through rr2.
  c2.rib.peerDown(c2.byName.get('10.0.0.1')!.index);
  c2.settle();
  assert.equal(c2.best('10.9.0.0/16')?.peer.address, '10.0.0.2');
  // c1 does not get its own route back from either reflector.
  rr1.send(c1);
  rr2.send(c1);
  assert.equal(c1.rib.routesOf(c1.rib.findText('10.9.0.0/16')).length, 1, 'only its own');
});

test('hierarchy: a reflector as client of a higher reflector; CLUSTER_LIST grows, ORIGINATOR_ID kept', () => {
  const top = new Speaker('10.0.0.9', { asn: LOCAL_AS, routerId: ip('10.0.0.9'), clusterId: ip('10.0.0.99') });
  const rr1 = new Speaker('10.0.0.1', { asn: LOCAL_AS, routerId: ip('10.0.0.1'), clusterId: ip('10.0.0.11') });
  const c1 = new Speaker('10.0.1.1', { asn: LOCAL_AS, routerId: ip('10.0.1.1') });
  const rr2 = new Speaker('10.0.0.2', { asn: LOCAL_AS, routerId: ip('10.0.0.2'), clusterId: ip('10.0.0.22') });
  rr1.connect(c1, { rrClient: true });
  c1.connect(rr1);
  rr1.connect(top);
  top.connect(rr1, { rrClient: true });
  top.connect(rr2, { rrClient: true });
  rr2.connect(top);
  c1.originate('10.7.0.0/16');
  c1.send(rr1);
  rr1.send(top);
  top.send(rr2);
  const r = rr2.best('10.7.0.0/16')!;
  assert.equal(r.attrs.originatorId, ip('10.0.1.1'));
  assert.deepEqual(r.attrs.clusterList, [ip('10.0.0.99'), ip('10.0.0.11')]);
  // And back down: top reflects rr2's view nowhere new; rr1 gets nothing from top (it is the source).
  top.send(rr1);
  assert.equal(rr1.rib.routesOf(rr1.rib.findText('10.7.0.0/16')).length, 1);
  // Withdrawals follow the same way.
  c1.unoriginate('10.7.0.0/16');
  c1.send(rr1);
  rr1.send(top);
  top.send(rr2);
  assert.equal(rr2.best('10.7.0.0/16'), undefined);
});
