// IPv6 header parsing (RFC 8200 3, 4) for capture decoding: the extension header chain
// is walked to the upper-layer header; fragments (RFC 8200 4.5) are reported, not
// reassembled, except an atomic fragment (offset 0, M clear; RFC 6946), which is whole.
import type { IpPacket, SkipReason } from './ipv4';

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AH = 51;
const DEST_OPTIONS = 60;
const MOBILITY = 135;
const HIP = 139;
const SHIM6 = 140;
const MAX_EXTENSIONS = 16; // bounds the walk on hostile chains

export function parseIpv6(b: Uint8Array): IpPacket | SkipReason {
  if (b.length < 40 || b[0]! >> 4 !== 6) return 'malformed';
  const payloadLength = (b[4]! << 8) | b[5]!;
  // Payload length 0 means a jumbogram (RFC 2675) or offload; trust the frame then.
  let end = payloadLength === 0 ? b.length : 40 + payloadLength;
  if (end > b.length) end = b.length;
  let next = b[6]!;
  let off = 40;
  for (let i = 0; i < MAX_EXTENSIONS; i++) {
    if (
      next === HOP_BY_HOP ||
      next === ROUTING ||
      next === DEST_OPTIONS ||
      next === MOBILITY ||
      next === HIP ||
      next === SHIM6
    ) {
      // Generic extension header: Hdr Ext Len in 8-octet units, not counting the first 8 (RFC 8200 4.3).
      if (off + 2 > end) return 'malformed';
      const len = (b[off + 1]! + 1) * 8;
      next = b[off]!;
      off += len;
    } else if (next === AH) {
      // AH Payload Len is in 4-octet units minus 2 (RFC 4302 2.2).
      if (off + 2 > end) return 'malformed';
      const len = (b[off + 1]! + 2) * 4;
      next = b[off]!;
      off += len;
    } else if (next === FRAGMENT) {
      if (off + 8 > end) return 'malformed';
      const fo = (b[off + 2]! << 8) | b[off + 3]!;
      if (fo >> 3 !== 0 || fo & 1) return 'fragment';
      next = b[off]!;
      off += 8;
    } else {
      break;
    }
    if (off > end) return 'malformed';
  }
  return { src: b.subarray(8, 24), dst: b.subarray(24, 40), protocol: next, payload: b.subarray(off, end) };
}
