// This node's local routes (local-blocks.ts: each affine block and each borrowed address) into
// BGP and the FIB: originated with our next hop, a blackhole per affine block (so traffic to an
// unallocated address of ours is dropped here instead of looping back to a peer), withdrawn
// with their blackhole when they go.
import { parseFamilyName, IPV4_UNICAST, type Family } from '../bgp/messages';
import type { Logger } from '../observability';
import type { RoutingEngine } from '../routing';
import type { LocalRoute } from './local-blocks';
import type { RouteOwner } from './route-owner';

const IPV6_UNICAST = parseFamilyName('ipv6-unicast')!;

export interface LocalRoutesOptions {
  engine: RoutingEngine;
  /** The kernel routes' owner: each affine block's blackhole goes there. */
  owner: RouteOwner;
  logger: Logger;
  /** NEXT_HOP of our own routes per family; undefined: that family is not configured. */
  nextHopOf: (f: Family) => string | undefined;
  /** After every change (the status record follows). */
  changed: () => void;
}

/** The LocalBlocks callback: applies each set of added and removed local routes. */
export function localRoutesHandler(o: LocalRoutesOptions): (c: { added: LocalRoute[]; removed: LocalRoute[] }) => void {
  const { engine, owner, logger } = o;
  const warned = new Set<string>();
  /** Datastore prefix text -> the RIB's canonical text (the FIB's key). */
  const canonical = new Map<string, string>();
  return (c) => {
    for (const r of c.removed) {
      const f = r.prefix.includes(':') ? IPV6_UNICAST : IPV4_UNICAST;
      try {
        engine.withdrawLocal(f, r.prefix);
      } catch {
        // Never originated (refused when added): nothing to withdraw.
      }
      owner.deleteBlackhole(canonical.get(r.prefix) ?? r.prefix);
      canonical.delete(r.prefix);
      logger.info({ prefix: r.prefix }, 'local route withdrawn');
    }
    for (const r of c.added) {
      const f = r.prefix.includes(':') ? IPV6_UNICAST : IPV4_UNICAST;
      const nh = o.nextHopOf(f);
      if (nh === undefined) {
        if (!warned.has(r.prefix))
          logger.error(
            { prefix: r.prefix },
            'IPv6 block or address for this node, but no ip6 configured: not advertised (set ip6)',
          );
        warned.add(r.prefix);
        continue;
      }
      // One bad block (a prefix the RIB refuses) is logged; the others still go out.
      try {
        const text = engine.originate(f, r.prefix, { nextHop: nh });
        canonical.set(r.prefix, text);
        if (r.block) owner.setBlackhole(text);
        else owner.deleteBlackhole(text);
        logger.info({ prefix: text, block: r.block }, 'local route advertised');
      } catch (e) {
        logger.error(
          { prefix: r.prefix, err: e instanceof Error ? e.message : String(e) },
          'local route not advertised',
        );
      }
    }
    o.changed();
  };
}
