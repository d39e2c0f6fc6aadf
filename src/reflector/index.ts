/**
 * src/reflector: RFC 4456 route reflection rules, update groups and the reflector daemon.
 */
export {};
