// Writes pcap / pcapng captures from a list of TCP segments, so tests can make captures
// with split, coalesced, retransmitted, out-of-order or missing data on any link type.
import { writeFileSync } from 'node:fs';

export const SYN = 0x02;
export const ACK = 0x10;
export const PSH = 0x08;
export const FIN = 0x01;

export interface Segment {
  /** "10.0.0.1:179" or "[2001:db8::1]:179". */
  readonly src: string;
  readonly dst: string;
  readonly seq: number;
  readonly flags?: number; // default ACK|PSH (ACK alone when there is no payload)
  readonly payload?: Uint8Array;
  /** pcapng interface index (default 0). */
  readonly iface?: number;
  /** A whole frame to write as is instead of building one (e.g. ARP, UDP). */
  readonly rawFrame?: Uint8Array;
}

export interface CaptureOptions {
  readonly format?: 'pcap' | 'pcapng'; // default pcap
  readonly littleEndian?: boolean; // default true
  readonly nano?: boolean; // pcap: nanosecond magic
  /** Link type of each interface (pcap: only the first is used). Default [1] (Ethernet). */
  readonly linkTypes?: readonly number[];
  /** pcapng: write frames as Simple Packet Blocks (interface 0 only). */
  readonly simpleBlocks?: boolean;
  /** Extras that exercise parsers: IPv4 options, IPv6 hop-by-hop header, TCP options, VLAN tag. */
  readonly ipv4Options?: boolean;
  readonly ipv6HopByHop?: boolean;
  readonly tcpOptions?: boolean;
  readonly vlan?: boolean;
}

/** Parses "ip:port" / "[v6]:port" to address octets and port. */
export function parseEndpoint(ep: string): { addr: Uint8Array; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(ep) ?? /^([\d.]+):(\d+)$/.exec(ep);
  if (!m) throw new Error(`bad endpoint ${ep}`);
  const port = Number(m[2]);
  const ip = m[1]!;
  if (!ip.includes(':')) return { addr: Uint8Array.from(ip.split('.').map(Number)), port };
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const hs = head ? head.split(':') : [];
  const ts = tail ? tail.split(':') : [];
  const groups = tail === undefined ? hs : [...hs, ...new Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  const addr = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    addr[2 * i] = v >> 8;
    addr[2 * i + 1] = v & 0xff;
  });
  return { addr, port };
}

function be16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function checksum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function tcpHeader(seg: Segment, sp: number, dp: number, opts: CaptureOptions): Uint8Array {
  const payload = seg.payload ?? new Uint8Array(0);
  const flags = seg.flags ?? (payload.length ? ACK | PSH : ACK);
  // Options: NOP, NOP, timestamps (RFC 7323): 12 octets, so the data offset is 8 words.
  const options = opts.tcpOptions ? [1, 1, 8, 10, ...be32(1), ...be32(2)] : [];
  const hdr = [
    ...be16(sp),
    ...be16(dp),
    ...be32(seg.seq >>> 0),
    ...be32(0),
    ((20 + options.length) / 4) << 4,
    flags,
    ...be16(65535),
    0,
    0,
    0,
    0,
    ...options,
  ];
  const out = new Uint8Array(hdr.length + payload.length);
  out.set(hdr, 0);
  out.set(payload, hdr.length);
  return out;
}

function ipPacket(seg: Segment, opts: CaptureOptions): { version: 4 | 6; bytes: Uint8Array } {
  const s = parseEndpoint(seg.src);
  const d = parseEndpoint(seg.dst);
  const tcp = tcpHeader(seg, s.port, d.port, opts);
  if (s.addr.length === 4) {
    const options = opts.ipv4Options ? [1, 1, 1, 0] : []; // NOP NOP NOP EOL (RFC 791)
    const ihl = 20 + options.length;
    const h = new Uint8Array(ihl + tcp.length);
    h.set([0x40 | (ihl / 4), 0, ...be16(ihl + tcp.length), 0, 1, 0x40, 0, 64, 6, 0, 0], 0); // DF set
    h.set(s.addr, 12);
    h.set(d.addr, 16);
    h.set(options, 20);
    const c = checksum(h.subarray(0, ihl));
    h[10] = c >> 8;
    h[11] = c & 0xff;
    h.set(tcp, ihl);
    return { version: 4, bytes: h };
  }
  const ext = opts.ipv6HopByHop ? [6, 0, 1, 4, 0, 0, 0, 0] : []; // hop-by-hop: PadN, then TCP
  const h = new Uint8Array(40 + ext.length + tcp.length);
  h.set([0x60, 0, 0, 0, ...be16(ext.length + tcp.length), ext.length ? 0 : 6, 64], 0);
  h.set(s.addr, 8);
  h.set(d.addr, 24);
  h.set(ext, 40);
  h.set(tcp, 40 + ext.length);
  return { version: 6, bytes: h };
}

/** The frame of one segment on the given link type. */
export function frameFor(seg: Segment, linkType: number, opts: CaptureOptions = {}): Uint8Array {
  if (seg.rawFrame) return seg.rawFrame;
  const ip = ipPacket(seg, opts);
  const etype = ip.version === 4 ? 0x0800 : 0x86dd;
  let head: number[];
  switch (linkType) {
    case 1: {
      const macs = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
      head = opts.vlan ? [...macs, 0x81, 0x00, 0, 100, ...be16(etype)] : [...macs, ...be16(etype)];
      break;
    }
    case 113: // packet type, ARPHRD_ETHER, address length, address (8), protocol
      head = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...be16(etype)];
      break;
    case 276: // protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address (8)
      head = [...be16(etype), 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
      break;
    case 0: // address family in the writer's (here little-endian) byte order
      head = [ip.version === 4 ? 2 : 30, 0, 0, 0];
      break;
    case 108: // address family in network byte order
      head = [0, 0, 0, ip.version === 4 ? 2 : 24];
      break;
    case 101:
    case 228:
    case 229:
      head = [];
      break;
    default:
      throw new Error(`pcap-writer: link type ${linkType} not supported`);
  }
  const f = new Uint8Array(head.length + ip.bytes.length);
  f.set(head, 0);
  f.set(ip.bytes, head.length);
  return f;
}

class Out {
  private parts: Buffer[] = [];
  constructor(private readonly le: boolean) {}
  u16(n: number): void {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(n);
    else b.writeUInt16BE(n);
    this.parts.push(b);
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(n >>> 0);
    else b.writeUInt32BE(n >>> 0);
    this.parts.push(b);
  }
  bytes(b: Uint8Array): void {
    this.parts.push(Buffer.from(b));
  }
  pad4(n: number): void {
    if (n % 4) this.parts.push(Buffer.alloc(4 - (n % 4)));
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A whole capture file of these segments, one frame each, timestamps 1 ms apart. */
export function buildCapture(segments: readonly Segment[], opts: CaptureOptions = {}): Buffer {
  const le = opts.littleEndian ?? true;
  const linkTypes = opts.linkTypes ?? [1];
  const o = new Out(le);
  if ((opts.format ?? 'pcap') === 'pcap') {
    o.u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4);
    o.u16(2);
    o.u16(4);
    o.u32(0);
    o.u32(0);
    o.u32(262144);
    o.u32(linkTypes[0]!);
    segments.forEach((seg, i) => {
      const f = frameFor(seg, linkTypes[0]!, opts);
      o.u32(1700000000);
      o.u32(opts.nano ? i * 1_000_000 : i * 1000);
      o.u32(f.length);
      o.u32(f.length);
      o.bytes(f);
    });
    return o.done();
  }
  // pcapng: SHB (no options), one IDB per link type, then EPBs (or SPBs).
  o.u32(0x0a0d0d0a);
  o.u32(28);
  o.u32(0x1a2b3c4d);
  o.u16(1);
  o.u16(0);
  o.u32(0xffffffff);
  o.u32(0xffffffff);
  o.u32(28);
  for (const lt of linkTypes) {
    o.u32(1);
    o.u32(20);
    o.u16(lt);
    o.u16(0);
    o.u32(262144);
    o.u32(20);
  }
  // An unknown block between the headers and the frames, to be skipped (custom block type).
  o.u32(0x00000bad);
  o.u32(16);
  o.u32(0xdeadbeef);
  o.u32(16);
  segments.forEach((seg, i) => {
    const iface = seg.iface ?? 0;
    const f = frameFor(seg, linkTypes[iface]!, opts);
    const padded = (f.length + 3) & ~3;
    if (opts.simpleBlocks) {
      o.u32(3);
      o.u32(16 + padded);
      o.u32(f.length);
      o.bytes(f);
      o.pad4(f.length);
      o.u32(16 + padded);
      return;
    }
    o.u32(6);
    o.u32(32 + padded);
    o.u32(iface);
    o.u32(0x00060000);
    o.u32(i * 1000);
    o.u32(f.length);
    o.u32(f.length);
    o.bytes(f);
    o.pad4(f.length);
    o.u32(32 + padded);
  });
  return o.done();
}

export function writeCapture(path: string, segments: readonly Segment[], opts: CaptureOptions = {}): void {
  writeFileSync(path, buildCapture(segments, opts));
}

/**
 * One TCP connection: the handshake, then data in either direction with sequence numbers
 * kept, so a test only says who sends what and then reorders or repeats segments.
 */
export class TcpFlow {
  private seqC: number;
  private seqS: number;
  constructor(
    readonly client: string,
    readonly server: string,
    isnClient = 1000,
    isnServer = 5000,
  ) {
    this.seqC = isnClient;
    this.seqS = isnServer;
  }
  handshake(): Segment[] {
    const out: Segment[] = [
      { src: this.client, dst: this.server, seq: this.seqC, flags: SYN },
      { src: this.server, dst: this.client, seq: this.seqS, flags: SYN | ACK },
    ];
    this.seqC = (this.seqC + 1) >>> 0;
    this.seqS = (this.seqS + 1) >>> 0;
    out.push({ src: this.client, dst: this.server, seq: this.seqC, flags: ACK });
    return out;
  }
  /** A data segment from the client (fromClient) or the server; advances that side's seq. */
  send(fromClient: boolean, payload: Uint8Array): Segment {
    const seq = fromClient ? this.seqC : this.seqS;
    if (fromClient) this.seqC = (this.seqC + payload.length) >>> 0;
    else this.seqS = (this.seqS + payload.length) >>> 0;
    return fromClient
      ? { src: this.client, dst: this.server, seq, payload }
      : { src: this.server, dst: this.client, seq, payload };
  }
}

/** Splits a segment's payload into pieces at the given offsets (for split/overlap tests). */
export function splitSegment(seg: Segment, ...cuts: number[]): Segment[] {
  const p = seg.payload ?? new Uint8Array(0);
  const points = [0, ...cuts, p.length];
  const out: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    out.push({ ...seg, seq: (seg.seq + points[i]!) >>> 0, payload: p.subarray(points[i]!, points[i + 1]!) });
  }
  return out;
}

/** A KEEPALIVE (RFC 4271 4.4): marker, length 19, type 4. */
export function keepalive(): Uint8Array {
  const b = new Uint8Array(19).fill(0xff);
  b[16] = 0;
  b[17] = 19;
  b[18] = 4;
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}
