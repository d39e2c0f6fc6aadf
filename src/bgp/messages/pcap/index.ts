/**
 * src/bgp/messages/pcap: reading captures for `vroute decode` (contract 1).
 *
 * DOC: bytes of a pcap (both byte orders, micro/nanosecond) or pcapng file (any byte order,
 * several sections and interfaces) -> frames (capture.ts) -> TCP segments over Ethernet,
 * Linux SLL/SLL2, raw IP or BSD loopback, IPv4 or IPv6 (dissect.ts) -> one ordered byte
 * stream per TCP direction (tcp-reassembly.ts) -> BGP messages (bgp-stream.ts) decoded with
 * the context of the connection's two OPENs (decode-stream.ts) -> NDJSON lines.
 * decode-capture.ts drives it all from a chunked byte source with back-pressure. Lines are
 * written as bytes into one large buffer (ndjson-out.ts); UPDATEs in one pass from the wire
 * octets (update-ndjson.ts; its value checks update-ndjson-checks.ts, value writers
 * update-ndjson-values.ts), anything it declines through decodeMessage in wire view.
 */
export { CaptureReader, readCapture, type CaptureFormat } from './capture';
export { CaptureError, type CaptureErrorKind, type CapturedPacket } from './packet';
export { dissect, type TcpSegment } from './dissect';
export type { SkipReason } from './ipv4';
export { TcpReassembler, type Direction, type ReassemblyEvents, type ReassemblyOptions } from './tcp-reassembly';
export { BgpStreamSplitter, type FrameSink } from './bgp-stream';
export { CaptureDecoder, type DecodeCounters, type DecoderOptions } from './decode-stream';
export { decodeCapture, type ChunkWriter, type DecodeResult, type LineWriter } from './decode-capture';
export { NdjsonOut, type ChunkSink } from './ndjson-out';
export { writeUpdateLine } from './update-ndjson';
