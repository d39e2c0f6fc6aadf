/**
 * src/bgp: the BGP-4 speaker's protocol engine.
 *
 * DOC: bytes from a TCP socket are framed and decoded by ./messages (a standalone codec
 * that imports nothing from the rest), then driven through the RFC 4271 section 8 state
 * machine in ./fsm (pure: events in, actions out). Established sessions hand UPDATEs to
 * src/rib.
 *
 * RFCs: 4271 (BGP-4), 4760 (multiprotocol), 5492 (capabilities), 6793 (4-octet AS),
 * 2918 and 7313 (route refresh), 4724 (graceful restart), 7911 (ADD-PATH), 8654 (extended
 * messages), 9072 (extended optional parameters length), 1997, 4360, 8092 (communities),
 * 4456 (route reflection), 7606 (revised error handling), 9003 (shutdown communication),
 * 4486 (Cease subcodes), 6608 (FSM error subcodes).
 */
export * as messages from './messages';
export * as fsm from './fsm';
