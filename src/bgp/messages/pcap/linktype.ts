// Link layers found in captures of BGP sessions, per https://www.tcpdump.org/linktypes.html:
// from the frame, find the network-layer packet and its IP version.
import { u32 } from './bytes';

export const LINKTYPE_NULL = 0; // BSD loopback: 4-octet address family in the writer's byte order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IP, version from the first nibble
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: address family in network byte order
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
// Some old writers stored the DLT value of raw IP instead of LINKTYPE_RAW.
const DLT_RAW_A = 12;
const DLT_RAW_B = 14;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad
const ETHERTYPE_QINQ_OLD = 0x9100;

export interface NetworkPacket {
  readonly version: 4 | 6;
  readonly data: Uint8Array;
}

function byEthertype(type: number, data: Uint8Array): NetworkPacket | undefined {
  if (type === ETHERTYPE_IPV4) return { version: 4, data };
  if (type === ETHERTYPE_IPV6) return { version: 6, data };
  return undefined;
}

function byNibble(data: Uint8Array): NetworkPacket | undefined {
  if (data.length === 0) return undefined;
  const v = data[0]! >> 4;
  return v === 4 || v === 6 ? { version: v, data } : undefined;
}

/** BSD address families for IPv4 and the three IPv6 values (NetBSD/OpenBSD, FreeBSD, macOS). */
function byAddressFamily(af: number, data: Uint8Array): NetworkPacket | undefined {
  if (af === 2) return { version: 4, data };
  if (af === 24 || af === 28 || af === 30) return { version: 6, data };
  return undefined;
}

/** The IP packet inside a frame, or undefined (unknown link type, or not IP). */
export function networkLayer(linkType: number, f: Uint8Array): NetworkPacket | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      let off = 12;
      if (f.length < off + 2) return undefined;
      let type = (f[off]! << 8) | f[off + 1]!;
      // Skip up to two VLAN tags (802.1Q, and 802.1ad outer tags).
      for (
        let i = 0;
        i < 2 && (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD);
        i++
      ) {
        off += 4;
        if (f.length < off + 2) return undefined;
        type = (f[off]! << 8) | f[off + 1]!;
      }
      return byEthertype(type, f.subarray(off + 2));
    }
    case LINKTYPE_LINUX_SLL: // 16-octet header, protocol type last
      return f.length < 16 ? undefined : byEthertype((f[14]! << 8) | f[15]!, f.subarray(16));
    case LINKTYPE_LINUX_SLL2: // 20-octet header, protocol type first
      return f.length < 20 ? undefined : byEthertype((f[0]! << 8) | f[1]!, f.subarray(20));
    case LINKTYPE_RAW:
    case DLT_RAW_A:
    case DLT_RAW_B:
      return byNibble(f);
    case LINKTYPE_IPV4:
      return { version: 4, data: f };
    case LINKTYPE_IPV6:
      return { version: 6, data: f };
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (f.length < 4) return undefined;
      // NULL's family is in the capturing host's byte order, unknown here: a family is a
      // small number, so whichever reading is small is the right one.
      const le = u32(f, 0, true);
      const af = linkType === LINKTYPE_LOOP || le > 0xffff ? u32(f, 0, false) : le;
      return byAddressFamily(af, f.subarray(4));
    }
    default:
      return undefined;
  }
}
