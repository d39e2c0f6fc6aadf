// A session joins the update group of its signature for each family it carries (RFC 4456
// and RFC 4271 9.2 export rules from its role, the codec context of its send direction, its
// export policy): from then on it is sent our routes, starting with the initial table.
import type { Family } from '../bgp/messages';
import type { PolicyBook } from './policies';
import { roleOf } from './rules';
import type { Attached } from './sessions';
import type { UpdateGroups } from './update-groups';

/** Joins a session's update groups: from here on it is sent our routes of its families. */
export function joinGroups(a: Attached, groups: ReadonlyMap<Family, UpdateGroups>, policyBook: PolicyBook): void {
  const s = a.session;
  const n = s.negotiated;
  const info = a.info;
  if (!n || !info || !a.live) return;
  const ebgp = roleOf(info) === 'ebgp';
  for (const f of a.families) {
    // RFC 4456 and RFC 4271 9.2 export rules come from the target's role; the codec
    // context is the send direction's (4-octet AS, ADD-PATH tx, extended messages).
    // RFC 4271 5.1.3: next hop self towards external peers is our end of this connection,
    // the configured local address or, without one, whatever address the kernel chose.
    // Only eBGP targets use it, so iBGP clients never split groups over it.
    const local = ebgp ? (s.config.localAddress ?? s.sessionLocalAddress) : undefined;
    const nextHopSelf =
      local === undefined ? {} : local.includes(':') ? { localAddressV6: local } : { localAddress: local };
    // RFC 7911: several paths per prefix only where ADD-PATH send was negotiated for f;
    // the export policy is part of the signature, so peers differing in it never share a group.
    const exportPolicy = policyBook.forSession(f, a.settings.exportPolicy, ebgp);
    groups.get(f)!.join(info, {
      family: f,
      addPath: n.tx.addPath.has(f) ? (a.settings.addPathSend ?? 'all') : 'none',
      ctx: n.tx,
      ...(exportPolicy ? { exportPolicy } : {}),
      target: { role: roleOf(info), asn: info.asn, ...nextHopSelf },
    });
  }
}

/** RFC 4724 4.1: the deferral is over; the sessions it held back join their groups now. */
export function joinDeferred(
  sessions: Iterable<Attached>,
  groups: ReadonlyMap<Family, UpdateGroups>,
  policyBook: PolicyBook,
): void {
  for (const a of sessions) {
    if (!a.deferred) continue;
    a.deferred = false;
    joinGroups(a, groups, policyBook);
  }
}
