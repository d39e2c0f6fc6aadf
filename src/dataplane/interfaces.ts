// The host side of each local workload interface (Felix's interface manager): up, forwarding,
// proxy ARP with no delay, strict reverse-path filtering, and for IPv6 proxy NDP with a proxy
// entry for the gateway address workloads use. Sysctls are file writes under /proc/sys (the
// calling process's network namespace), written only when they differ; link state and
// neighbour entries go through one `ip -force -batch -` per apply, never a process per
// interface.
import { promises as fs } from 'node:fs';
import { ipBatch } from './ip-batch';

export interface IfaceConfig {
  ifname: string;
  v4: readonly string[];
  v6: readonly string[];
  mac?: string;
}

export interface InterfaceDriver {
  /** Whether the interface exists in our network namespace. */
  exists(ifname: string): Promise<boolean>;
  /** Configures each interface; resolves the ones that failed, with why. */
  configure(list: readonly IfaceConfig[]): Promise<Map<string, string>>;
  /** Undoes what configure did on interfaces that still exist (endpoint removed). */
  unconfigure(list: readonly IfaceConfig[]): Promise<void>;
}

export interface HostInterfaceOptions {
  /** Root of the sysctl tree (tests may point elsewhere). Default /proc/sys. */
  procSys?: string;
  ipPath?: string;
  /**
   * The IPv6 address workloads use as their default gateway: the host answers neighbour
   * solicitations for it on each workload interface (proxy NDP). Default fe80::1.
   */
  ipv6Gateway?: string;
}

/**
 * RFC 3704 2.2 strict reverse-path filtering (rp_filter=1): a workload can send only from
 * addresses routed back through its own interface, so it cannot spoof another's.
 */
const V4_SYSCTLS: [string, string, string][] = [
  ['ipv4/conf', 'forwarding', '1'],
  ['ipv4/conf', 'rp_filter', '1'],
  // Answer ARP for any routed address (the 169.254.1.1 gateway of contract 7), at once:
  // the default proxy_delay of up to 0.8 s would stall a workload's first packet.
  ['ipv4/conf', 'proxy_arp', '1'],
  ['ipv4/neigh', 'proxy_delay', '0'],
];
const V6_SYSCTLS: [string, string, string][] = [
  // Proxy NDP answers only on interfaces that forward (the kernel's ndisc_recv_ns check).
  ['ipv6/conf', 'forwarding', '1'],
  ['ipv6/conf', 'proxy_ndp', '1'],
  // As for ARP: proxied neighbour advertisements are otherwise held back up to 0.8 s.
  ['ipv6/neigh', 'proxy_delay', '0'],
  // A router's interface takes no router advertisements from a workload.
  ['ipv6/conf', 'accept_ra', '0'],
];

export function hostInterfaces(opts: HostInterfaceOptions = {}): InterfaceDriver {
  const root = opts.procSys ?? '/proc/sys';
  const ip = opts.ipPath ?? 'ip';
  const gw6 = opts.ipv6Gateway ?? 'fe80::1';
  const path = (dir: string, ifname: string, key: string): string => `${root}/net/${dir}/${ifname}/${key}`;
  const write = async (file: string, value: string): Promise<void> => {
    const cur = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (cur?.trim() === value) return;
    await fs.writeFile(file, value);
  };
  return {
    async exists(ifname) {
      // /proc/sys/net follows the reader's namespace (sysfs would follow its mount's).
      return fs.access(`${root}/net/ipv4/conf/${ifname}`).then(
        () => true,
        () => false,
      );
    },
    async configure(list) {
      const failed = new Map<string, string>();
      const lines: { ifname: string; line: string }[] = [];
      for (const c of list) {
        try {
          for (const [dir, key, v] of V4_SYSCTLS) await write(path(dir, c.ifname, key), v);
          if (c.v6.length) for (const [dir, key, v] of V6_SYSCTLS) await write(path(dir, c.ifname, key), v);
        } catch (e) {
          failed.set(c.ifname, `sysctl: ${(e as Error).message}`);
          continue;
        }
        lines.push({ ifname: c.ifname, line: `link set dev ${c.ifname} up` });
        if (c.v6.length) lines.push({ ifname: c.ifname, line: `neigh replace proxy ${gw6} dev ${c.ifname}` });
        // Felix's static neighbour entries: the host never has to ARP/solicit for a workload.
        if (c.mac) {
          for (const a of [...c.v4, ...c.v6])
            lines.push({ ifname: c.ifname, line: `neigh replace ${a} lladdr ${c.mac} dev ${c.ifname} nud permanent` });
        }
      }
      const errs = await ipBatch(
        ip,
        lines.map((l) => l.line),
      );
      for (const [n, why] of errs) {
        const l = lines[n - 1];
        if (l && !failed.has(l.ifname)) failed.set(l.ifname, `${l.line}: ${why}`);
      }
      return failed;
    },
    async unconfigure(list) {
      const lines: string[] = [];
      for (const c of list) {
        if (!(await this.exists(c.ifname))) continue;
        await write(path('ipv4/conf', c.ifname, 'proxy_arp'), '0').catch(() => undefined);
        if (c.v6.length) {
          await write(path('ipv6/conf', c.ifname, 'proxy_ndp'), '0').catch(() => undefined);
          lines.push(`neigh del proxy ${gw6} dev ${c.ifname}`);
        }
        if (c.mac) for (const a of [...c.v4, ...c.v6]) lines.push(`neigh del ${a} dev ${c.ifname}`);
      }
      await ipBatch(ip, lines);
    },
  };
}

/** Records calls; `missing` names interfaces that do not exist. For unit tests. */
export class FakeInterfaces implements InterfaceDriver {
  readonly configured = new Map<string, IfaceConfig>();
  readonly missing = new Set<string>();
  readonly failing = new Map<string, string>();
  async exists(ifname: string): Promise<boolean> {
    return !this.missing.has(ifname);
  }
  async configure(list: readonly IfaceConfig[]): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    for (const c of list) {
      const why = this.failing.get(c.ifname);
      if (why) failed.set(c.ifname, why);
      else this.configured.set(c.ifname, c);
    }
    return failed;
  }
  async unconfigure(list: readonly IfaceConfig[]): Promise<void> {
    for (const c of list) this.configured.delete(c.ifname);
  }
}
