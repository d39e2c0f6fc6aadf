/**
 * src/bgp: the BGP-4 protocol, without routes: ./messages (the wire codec, pure, no I/O) and
 * ./fsm (the RFC 4271 section 8 state machine and the sessions that run it over TCP). What a
 * session receives leaves this folder through one typed seam, fsm's SessionConsumer, which
 * src/routing implements; nothing here knows about the RIB, policies or roles.
 *
 * DOC, one UPDATE through this folder: socket bytes -> messages/framer.ts (RFC 4271 4.1
 * header checks, zero-copy frames) -> messages/message.ts decodeMessage (syntax only,
 * RFC 7606 errors collected as values) -> fsm/connection.ts feeds the FSM event UpdateMsg
 * (Event 27) to fsm.ts step(), which answers processUpdate -> fsm/peer.ts Peer.onUpdate ->
 * SessionConsumer.update(UpdateMessage) (the routing engine). On the way out the engine packs
 * UPDATEs (src/routing with messages/builder.ts) and writes them with Peer.write, which the
 * socket's back-pressure answers through SessionConsumer.drained.
 *
 * RFCs: 4271 (BGP-4), 4760 (multiprotocol), 5492 (capabilities), 6793 (4-octet AS),
 * 2918 and 7313 (route refresh), 4724 (graceful restart), 7911 (ADD-PATH), 8654 (extended
 * messages), 9072 (extended optional parameters length), 1997, 4360, 8092 (communities),
 * 4456 (route reflection attributes), 7606 (revised error handling), 9003 (shutdown
 * communication), 4486 (Cease subcodes), 6608 (FSM error subcodes), 9687 (send hold timer),
 * 2385 (TCP-MD5) and 5082 (GTSM) through src/sys.
 */ export * as messages from './messages';
export * as fsm from './fsm';
