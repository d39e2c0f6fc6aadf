// Three namespaces in a row for tests that need a router between two hosts (GTSM, RFC 5082:
// a peer two hops away):  a 192.0.2.1 / 2001:db8:1::1 -- r (forwarding) -- b 198.51.100.2 /
// 2001:db8:2::2. Documentation addresses (RFC 5737, RFC 3849) that exist only inside these
// namespaces; a and b route everything via r. Names carry the pid, as netns.ts does.
import { execFileSync } from 'node:child_process';
import { Netns } from './netns';

export interface RoutedLab {
  readonly a: Netns;
  readonly r: Netns;
  readonly b: Netns;
  readonly aIpv4: string; readonly aIpv6: string;
  readonly bIpv4: string; readonly bIpv6: string;
  cleanup(): void;
}

let counter = 0;

export function createRoutedLab(tag: string): RoutedLab {
  if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new RangeError('createRoutedLab: tag must be 1..8 of [a-z0-9]');
  const base = `vr-${tag}-${process.pid}-${counter++}`;
  const made: Netns[] = [];
  const cleanup = (): void => {
    for (const ns of made.reverse()) ns.delete();
    made.length = 0;
    process.removeListener('exit', cleanup);
  };
  process.on('exit', cleanup);
  try {
    const a = Netns.create(`${base}-a`); made.push(a);
    const r = Netns.create(`${base}-r`); made.push(r);
    const b = Netns.create(`${base}-b`); made.push(b);
    const veth = (x: Netns, xIf: string, y: Netns, yIf: string): void => {
      execFileSync('ip', ['link', 'add', xIf, 'netns', x.name, 'type', 'veth', 'peer', 'name', yIf, 'netns', y.name], { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    veth(a, 'vr0', r, 'ra');
    veth(b, 'vr0', r, 'rb');
    const addr = (ns: Netns, dev: string, v4: string, v6: string): void => {
      ns.exec('ip', ['addr', 'add', v4, 'dev', dev]);
      ns.exec('ip', ['addr', 'add', v6, 'dev', dev, 'nodad']);
      ns.exec('ip', ['link', 'set', dev, 'up']);
    };
    addr(a, 'vr0', '192.0.2.1/24', '2001:db8:1::1/64');
    addr(r, 'ra', '192.0.2.254/24', '2001:db8:1::fe/64');
    addr(r, 'rb', '198.51.100.254/24', '2001:db8:2::fe/64');
    addr(b, 'vr0', '198.51.100.2/24', '2001:db8:2::2/64');
    r.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    a.exec('ip', ['route', 'add', 'default', 'via', '192.0.2.254']);
    a.exec('ip', ['-6', 'route', 'add', 'default', 'via', '2001:db8:1::fe']);
    b.exec('ip', ['route', 'add', 'default', 'via', '198.51.100.254']);
    b.exec('ip', ['-6', 'route', 'add', 'default', 'via', '2001:db8:2::fe']);
    return { a, r, b, aIpv4: '192.0.2.1', aIpv6: '2001:db8:1::1', bIpv4: '198.51.100.2', bIpv6: '2001:db8:2::2', cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Absolute kernel counters of a namespace (`nstat -asz NAMES`: absolute, history untouched, zeros too). */
export function nstat(ns: Netns, ...names: string[]): Record<string, number> {
  const out = ns.exec('nstat', ['-asz', ...names]);
  const r: Record<string, number> = {};
  for (const n of names) r[n] = 0;
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s+(\d+)/.exec(line);
    if (m && m[1] !== undefined && m[1] in r) r[m[1]] = Number(m[2]);
  }
  return r;
}
