// pcapng files (draft-ietf-opsawg-pcapng): a sequence of blocks, each "type, total
// length, body, total length". A Section Header Block (SHB) starts each section and
// fixes its byte order; Interface Description Blocks (IDB) declare the section's
// interfaces (link type, timestamp resolution); Enhanced (EPB), Simple (SPB) and the
// obsolete Packet Blocks carry frames. Every other block type is skipped by its length.
import { type ByteQueue, u16, u32 } from './bytes';
import { CaptureError, type CapturedPacket, type RecordParser } from './packet';

const SHB = 0x0a0d0d0a; // a palindrome: readable before the byte order is known
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1;
const OBSOLETE_PB = 2;
const SPB = 3;
const EPB = 6;
const OPT_IF_TSRESOL = 9;
const MAX_BLOCK = 16 * 1024 * 1024 + 64;

interface Iface {
  linkType: number;
  /** Seconds per timestamp unit (if_tsresol; default microseconds, pcapng 4.2). */
  unit: number;
}

/** True when the first four octets are a pcapng Section Header Block type. */
export function isPcapngMagic(b: Uint8Array): boolean {
  return b.length >= 4 && u32(b, 0, false) === SHB;
}

export class PcapngParser implements RecordParser {
  private le = false;
  private started = false;
  private ifaces: Iface[] = [];

  constructor(private readonly q: ByteQueue) {}

  next(): CapturedPacket | undefined {
    for (;;) {
      const head = this.q.peek(12);
      if (!head) return undefined;
      const type = u32(head, 0, false);
      if (type === SHB) {
        // The byte-order magic follows the block length (pcapng 4.1).
        const bom = u32(head, 8, true);
        if (bom === BYTE_ORDER_MAGIC) this.le = true;
        else if (u32(head, 8, false) === BYTE_ORDER_MAGIC) this.le = false;
        else throw new CaptureError(this.started ? 'corrupt' : 'not-a-capture', 'bad pcapng byte-order magic');
      } else if (!this.started) {
        throw new CaptureError('not-a-capture', 'pcapng file does not start with a Section Header Block');
      }
      const len = u32(head, 4, this.le);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
        throw new CaptureError('corrupt', `corrupt pcapng block (type ${type >>> 0}, length ${len})`);
      }
      const block = this.q.take(len);
      if (!block) return undefined;
      if (u32(block, len - 4, this.le) !== len) {
        throw new CaptureError('corrupt', `corrupt pcapng block (type ${type >>> 0}: trailing length differs)`);
      }
      const t = u32(block, 0, this.le);
      if (type === SHB) {
        // A new section: its interfaces are numbered from zero again (pcapng 4.1).
        this.started = true;
        this.ifaces = [];
      } else if (t === IDB) {
        this.ifaces.push(this.readIdb(block));
      } else if (t === EPB || t === OBSOLETE_PB) {
        const p = this.readEpb(block, t === OBSOLETE_PB);
        if (p) return p;
      } else if (t === SPB) {
        const p = this.readSpb(block);
        if (p) return p;
      }
      // Any other block (name resolution, statistics, custom, ...) carries no frames.
    }
  }

  private readIdb(b: Uint8Array): Iface {
    if (b.length < 20) throw new CaptureError('corrupt', 'corrupt pcapng Interface Description Block');
    const iface: Iface = { linkType: u16(b, 8, this.le), unit: 1e-6 };
    // Options: code, length, value padded to 32 bits, ending with opt_endofopt (pcapng 3.5).
    let off = 16;
    const end = b.length - 4;
    while (off + 4 <= end) {
      const code = u16(b, off, this.le);
      const olen = u16(b, off + 2, this.le);
      if (code === 0 || off + 4 + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const v = b[off + 4]!;
        // High bit clear: a power of ten; set: a power of two (pcapng 4.2, if_tsresol).
        iface.unit = v & 0x80 ? 2 ** -(v & 0x7f) : 10 ** -v;
      }
      off += 4 + ((olen + 3) & ~3);
    }
    return iface;
  }

  private readEpb(b: Uint8Array, obsolete: boolean): CapturedPacket | undefined {
    if (b.length < 32) throw new CaptureError('corrupt', 'corrupt pcapng packet block');
    const ifaceId = obsolete ? u16(b, 8, this.le) : u32(b, 8, this.le);
    const caplen = u32(b, 20, this.le);
    if (28 + caplen > b.length - 4) throw new CaptureError('corrupt', 'corrupt pcapng packet block (captured length)');
    const iface = this.ifaces[ifaceId];
    if (!iface) return undefined; // a frame for an undeclared interface cannot be interpreted
    const ts = u32(b, 12, this.le) * 4294967296 + u32(b, 16, this.le);
    return {
      linkType: iface.linkType,
      data: b.subarray(28, 28 + caplen),
      origLength: u32(b, 24, this.le),
      timestamp: ts * iface.unit,
      interfaceId: ifaceId,
    };
  }

  private readSpb(b: Uint8Array): CapturedPacket | undefined {
    if (b.length < 16) throw new CaptureError('corrupt', 'corrupt pcapng Simple Packet Block');
    const origLen = u32(b, 8, this.le);
    // The SPB has no captured length: it is the original length cut to the block (pcapng 4.4).
    const caplen = Math.min(origLen, b.length - 16);
    const iface = this.ifaces[0];
    if (!iface) return undefined;
    return {
      linkType: iface.linkType,
      data: b.subarray(12, 12 + caplen),
      origLength: origLen,
      timestamp: 0,
      interfaceId: 0,
    };
  }

  atBoundary(): boolean {
    return this.started && this.q.length === 0;
  }
}
