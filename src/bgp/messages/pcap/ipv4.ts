// IPv4 header parsing (RFC 791 3.1) for capture decoding: options are skipped by the
// header length, the total length trims link-layer padding (Ethernet pads short frames
// to 60 octets), and fragments are reported, not reassembled (BGP speakers set DF and
// size segments to the path MTU, so fragmented BGP is rare).

export interface IpPacket {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** IP protocol number of the payload (6 = TCP). */
  readonly protocol: number;
  readonly payload: Uint8Array;
}

/** Why a frame yields no TCP segment; counted and noted, never fatal. */
export type SkipReason = 'link-type' | 'not-ip' | 'malformed' | 'fragment' | 'not-tcp';

const MF = 0x2000; // More Fragments flag, RFC 791 3.1
const OFFSET_MASK = 0x1fff;

export function parseIpv4(b: Uint8Array): IpPacket | SkipReason {
  if (b.length < 20 || b[0]! >> 4 !== 4) return 'malformed';
  const ihl = (b[0]! & 0x0f) * 4; // Internet Header Length in 32-bit words, options included
  if (ihl < 20 || ihl > b.length) return 'malformed';
  const total = (b[2]! << 8) | b[3]!;
  // Total length 0 appears in captures of TCP segmentation offload; trust the frame then.
  let end = total === 0 ? b.length : total;
  if (end < ihl) return 'malformed';
  if (end > b.length) end = b.length; // the snap length cut the frame: keep what we have
  const frag = (b[6]! << 8) | b[7]!;
  if (frag & MF || frag & OFFSET_MASK) return 'fragment';
  return { src: b.subarray(12, 16), dst: b.subarray(16, 20), protocol: b[9]!, payload: b.subarray(ihl, end) };
}
