// The kernel FIB sink's two rtnetlink sockets: one for batches and dumps, and one joined to
// the link and address groups, polled for changes (rtnetlink.ts says why polled).
import { RtnlSocket, rtnl } from '../../sys';
import type { FibLogger } from './types';

export function openSockets(log: FibLogger): { sock: RtnlSocket; notify: RtnlSocket | undefined } | Error {
  const sock = RtnlSocket.open();
  if (sock instanceof Error) return new Error(`fib: cannot open the rtnetlink socket: ${sock.message}`);
  const notify = RtnlSocket.open({
    groups: rtnl.RTMGRP_LINK | rtnl.RTMGRP_IPV4_IFADDR | rtnl.RTMGRP_IPV6_IFADDR,
    rcvbuf: 256 * 1024,
  });
  if (notify instanceof Error) {
    log.warn({ err: notify.message }, 'fib: no link/address notifications; next hops re-checked at each scan only');
    return { sock, notify: undefined };
  }
  return { sock, notify };
}
