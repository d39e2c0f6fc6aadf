// TCP header parsing (RFC 9293 3.1): ports, sequence number, flags and the payload after
// the data offset (options skipped).

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;

export interface TcpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

export function parseTcp(b: Uint8Array): TcpHeader | undefined {
  if (b.length < 20) return undefined;
  const dataOffset = (b[12]! >> 4) * 4;
  if (dataOffset < 20 || dataOffset > b.length) return undefined;
  return {
    srcPort: (b[0]! << 8) | b[1]!,
    dstPort: (b[2]! << 8) | b[3]!,
    seq: ((b[4]! << 24) | (b[5]! << 16) | (b[6]! << 8) | b[7]!) >>> 0,
    flags: b[13]!,
    payload: b.subarray(dataOffset),
  };
}
