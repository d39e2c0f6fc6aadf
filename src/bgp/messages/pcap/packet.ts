// What the capture readers hand out, and the one error type for a bad capture file.
// A capture file is local input, not peer input: its faults are CaptureError values
// (the CLI prints their message on one line and exits 1), never a crash.

/** One captured frame. `data` is a view into the reader's buffer: copy it to keep it. */
export interface CapturedPacket {
  /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html) of the frame's interface. */
  readonly linkType: number;
  readonly data: Uint8Array;
  /** Length of the frame on the wire (data may be shorter when the snap length cut it). */
  readonly origLength: number;
  /** Seconds since the epoch, as precise as a double allows. */
  readonly timestamp: number;
  /** pcapng interface index within its section; 0 for classic pcap. */
  readonly interfaceId: number;
}

export type CaptureErrorKind = 'not-a-capture' | 'truncated' | 'corrupt';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly kind: CaptureErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A capture format parser: pulls records from the queue, undefined when it needs more bytes. */
export interface RecordParser {
  next(): CapturedPacket | undefined;
  /** True when no partial record is waiting (so end of input here is clean). */
  atBoundary(): boolean;
}
