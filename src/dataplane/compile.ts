// The ACL compiler as one pure function: profiles and endpoints in, the nft script that
// programs them into an empty kernel out. The dataplane itself uses the same pieces
// incrementally (desired-acl.ts); this is the whole-ruleset view, for tests and benchmarks.
import type { HostAccess } from './acl-rules';
import { DesiredAcl } from './desired-acl';
import type { Endpoint, Profile } from './model';
import { planTransaction } from './nft-script';

export interface RulesetInput {
  node: string;
  endpoints: readonly Endpoint[];
  profiles: readonly Profile[];
  workloadToHost?: HostAccess;
}

export function compileRuleset(input: RulesetInput): string {
  const d = new DesiredAcl(input.workloadToHost ?? 'deny');
  for (const p of input.profiles) d.setProfile(p.name, p);
  for (const ep of input.endpoints) d.setEndpoint(ep.name, ep, ep.node === input.node);
  return planTransaction(d.t).script;
}
