// Classic libpcap files (draft-ietf-opsawg-pcap): a 24-octet file header, then records
// of a 16-octet header and the captured bytes. The magic number gives both the byte
// order of every header field and the timestamp unit (micro- or nanoseconds).
import { type ByteQueue, u16, u32 } from './bytes';
import { CaptureError, type CapturedPacket, type RecordParser } from './packet';

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** A record larger than this is a corrupt length, not a packet (no link is that big). */
const MAX_RECORD = 16 * 1024 * 1024;

/** True when the first four octets are a classic pcap magic, in either byte order. */
export function isPcapMagic(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const be = u32(b, 0, false);
  const le = u32(b, 0, true);
  return be === MAGIC_MICRO || be === MAGIC_NANO || le === MAGIC_MICRO || le === MAGIC_NANO;
}

export class PcapParser implements RecordParser {
  private le = false;
  private nano = false;
  private linkType = -1; // -1 until the file header is read
  private pending: { tsSec: number; tsFrac: number; caplen: number; origLen: number } | undefined;

  constructor(private readonly q: ByteQueue) {}

  private readFileHeader(): boolean {
    const h = this.q.take(FILE_HEADER);
    if (!h) return false;
    const le = u32(h, 0, true);
    this.le = le === MAGIC_MICRO || le === MAGIC_NANO;
    const magic = u32(h, 0, this.le);
    if (magic !== MAGIC_MICRO && magic !== MAGIC_NANO)
      throw new CaptureError('not-a-capture', 'not a pcap file (bad magic)');
    this.nano = magic === MAGIC_NANO;
    const major = u16(h, 4, this.le);
    if (major !== 2) throw new CaptureError('corrupt', `unsupported pcap version ${major}`);
    // The upper bits carry FCS information (draft-ietf-opsawg-pcap 4); the link type is the low 16.
    this.linkType = u32(h, 20, this.le) & 0xffff;
    return true;
  }

  next(): CapturedPacket | undefined {
    if (this.linkType < 0 && !this.readFileHeader()) return undefined;
    if (!this.pending) {
      const r = this.q.take(RECORD_HEADER);
      if (!r) return undefined;
      const caplen = u32(r, 8, this.le);
      if (caplen > MAX_RECORD) throw new CaptureError('corrupt', `corrupt pcap record (captured length ${caplen})`);
      this.pending = { tsSec: u32(r, 0, this.le), tsFrac: u32(r, 4, this.le), caplen, origLen: u32(r, 12, this.le) };
    }
    const p = this.pending;
    const data = this.q.take(p.caplen);
    if (!data) return undefined;
    this.pending = undefined;
    return {
      linkType: this.linkType,
      data,
      origLength: p.origLen,
      timestamp: p.tsSec + p.tsFrac / (this.nano ? 1e9 : 1e6),
      interfaceId: 0,
    };
  }

  atBoundary(): boolean {
    return this.linkType >= 0 && !this.pending && this.q.length === 0;
  }
}
