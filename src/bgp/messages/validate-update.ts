// The second stage (STYLE.md "Two stages"): rules that need to know the session, applied to
// an UPDATE the decoder already accepted. RFC 4271 6.3 as revised by RFC 7606: most problems
// are treat-as-withdraw or attribute-discard, never a session reset. The strongest action of
// the decoder's and these errors wins (RFC 7606 3).
import { BgpError, UpdateSubcode, type ErrorAction } from './errors';
import { strongestAction } from './attributes/table';
import { AttrType, SegmentType, type MutableAttributes, type PathAttributes } from './attributes/types';
import { formatIpv4 } from '../../net';
import type { UpdateMessage } from './update';

export interface SessionView {
  /** The peer is in another AS (eBGP); members of our confederation are not (RFC 5065). */
  readonly ebgp: boolean;
  readonly peerAs: number;
  /** eBGP peer inside our confederation (RFC 5065 5): AS_CONFED segments are expected. */
  readonly confedPeer?: boolean;
  /** RFC 4271 6.3 "MAY check" the leftmost AS of an eBGP path; default on. */
  readonly enforceFirstAs?: boolean;
  /** Both OPENs had the 4-octet AS capability (RFC 6793). */
  readonly fourOctetAs?: boolean;
}

export interface ValidatedUpdate {
  /** Attributes with the discarded ones removed. */
  readonly attributes: PathAttributes;
  /** The decoder's errors followed by this stage's. */
  readonly errors: readonly BgpError[];
  readonly action?: ErrorAction;
}

function withdrawErr(subcode: UpdateSubcode, msg: string, data?: Uint8Array): BgpError {
  return BgpError.update(subcode, msg, data, 'treat-as-withdraw');
}
function discardErr(msg: string): BgpError {
  return BgpError.update(UpdateSubcode.OptionalAttributeError, msg, undefined, 'attribute-discard');
}

/** RFC 4271 6.3: Missing Well-known Attribute data is the missing type code. */
function missing(type: AttrType, name: string): BgpError {
  // RFC 7606 3 (d): treat-as-withdraw rather than a session reset.
  return withdrawErr(UpdateSubcode.MissingWellKnownAttribute, `missing ${name}`, Uint8Array.of(type));
}

/** NEXT_HOP values no router can use (RFC 4271 6.3 "semantically incorrect"; RFC 1122 3.2.1.3). */
function unusableNextHop(v: number): boolean {
  const top = v >>> 24;
  return v === 0 || top === 0 || top === 127 || top >= 224;
}

export function validateUpdate(u: UpdateMessage, s: SessionView): ValidatedUpdate {
  const a = u.attributes;
  const errors: BgpError[] = [...u.errors];
  const out: MutableAttributes = { ...a };
  const announces = u.nlri.count > 0 || (a.mpReach !== undefined && a.mpReach.nlri.count !== 0);

  if (announces) {
    // RFC 4271 5 / RFC 7606 3 (d): ORIGIN and AS_PATH always; NEXT_HOP when the body holds
    // IPv4 NLRI (RFC 4760 3: not needed when only MP_REACH_NLRI announces); LOCAL_PREF on
    // iBGP (RFC 4271 5.1.5, RFC 7606 7.5).
    if (a.origin === undefined) errors.push(missing(AttrType.Origin, 'ORIGIN'));
    if (a.asPath === undefined) errors.push(missing(AttrType.AsPath, 'AS_PATH'));
    if (u.nlri.count > 0 && a.nextHop === undefined) errors.push(missing(AttrType.NextHop, 'NEXT_HOP'));
    if (!s.ebgp && a.localPref === undefined) errors.push(missing(AttrType.LocalPref, 'LOCAL_PREF'));
  }
  if (u.nlri.count > 0 && a.nextHop !== undefined && unusableNextHop(a.nextHop)) {
    errors.push(withdrawErr(UpdateSubcode.InvalidNextHopAttribute, `unusable NEXT_HOP ${formatIpv4(a.nextHop)}`));
  }

  if (s.ebgp) {
    // RFC 4271 5.1.5, RFC 7606 7.5: LOCAL_PREF from an external peer is ignored.
    if (a.localPref !== undefined) {
      delete out.localPref;
      errors.push(discardErr('LOCAL_PREF from an eBGP peer'));
    }
    // RFC 4456 8 is iBGP only; RFC 7606 7.9 / 7.10: discard when received over eBGP.
    if (a.originatorId !== undefined) {
      delete out.originatorId;
      errors.push(discardErr('ORIGINATOR_ID from an eBGP peer'));
    }
    if (a.clusterList !== undefined) {
      delete out.clusterList;
      errors.push(discardErr('CLUSTER_LIST from an eBGP peer'));
    }
    const path = a.asPath ?? [];
    // RFC 5065 5: AS_CONFED segments from a peer outside the confederation are a malformed
    // AS_PATH; RFC 7606 7.2: treat-as-withdraw.
    if (!s.confedPeer && path.some((g) => g.type === SegmentType.ConfedSequence || g.type === SegmentType.ConfedSet)) {
      errors.push(withdrawErr(UpdateSubcode.MalformedAsPath, 'AS_CONFED segment from a non-confederation eBGP peer'));
    } else if (announces && (s.enforceFirstAs ?? true) && !s.confedPeer && a.asPath !== undefined) {
      // RFC 4271 6.3: the leftmost AS must be the peer's (Malformed AS_PATH); RFC 7606 7.2
      // makes it treat-as-withdraw. AS4_PATH does not matter here: the peer's own AS leads.
      const first = path[0];
      if (first === undefined || first.type !== SegmentType.AsSequence || !firstAsMatches(first.asns[0]!, s)) {
        errors.push(withdrawErr(UpdateSubcode.MalformedAsPath, `AS_PATH does not start with peer AS ${s.peerAs}`));
      }
    }
  }

  // RFC 6793 4.1: AS4_PATH / AS4_AGGREGATOR between two 4-octet speakers are discarded.
  if (s.fourOctetAs) {
    if (a.as4Path !== undefined) {
      delete out.as4Path;
      errors.push(discardErr('AS4_PATH from a 4-octet speaker'));
    }
    if (a.as4Aggregator !== undefined) {
      delete out.as4Aggregator;
      errors.push(discardErr('AS4_AGGREGATOR from a 4-octet speaker'));
    }
  }

  const action = strongestAction(errors);
  return action === undefined ? { attributes: out, errors } : { attributes: out, errors, action };
}

function firstAsMatches(asn: number, s: SessionView): boolean {
  // From a 2-octet peer with a 4-octet AS, the leftmost AS is AS_TRANS (RFC 6793 4.2.2).
  return asn === s.peerAs || (!s.fourOctetAs && s.peerAs > 0xffff && asn === 23456);
}
