// One reader for both capture formats: feed it chunks as they are read, pull frames
// out. The format is chosen from the first four octets (pcap magic in either byte
// order, or the pcapng Section Header Block type).
import { ByteQueue } from './bytes';
import { CaptureError, type CapturedPacket, type RecordParser } from './packet';
import { isPcapMagic, PcapParser } from './pcap';
import { isPcapngMagic, PcapngParser } from './pcapng';

export type CaptureFormat = 'pcap' | 'pcapng';

export class CaptureReader {
  private readonly q = new ByteQueue();
  private parser: RecordParser | undefined;
  private fmt: CaptureFormat | undefined;

  /** The detected format, once four octets have been seen. */
  get format(): CaptureFormat | undefined {
    return this.fmt;
  }

  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }

  /** The next frame, or undefined when more input is needed. Throws CaptureError. */
  next(): CapturedPacket | undefined {
    if (!this.parser) {
      const magic = this.q.peek(4);
      if (!magic) return undefined;
      if (isPcapMagic(magic)) {
        this.fmt = 'pcap';
        this.parser = new PcapParser(this.q);
      } else if (isPcapngMagic(magic)) {
        this.fmt = 'pcapng';
        this.parser = new PcapngParser(this.q);
      } else {
        throw new CaptureError('not-a-capture', 'not a pcap or pcapng capture');
      }
    }
    return this.parser.next();
  }

  /** Call at end of input: throws CaptureError when the input stopped inside a record. */
  end(): void {
    if (!this.parser) {
      throw new CaptureError(
        'not-a-capture',
        this.q.length === 0 ? 'not a capture (empty input)' : 'not a pcap or pcapng capture',
      );
    }
    if (!this.parser.atBoundary()) {
      throw new CaptureError('truncated', `truncated ${this.fmt} capture (input ends inside a record)`);
    }
  }
}

/** Every frame of a whole capture held in memory (tests and small files). */
export function readCapture(bytes: Uint8Array): CapturedPacket[] {
  const r = new CaptureReader();
  r.push(bytes);
  const out: CapturedPacket[] = [];
  for (let p = r.next(); p; p = r.next()) out.push(p);
  r.end();
  return out;
}
