// The workload's interface, as Calico's plugin makes it: a veth pair whose host side stays in
// the namespace we run in (the node's) and whose other side is IFNAME in the workload's
// namespace, with ADDR/32 (/128), link up, and a default route via 169.254.1.1 onlink (IPv6:
// via the host side's link-local address). The host side's forwarding, proxy ARP and /32
// route are the dataplane's job (src/dataplane), not this one. One `ip -batch` per namespace.
import { CommandError, ip, ipIn } from './exec';
import { GATEWAY_V4, HOST_LINK_LOCAL, HOST_MAC } from './names';

export interface WorkloadAddress {
  family: 4 | 6;
  /** Bare address, canonical form. */
  address: string;
}

export function prefixOf(a: WorkloadAddress): string {
  return `${a.address}/${a.family === 4 ? 32 : 128}`;
}

/** Creates the pair: `hostIf` here (up, MAC ee:ee:ee:ee:ee:ee), `ifname` with `mac` in the namespace at `netnsPath`. */
export async function createVeth(hostIf: string, netnsPath: string, ifname: string, mac: string): Promise<void> {
  try {
    await ip(['-batch', '-'], {
      input:
        [
          `link add ${hostIf} address ${HOST_MAC} type veth peer name ${ifname} address ${mac} netns ${netnsPath}`,
          `link set ${hostIf} up`,
        ].join('\n') + '\n',
    });
  } catch (e) {
    // A veth pair is made whole or not at all: "File exists" means nothing of ours was made
    // (a link of that name is someone else's). Any later failure leaves a pair of ours: remove it.
    if (!(e instanceof CommandError && /File exists/.test(e.stderr))) await deleteLink(hostIf).catch(() => undefined);
    throw e;
  }
}

/** Addresses, link up and default routes on the workload side, inside its namespace. */
export async function configureWorkload(
  netnsPath: string,
  ifname: string,
  addrs: readonly WorkloadAddress[],
): Promise<void> {
  const lines = ['link set lo up', `link set ${ifname} up`];
  for (const a of addrs) {
    // nodad: the address is unique by IPAM, and a tentative address would be unusable for a second or more.
    lines.push(`addr add ${prefixOf(a)} dev ${ifname}${a.family === 6 ? ' nodad' : ''}`);
  }
  // 169.254.1.1 is on no subnet of the workload: `onlink` tells the kernel it is reachable on
  // the link anyway; the host answers for it by proxy ARP (RFC 1027), as Calico does.
  if (addrs.some((a) => a.family === 4)) lines.push(`route add default via ${GATEWAY_V4} dev ${ifname} onlink`);
  if (addrs.some((a) => a.family === 6)) lines.push(`route add ::/0 via ${HOST_LINK_LOCAL} dev ${ifname}`);
  await ipIn(netnsPath, ['-batch', '-'], { input: lines.join('\n') + '\n' });
}

/** Deletes a link in our namespace (its veth peer goes with it); false when there was none. */
export async function deleteLink(name: string): Promise<boolean> {
  try {
    await ip(['link', 'del', name]);
    return true;
  } catch (e) {
    if (e instanceof CommandError && /Cannot find device|does not exist/i.test(e.stderr)) return false;
    throw e;
  }
}

export interface LinkView {
  name: string;
  mac: string;
  up: boolean;
  kind?: string;
}

function parseLink(json: string): LinkView | undefined {
  const l = (
    JSON.parse(json) as Array<{ ifname: string; address?: string; flags?: string[]; linkinfo?: { info_kind?: string } }>
  )[0];
  if (!l) return undefined;
  return { name: l.ifname, mac: l.address ?? '', up: (l.flags ?? []).includes('UP'), kind: l.linkinfo?.info_kind };
}

/** The link `name` in our namespace, or undefined. */
export async function hostLink(name: string): Promise<LinkView | undefined> {
  try {
    return parseLink(await ip(['-j', '-d', 'link', 'show', 'dev', name]));
  } catch (e) {
    if (e instanceof CommandError && /does not exist|Cannot find device/i.test(e.stderr)) return undefined;
    throw e;
  }
}

export interface WorkloadView {
  link?: LinkView;
  /** Prefixes on the interface (global scope), e.g. 192.168.1.1/32. */
  addresses: string[];
  /** Default routes' gateways on the interface (IPv4 and IPv6). */
  gateways: string[];
}

/** What the workload's namespace holds for `ifname`: the link, its addresses, its default routes. */
export async function workloadView(netnsPath: string, ifname: string): Promise<WorkloadView> {
  let link: LinkView | undefined;
  try {
    link = parseLink(await ipIn(netnsPath, ['-j', '-d', 'link', 'show', 'dev', ifname]));
  } catch (e) {
    if (e instanceof CommandError && /does not exist|Cannot find device/i.test(e.stderr))
      return { addresses: [], gateways: [] };
    throw e;
  }
  const addrJson = JSON.parse(await ipIn(netnsPath, ['-j', 'addr', 'show', 'dev', ifname])) as Array<{
    addr_info?: Array<{ local: string; prefixlen: number; scope?: string }>;
  }>;
  const addresses = (addrJson[0]?.addr_info ?? [])
    .filter((a) => a.scope !== 'link' && a.scope !== 'host')
    .map((a) => `${a.local}/${a.prefixlen}`);
  const gateways: string[] = [];
  for (const fam of ['-4', '-6']) {
    const routes = JSON.parse(await ipIn(netnsPath, [fam, '-j', 'route', 'show', 'default', 'dev', ifname])) as Array<{
      gateway?: string;
    }>;
    for (const r of routes) if (r.gateway) gateways.push(r.gateway);
  }
  return { link, addresses, gateways };
}
