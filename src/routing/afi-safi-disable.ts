// RFC 4760 7 / RFC 7606 5.3 "AFI/SAFI disable" for one session: apart from the engine because it is a self-contained error path (finding the broken families, dropping and withdrawing them) that needs only the per-family tables.
import { family, BgpError, UpdateSubcode, familyName, type Family, type UpdateMessage } from '../bgp/messages';
import type { AdjRibOut } from './adj-rib-out';
import type { Attached, FamilyDeps } from './sessions';

/**
 * Families of the MP_REACH_NLRI / MP_UNREACH_NLRI attributes the decoder could not parse
 * (present in the raw attributes, absent from the decoded ones): RFC 4760 7 names the
 * family by the attribute's own AFI/SAFI.
 */
export function brokenFamilies(u: UpdateMessage): Family[] {
  const b = u.attrBytes;
  const out: Family[] = [];
  for (let i = 0; i + 3 <= b.length; ) {
    const flags = b[i]!;
    const type = b[i + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (i + 4 <= b.length ? (b[i + 2]! << 8) | b[i + 3]! : 0) : b[i + 2]!;
    const at = i + (ext ? 4 : 3);
    const missing = (type === 14 && !u.attributes.mpReach) || (type === 15 && !u.attributes.mpUnreach);
    if (missing && len >= 3 && at + 3 <= b.length) {
      const f = family((b[at]! << 8) | b[at + 1]!, b[at + 2]!);
      if (!out.includes(f)) out.push(f);
    }
    i = at + len;
  }
  return out;
}

/**
 * RFC 7606 5.3 / RFC 4760 7 "AFI/SAFI disable": an MP_REACH_NLRI or MP_UNREACH_NLRI whose
 * NLRI cannot be parsed. Every route of that family from this peer is deleted, later ones
 * are ignored for the rest of the session, and we stop sending the family to it (our
 * routes of it are withdrawn there first, so it keeps none of ours either). With no family
 * left the session is reset instead (7606 5.3's other choice). True when it was reset.
 */
export function disableFamily(deps: FamilyDeps, a: Attached, f: Family, err: BgpError | undefined): boolean {
  const info = a.info!;
  const ribs = new Map(a.ribs ?? deps.ribs);
  if (!ribs.delete(f)) return false; // already disabled, or a family we do not run
  a.ribs = ribs;
  const carried = a.families.includes(f);
  a.families = a.families.filter((x) => x !== f);
  deps.logger.warn(
    { peer: info.address, family: familyName(f), err: err?.message },
    'AFI/SAFI disabled for this session (RFC 4760 7, RFC 7606 5.3): its routes deleted, no more accepted or sent',
  );
  if (carried) {
    const g = deps.groups.get(f)!;
    const out = g.groupOf(info.index)?.out;
    g.leave(info.index);
    if (out && a.live) withdrawSent(deps, a, f, out);
  }
  deps.ribs.get(f)?.peerDown(info.index);
  deps.schedule();
  if (a.families.length === 0 && a.session.fail) {
    a.session.fail(err ?? BgpError.update(UpdateSubcode.OptionalAttributeError, 'AFI/SAFI disabled'));
    return true;
  }
  return false;
}

/** Withdrawals for everything the group advertised to this member (its own routes aside). */
function withdrawSent(deps: FamilyDeps, a: Attached, f: Family, out: AdjRibOut): void {
  const index = a.info!.index;
  const pairs: number[] = [];
  out.forEach((p, tx) => {
    if (out.exclusionOf(p, tx) !== index) pairs.push(p, tx);
  });
  const packer = deps.packers.get(f)!;
  const ctx = a.session.negotiated?.tx;
  if (!ctx) return;
  for (let at = 0; at < pairs.length; ) {
    const w = packer.withdraw(deps.ribs.get(f)!.prefixes, pairs, at, ctx);
    if (w.next === at) break;
    a.session.write(w.buf);
    at = w.next;
  }
}
