// BGP capabilities (RFC 5492), carried in OPEN optional parameters of type 2. Known codes
// decode to typed values; any other code is kept as raw bytes and re-sent as received.
// Each capability is a TLV: code (1 octet), length (1 octet, also under RFC 9072), value.
import { BgpError, OpenSubcode } from './errors';

/** Capability codes (IANA "Capability Codes" registry). */
export const enum CapabilityCode {
  Multiprotocol = 1, // RFC 4760 8
  RouteRefresh = 2, // RFC 2918 2
  ExtendedMessage = 6, // RFC 8654 3
  GracefulRestart = 64, // RFC 4724 3
  FourOctetAs = 65, // RFC 6793 3
  AddPath = 69, // RFC 7911 4
  EnhancedRouteRefresh = 70, // RFC 7313 3
  LongLivedGracefulRestart = 71, // RFC 9494 3
  Fqdn = 73, // draft-walton-bgp-hostname-capability
  RouteRefreshCisco = 128, // pre-standard route refresh; kept raw (kind 'unknown')
}

/** Human names, also for codes we only keep raw. */
export const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  1: 'multiprotocol',
  2: 'route-refresh',
  3: 'outbound-route-filtering',
  5: 'extended-next-hop',
  6: 'extended-message',
  7: 'bgpsec',
  8: 'multiple-labels',
  9: 'bgp-role',
  64: 'graceful-restart',
  65: 'four-octet-as',
  69: 'add-path',
  70: 'enhanced-route-refresh',
  71: 'long-lived-graceful-restart',
  73: 'fqdn',
  128: 'route-refresh-cisco',
  131: 'multisession-cisco',
};

export function capabilityName(code: number): string {
  return CAPABILITY_NAMES[code] ?? `capability-${code}`;
}

/** ADD-PATH Send/Receive field (RFC 7911 4). */
export const enum AddPathMode {
  Receive = 1,
  Send = 2,
  Both = 3,
}

export interface MultiprotocolCapability {
  readonly kind: 'multiprotocol';
  readonly code: CapabilityCode.Multiprotocol;
  readonly afi: number;
  readonly safi: number;
}
export interface RouteRefreshCapability {
  readonly kind: 'route-refresh';
  readonly code: CapabilityCode.RouteRefresh;
}
export interface ExtendedMessageCapability {
  readonly kind: 'extended-message';
  readonly code: CapabilityCode.ExtendedMessage;
}
export interface GracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  readonly flags: number;
}
/**
 * RFC 4724 3 (+ RFC 8538 N bit). `flags` is the 4-bit Restart Flags field (0x8 = R,
 * 0x4 = N); `restartTime` the 12-bit Restart Time in seconds; per family, `flags` is the
 * whole Flags octet (0x80 = forwarding state preserved).
 */
export interface GracefulRestartCapability {
  readonly kind: 'graceful-restart';
  readonly code: CapabilityCode.GracefulRestart;
  readonly flags: number;
  readonly restartTime: number;
  readonly families: readonly GracefulRestartFamily[];
}
export interface FourOctetAsCapability {
  readonly kind: 'four-octet-as';
  readonly code: CapabilityCode.FourOctetAs;
  readonly asn: number;
}
export interface AddPathFamily {
  readonly afi: number;
  readonly safi: number;
  readonly sendReceive: AddPathMode;
}
export interface AddPathCapability {
  readonly kind: 'add-path';
  readonly code: CapabilityCode.AddPath;
  readonly families: readonly AddPathFamily[];
}
export interface EnhancedRouteRefreshCapability {
  readonly kind: 'enhanced-route-refresh';
  readonly code: CapabilityCode.EnhancedRouteRefresh;
}
/** RFC 9494 3: per family, the Flags octet (0x80 = F) and a 24-bit long-lived stale time. */
export interface LlgrFamily {
  readonly afi: number;
  readonly safi: number;
  readonly flags: number;
  readonly staleTime: number;
}
export interface LongLivedGracefulRestartCapability {
  readonly kind: 'long-lived-graceful-restart';
  readonly code: CapabilityCode.LongLivedGracefulRestart;
  readonly families: readonly LlgrFamily[];
}
export interface FqdnCapability {
  readonly kind: 'fqdn';
  readonly code: CapabilityCode.Fqdn;
  readonly hostname: string;
  readonly domain: string;
}
/** Any other code (and 128, the pre-standard route refresh): raw value, re-sent as is. */
export interface UnknownCapability {
  readonly kind: 'unknown';
  readonly code: number;
  readonly value: Uint8Array;
}

export type Capability =
  | MultiprotocolCapability
  | RouteRefreshCapability
  | ExtendedMessageCapability
  | GracefulRestartCapability
  | FourOctetAsCapability
  | AddPathCapability
  | EnhancedRouteRefreshCapability
  | LongLivedGracefulRestartCapability
  | FqdnCapability
  | UnknownCapability;

// ignoreBOM: a leading U+FEFF is part of what the peer sent (TextDecoder would strip it).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8enc = new TextEncoder();

// RFC 4271 6.2: a recognized optional parameter that is malformed -> subcode 0 (Unspecific).
function malformed(what: string): BgpError {
  return BgpError.open(OpenSubcode.Unspecific, `malformed capability: ${what}`);
}

function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
function u24(b: Uint8Array, i: number): number {
  return (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
}
function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

function requireLength(v: Uint8Array, n: number, name: string): void {
  if (v.length !== n) throw malformed(`${name} has length ${v.length}, expected ${n}`);
}
function requireMultiple(v: Uint8Array, n: number, name: string): void {
  if (v.length % n !== 0) throw malformed(`${name} length ${v.length} is not a multiple of ${n}`);
}

/** Decodes one capability value; `v` is the value only (code and length already read). */
export function decodeCapability(code: number, v: Uint8Array): Capability {
  switch (code) {
    case CapabilityCode.Multiprotocol:
      // RFC 4760 8: AFI (2), Reserved (1, ignored on receipt), SAFI (1).
      requireLength(v, 4, 'multiprotocol');
      return { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: u16(v, 0), safi: v[3]! };
    case CapabilityCode.RouteRefresh:
      requireLength(v, 0, 'route-refresh');
      return { kind: 'route-refresh', code: CapabilityCode.RouteRefresh };
    case CapabilityCode.ExtendedMessage:
      requireLength(v, 0, 'extended-message');
      return { kind: 'extended-message', code: CapabilityCode.ExtendedMessage };
    case CapabilityCode.EnhancedRouteRefresh:
      requireLength(v, 0, 'enhanced-route-refresh');
      return { kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh };
    case CapabilityCode.FourOctetAs:
      requireLength(v, 4, 'four-octet-as'); // RFC 6793 3
      return { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: u32(v, 0) };
    case CapabilityCode.GracefulRestart: {
      // RFC 4724 3: Restart Flags (4 bits) + Restart Time (12 bits), then 4 octets per family.
      if (v.length < 2) throw malformed('graceful-restart shorter than 2');
      const families: GracefulRestartFamily[] = [];
      if ((v.length - 2) % 4 !== 0) throw malformed('graceful-restart family list');
      for (let i = 2; i < v.length; i += 4) families.push({ afi: u16(v, i), safi: v[i + 2]!, flags: v[i + 3]! });
      return {
        kind: 'graceful-restart',
        code: CapabilityCode.GracefulRestart,
        flags: v[0]! >> 4,
        restartTime: u16(v, 0) & 0xfff,
        families,
      };
    }
    case CapabilityCode.AddPath: {
      // RFC 7911 4: AFI (2), SAFI (1), Send/Receive (1) per family; values other than 1..3
      // make the capability malformed.
      requireMultiple(v, 4, 'add-path');
      const families: AddPathFamily[] = [];
      for (let i = 0; i < v.length; i += 4) {
        const sr = v[i + 3]!;
        if (sr < 1 || sr > 3) throw malformed(`add-path send/receive ${sr}`);
        families.push({ afi: u16(v, i), safi: v[i + 2]!, sendReceive: sr as AddPathMode });
      }
      return { kind: 'add-path', code: CapabilityCode.AddPath, families };
    }
    case CapabilityCode.LongLivedGracefulRestart: {
      // RFC 9494 3: AFI (2), SAFI (1), Flags (1), Long-lived Stale Time (3) per family.
      requireMultiple(v, 7, 'long-lived-graceful-restart');
      const families: LlgrFamily[] = [];
      for (let i = 0; i < v.length; i += 7) {
        families.push({ afi: u16(v, i), safi: v[i + 2]!, flags: v[i + 3]!, staleTime: u24(v, i + 4) });
      }
      return { kind: 'long-lived-graceful-restart', code: CapabilityCode.LongLivedGracefulRestart, families };
    }
    case CapabilityCode.Fqdn: {
      // Hostname length (1), hostname, domain length (1), domain.
      if (v.length < 1 || v.length < 2 + v[0]!) throw malformed('fqdn hostname overruns');
      const hl = v[0]!;
      const dl = v[1 + hl]!;
      if (2 + hl + dl !== v.length) throw malformed('fqdn length mismatch');
      try {
        return {
          kind: 'fqdn',
          code: CapabilityCode.Fqdn,
          hostname: utf8.decode(v.subarray(1, 1 + hl)),
          domain: utf8.decode(v.subarray(2 + hl, 2 + hl + dl)),
        };
      } catch {
        // Not UTF-8: we cannot show it as text but need not refuse the peer; keep it raw.
        return { kind: 'unknown', code, value: v.slice() };
      }
    }
    default:
      return { kind: 'unknown', code, value: v.slice() };
  }
}

/** The value octets of one capability (no code/length). */
export function capabilityValue(c: Capability): Uint8Array {
  switch (c.kind) {
    case 'multiprotocol':
      return Uint8Array.of(c.afi >> 8, c.afi & 0xff, 0, c.safi);
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return new Uint8Array(0);
    case 'four-octet-as':
      return Uint8Array.of(c.asn >>> 24, (c.asn >>> 16) & 0xff, (c.asn >>> 8) & 0xff, c.asn & 0xff);
    case 'graceful-restart': {
      const b = new Uint8Array(2 + 4 * c.families.length);
      const head = ((c.flags & 0xf) << 12) | (c.restartTime & 0xfff);
      b[0] = head >> 8;
      b[1] = head & 0xff;
      c.families.forEach((f, k) => {
        b.set([f.afi >> 8, f.afi & 0xff, f.safi, f.flags], 2 + 4 * k);
      });
      return b;
    }
    case 'add-path': {
      const b = new Uint8Array(4 * c.families.length);
      c.families.forEach((f, k) => {
        b.set([f.afi >> 8, f.afi & 0xff, f.safi, f.sendReceive], 4 * k);
      });
      return b;
    }
    case 'long-lived-graceful-restart': {
      const b = new Uint8Array(7 * c.families.length);
      c.families.forEach((f, k) => {
        const t = f.staleTime;
        b.set([f.afi >> 8, f.afi & 0xff, f.safi, f.flags, (t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff], 7 * k);
      });
      return b;
    }
    case 'fqdn': {
      const h = utf8enc.encode(c.hostname);
      const d = utf8enc.encode(c.domain);
      if (h.length > 255 || d.length > 255) throw malformed('fqdn name longer than 255 octets');
      const b = new Uint8Array(2 + h.length + d.length);
      b[0] = h.length;
      b.set(h, 1);
      b[1 + h.length] = d.length;
      b.set(d, 2 + h.length);
      return b;
    }
    case 'unknown':
      return c.value;
  }
}

/** One capability as a TLV. Values are limited to 255 octets by the 1-octet length. */
export function encodeCapability(c: Capability): Uint8Array {
  const v = capabilityValue(c);
  if (v.length > 255) throw malformed(`${capabilityName(c.code)} value longer than 255 octets`);
  const b = new Uint8Array(2 + v.length);
  b[0] = c.code;
  b[1] = v.length;
  b.set(v, 2);
  return b;
}

/** Concatenated TLVs for a list of capabilities (the value of one type-2 parameter). */
export function encodeCapabilities(caps: readonly Capability[]): Uint8Array {
  const parts = caps.map(encodeCapability);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Decodes the capabilities in one type-2 optional parameter value, appending to `out`. */
export function decodeCapabilities(v: Uint8Array, out: Capability[]): void {
  let i = 0;
  while (i < v.length) {
    if (i + 2 > v.length) throw malformed('truncated capability header');
    const code = v[i]!;
    const len = v[i + 1]!;
    if (i + 2 + len > v.length) throw malformed(`capability ${code} overruns its parameter`);
    out.push(decodeCapability(code, v.subarray(i + 2, i + 2 + len)));
    i += 2 + len;
  }
}

/** The first capability of a kind, typed. */
export function findCapability<K extends Capability['kind']>(
  caps: readonly Capability[],
  kind: K,
): Extract<Capability, { kind: K }> | undefined {
  return caps.find((c) => c.kind === kind) as Extract<Capability, { kind: K }> | undefined;
}

/** Every capability of a kind, typed, in wire order. */
export function findCapabilities<K extends Capability['kind']>(
  caps: readonly Capability[],
  kind: K,
): Extract<Capability, { kind: K }>[] {
  return caps.filter((c) => c.kind === kind) as Extract<Capability, { kind: K }>[];
}
