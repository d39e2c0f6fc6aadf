// Names of our nftables objects, and the rule hashes that mark a rule as ours. nft 1.0
// accepts only bare identifiers for chains and sets (`[A-Za-z][A-Za-z0-9_.-]*`; quoted
// names are refused), so datastore names outside that alphabet, or long ones, become a hash.
import * as crypto from 'node:crypto';

/** Our one table (family inet: one ruleset for IPv4 and IPv6). */
export const TABLE = 'vroute';
export const FAMILY = 'inet';

/** Base chains: hooks into the kernel's forward and input paths. */
export const CHAIN_FROM_EP = 'fwd-from-ep';
export const CHAIN_TO_EP = 'fwd-to-ep';
export const CHAIN_EP_TO_HOST = 'in-from-ep';
/** The regular chain run for traffic a workload sends to its own host. */
export const CHAIN_WL_TO_HOST = 'wl-to-host';
/** Verdict maps: host-side interface name -> `goto` the chain of that endpoint's profile list. */
export const MAP_FROM_EP = 'from-ep';
export const MAP_TO_EP = 'to-ep';
/** Set of every local endpoint's host-side interface name. */
export const SET_EP_IFACES = 'ep-ifaces';

const SAFE = /^[A-Za-z0-9_.-]{1,48}$/;

/** A datastore name as it may appear inside an nft identifier. */
export function safeName(name: string): string {
  return SAFE.test(name) ? name : `h${shortHash(name)}`;
}

/** Inbound (to the workload) and outbound (from it) chains of a profile. */
export function profileChain(dir: 'in' | 'out', profile: string): string {
  return `${dir === 'in' ? 'pi' : 'po'}-${safeName(profile)}`;
}

/**
 * Inbound and outbound chains of a profile list (an endpoint's profiles, in order). Endpoints
 * with the same list share them: their content would be identical, and one chain per
 * endpoint would make every nft run slow, as nft reads every chain of the kernel before any
 * change (nft 1.0: 20,000 chains at 10,000 endpoints cost it ~150 ms per run).
 */
export function listChain(dir: 'in' | 'out', profiles: readonly string[]): string {
  return listChainOf(dir, listHash(profiles));
}

/** The hash naming a profile list's chains (computed once per list, used for both). */
export function listHash(profiles: readonly string[]): string {
  return shortHash(profiles.join('\0'));
}

export function listChainOf(dir: 'in' | 'out', hash: string): string {
  return `pl-${dir}-${hash}`;
}

/** The set holding the IPv4 (IPv6) addresses of every endpoint carrying `tag`. */
export function tagSet(family: 4 | 6, tag: string): string {
  return `tag${family}-${safeName(tag)}`;
}

/** Chains we create; any other chain in our table is foreign and never touched. */
export function isOurChain(name: string): boolean {
  // ep-in-/ep-out-: per-endpoint chains of earlier versions, ours to delete.
  return (
    /^(pl-(in|out)-|ep-(in|out)-|p[io]-)/.test(name) ||
    [CHAIN_FROM_EP, CHAIN_TO_EP, CHAIN_EP_TO_HOST, CHAIN_WL_TO_HOST].includes(name)
  );
}

export function isOurSet(name: string): boolean {
  return /^tag[46]-/.test(name) || name === SET_EP_IFACES;
}

export function isOurMap(name: string): boolean {
  return name === MAP_FROM_EP || name === MAP_TO_EP;
}

/** Interface names: IFNAMSIZ 16 with the NUL, and the characters nft identifiers allow. */
export function validIfname(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name);
}

// One-shot `crypto.hash` (Node >= 20.12) makes no Hash object: about half the cost of
// createHash for these short texts, which matters as a first apply hashes every rule.
const sha256hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function shortHash(text: string): string {
  return sha256hex(text).slice(0, 16);
}

/** The comment prefix that marks a rule as ours: `vr:` and 16 hex digits. */
export const COMMENT_RE = /^vr:([0-9a-f]{16})$/;

/**
 * Felix's chained rule hash: each rule's hash covers its chain, the hash of the rule before
 * it and its own text, so two chains' lists of hashes first differ exactly where the rules do.
 */
export function ruleHash(chain: string, prev: string, text: string): string {
  return shortHash(`${chain}\0${prev}\0${text}`);
}
