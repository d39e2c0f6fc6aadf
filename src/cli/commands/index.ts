// Every subcommand registers itself here. Add one line per command module.
import type { Command } from 'commander';
import { register as status } from './status';
import { register as routes } from './routes';
import { register as decode } from './decode';
import { register as apply } from './apply';
import { register as get } from './get';
import { register as del } from './delete';
import { register as ipam } from './ipam';
import { register as reflector } from './reflector';
import { register as refresh } from './refresh';
import { register as node } from './node';
import { register as workload } from './workload';
import { register as profile } from './profile';

type Registrar = (program: Command) => void;

const registrars: Registrar[] = [status, routes, refresh, decode];
registrars.push(apply, get, del, ipam, reflector, node);
registrars.push(workload, profile);

export function registerAll(program: Command): void {
  for (const r of registrars) r(program);
}
