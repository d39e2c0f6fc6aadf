/**
 * src/bgp/messages: the BGP wire codec. Standalone: imports nothing from fsm, rib or
 * observability.
 *
 * DOC: a TCP byte stream is cut into messages by the framer (RFC 4271 4.1 header checks),
 * each message is decoded (syntax only) into a typed value; UPDATE attribute errors are
 * collected per RFC 7606 rather than thrown. Decoding that depends on the session (4-octet
 * AS, ADD-PATH, extended messages) reads one immutable CodecContext made from the two OPENs.
 * Encoders produce byte-exact messages; the UPDATE builder packs prefixes per attribute set.
 *
 * Files: header (RFC 4271 4.1/6.1 checks) -> framer (stream to frames, zero-copy views) ->
 * message (decodeMessage / encodeMessage / messageToJson dispatch) -> open + capabilities
 * (RFC 4271 4.2, 5492, 9072; validateOpen for RFC 4271 6.2), update (RFC 4271 4.3; nlri.ts
 * with RFC 7911 path IDs, prefix.ts for prefix values and text; ./attributes: one table of
 * attribute types with decode/encode hooks and the RFC 7606 actions), notification (RFC 4271
 * 4.5, 4486, 6608, 8538, 9003), keepalive, route-refresh (RFC 2918, 7313). negotiate turns the
 * two OPENs into the CodecContext of each direction. validate-update: the second stage, the
 * rules that need the session (RFC 4271 6.3 as revised by RFC 7606). as4: RFC 6793 4.2
 * AS4_PATH / AS4_AGGREGATOR merge and split. builder: packs prefixes of one attribute set
 * into as few UPDATEs as fit (4096, or 65535 with RFC 8654), End-of-RIB (RFC 4724 2).
 * errors / types: BgpError values with their NOTIFICATION code and RFC 7606 action; the
 * shared types (Family, CodecContext).
 *
 * ./pcap (not re-exported here, so sessions never load it): captures for `vroute decode`
 * (contract 1), see its index.ts.
 *
 * Data flow: bytes -> framer -> decodeMessage -> typed message (to src/bgp/fsm) or JSON
 * (messageToJson, for decode and the API); typed values -> encoders / builder -> bytes.
 */
export * from './errors';
export * from './types';
export * from './header';
export * from './framer';
export * from './capabilities';
export * from './open';
export * from './negotiate';
export * from './notification';
export * from './keepalive';
export * from './route-refresh';
export * from './message';
export * from './update';
export * from './builder';
export * from './as4';
export * from './validate-update';
