// "host:port" and "[v6]:port" (RFC 3986 3.2.2 authority, as HTTP Host headers and our --api
// flags write it): split into the host text and the port digits. The port may be absent
// (a Host header without one); whether the host is an address is the caller's question.

export interface HostPort {
  host: string;
  /** The port's digits as written; undefined when the text had none. */
  port: string | undefined;
}

export function splitHostPort(text: string): HostPort | undefined {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  return m ? { host: m[1]!, port: m[2] } : undefined;
}
