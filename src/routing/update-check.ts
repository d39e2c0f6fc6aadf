// The RFC 7606 second stage of one received UPDATE as the engine applies it: validate against
// the session (validate-update.ts), log the errors (rate-limited), and say how ingestUpdate()
// is to treat the message. Apart from the engine: it is the one place an UPDATE's errors
// become an action, and it needs nothing of the engine's state.
import { validateUpdate, type BgpError, type UpdateMessage } from '../bgp/messages';
import type { IngestOptions, PeerInfo } from '../rib';
import type { EngineLog } from './engine-log';

export interface CheckedUpdate {
  /** What ingestUpdate() gets: the attributes left, the action and why NLRI are refused. */
  readonly ingest: IngestOptions;
  /** RFC 7606 5.3 / RFC 4760 7: the error that disables a family of the session, if any. */
  readonly disable?: { readonly err: BgpError | undefined };
}

/** Validates `u` from `info`'s session; errors are logged here, the action is for the caller. */
export function checkUpdate(u: UpdateMessage, info: PeerInfo, fourOctetAs: boolean, log: EngineLog): CheckedUpdate {
  const v = validateUpdate(u, { ebgp: !info.ibgp, peerAs: info.asn, fourOctetAs });
  let rejectReason: string | undefined;
  if (v.errors.length > 0) {
    log.updateErrors(info.address, v.errors, v.action);
    if (v.action === 'treat-as-withdraw' || v.action === 'afi-safi-disable') {
      // The reason kept with each refused path names the errors that chose the action.
      const strong = v.errors.filter((e) => e.action === v.action);
      rejectReason = `${(strong.length > 0 ? strong : v.errors).map((e) => e.message).join('; ')} (RFC 7606 ${v.action})`;
    }
  }
  const ingest: IngestOptions = {
    fourOctetAs,
    attributes: v.attributes,
    ...(v.action ? { action: v.action } : {}),
    ...(rejectReason ? { rejectReason } : {}),
  };
  if (v.action !== 'afi-safi-disable') return { ingest };
  return { ingest, disable: { err: v.errors.find((e) => e.action === 'afi-safi-disable') } };
}
