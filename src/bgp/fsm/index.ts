/**
 * src/bgp/fsm: the RFC 4271 section 8 state machine (pure: events in, actions out, timers
 * as actions), and the session that binds it to a TCP socket.
 */
export {};
