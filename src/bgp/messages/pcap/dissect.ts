// Frame -> TCP segment: link layer, then IPv4 or IPv6, then TCP. Anything else is a
// skip reason for the caller to count (non-TCP traffic in a capture is normal).
import { formatEndpoint } from '../../../net';
import { parseIpv4, type SkipReason } from './ipv4';
import { parseIpv6 } from './ipv6';
import { networkLayer } from './linktype';
import { parseTcp } from './tcp';

const IPPROTO_TCP = 6;

export interface TcpSegment {
  /** "ip:port" of the sender and receiver (IPv6 in brackets, RFC 5952). */
  readonly src: string;
  readonly dst: string;
  readonly seq: number;
  /** TCP flags octet (FIN 0x01, SYN 0x02, RST 0x04, ...). */
  readonly flags: number;
  readonly payload: Uint8Array;
}

export function dissect(linkType: number, frame: Uint8Array): TcpSegment | SkipReason {
  const net = networkLayer(linkType, frame);
  if (!net) return linkTypeKnown(linkType) ? 'not-ip' : 'link-type';
  const ip = net.version === 4 ? parseIpv4(net.data) : parseIpv6(net.data);
  if (typeof ip === 'string') return ip;
  if (ip.protocol !== IPPROTO_TCP) return 'not-tcp';
  const tcp = parseTcp(ip.payload);
  if (!tcp) return 'malformed';
  return {
    src: formatEndpoint(ip.src, tcp.srcPort),
    dst: formatEndpoint(ip.dst, tcp.dstPort),
    seq: tcp.seq,
    flags: tcp.flags,
    payload: tcp.payload,
  };
}

const KNOWN = new Set([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);
function linkTypeKnown(t: number): boolean {
  return KNOWN.has(t);
}
