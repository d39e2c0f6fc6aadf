// Stale nexthop objects of ours deleted (nexthop-objects.ts): only after the initial sync
// (syncDone) and only objects no route names any more. Deleting an object deletes every route
// through it, in any table and of any protocol (net/ipv4/nexthop.c __remove_nexthop_fib), and
// removes it from any group holding it; so before deleting, every route of both families in
// every table, and every group of anyone, is looked at. The candidates come from our own
// slots first (a walk over typed arrays), so the full dump runs only when some object of ours
// looks unused: after End-of-RIB and when next-hop sets went away, not at every scan.
import { AF_INET, AF_INET6, NlBatch, rtnl } from '../../sys';
import { ackText } from './batch';
import type { NexthopObjects, NhSocket } from './nexthop-objects';
import type { FibLogger } from './types';

const { NLM_F_ACK, RTM_DELNEXTHOP, RTM_GETNEXTHOP, RTM_GETROUTE, RTM_NEWNEXTHOP, RTM_NEWROUTE } = rtnl;
const ENOENT = 2;

/** Object ids named by any route of any table (both families), and members of any group not in `skip`. */
async function referenced(sock: NhSocket, skip: ReadonlySet<number>): Promise<Set<number> | Error> {
  const refs = new Set<number>();
  for (const family of [AF_INET, AF_INET6]) {
    const req = new NlBatch(64);
    const seq = sock.takeSeq(1);
    req.addDump(RTM_GETROUTE, family, seq);
    const r = await sock.dump(req, seq, (b, m) => {
      if (m.type !== RTM_NEWROUTE) return;
      const id = rtnl.routeNhId(b, m);
      if (id) refs.add(id);
    });
    if (r instanceof Error) return r;
    if (r.interrupted) return new Error('route dump interrupted');
  }
  const req = new NlBatch(64);
  const seq = sock.takeSeq(1);
  req.addDump(RTM_GETNEXTHOP, 0, seq);
  const r = await sock.dump(req, seq, (b, m) => {
    const nh = m.type === RTM_NEWNEXTHOP ? rtnl.decodeNexthop(b, m) : undefined;
    if (nh?.group && !skip.has(nh.id)) for (const g of nh.group) refs.add(g.id);
  });
  if (r instanceof Error) return r;
  return refs;
}

/**
 * Deletes ours that nothing uses. `installedKeys`: the next-hop key ids our installed routes
 * hold (scan.ts installedKeys). Resolves to the ids deleted.
 */
export async function collectObjects(
  objects: NexthopObjects,
  sock: NhSocket,
  installedKeys: Iterable<number>,
  log: FibLogger,
): Promise<number[]> {
  if (!objects.enabled || objects.ours.size === 0) return [];
  const inUse = new Set<number>();
  for (const k of installedKeys) {
    const id = objects.objectOfKey(k);
    if (id) inUse.add(id);
  }
  for (const id of [...inUse]) for (const m of objects.ours.get(id)?.members ?? []) inUse.add(m);
  const candidates = new Set([...objects.ours.keys()].filter((id) => !inUse.has(id)));
  if (candidates.size === 0) return [];
  // Groups among the candidates go first, so their members' use by them does not count.
  const refs = await referenced(sock, candidates);
  if (refs instanceof Error) {
    log.warn(
      { err: refs.message },
      'fib: stale nexthop objects not deleted (reading routes failed); tried again later',
    );
    return [];
  }
  const groups: number[] = [];
  const singles: number[] = [];
  for (const id of candidates) {
    if (refs.has(id)) continue;
    if (objects.ours.get(id)?.members) groups.push(id);
    else singles.push(id);
  }
  // A member of a group we keep (a referenced candidate group) stays too.
  for (const id of candidates)
    if (refs.has(id))
      for (const m of objects.ours.get(id)?.members ?? []) {
        const i = singles.indexOf(m);
        if (i >= 0) singles.splice(i, 1);
      }
  const ids = [...groups, ...singles];
  if (ids.length === 0) return [];
  const batch = new NlBatch(4096);
  const seq = sock.takeSeq(ids.length);
  for (const [i, id] of ids.entries())
    batch.addNexthop(RTM_DELNEXTHOP, NLM_F_ACK, seq + i, { id, family: 0, protocol: 0, flags: 0 });
  const r = sock.exchange(batch, seq);
  if (r instanceof Error) {
    log.warn({ err: r.message }, 'fib: deleting stale nexthop objects failed; tried again later');
    return [];
  }
  const gone = ids.filter((_, i) => r.acks[i]?.errno === 0 || r.acks[i]?.errno === ENOENT);
  ids.forEach((id, i) => {
    const a = r.acks[i];
    if (a && a.errno !== 0 && a.errno !== ENOENT)
      log.warn({ nexthop: id, err: ackText(a.errno, a.message) }, 'fib: a stale nexthop object was not deleted');
  });
  objects.forget(gone);
  if (gone.length > 0) log.info({ deleted: gone.length }, 'fib: stale nexthop objects of ours deleted');
  return gone;
}
