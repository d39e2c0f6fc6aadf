// Every subcommand registers itself here. Add one line per command module.
import type { Command } from 'commander';
import { register as status } from './status';
import { register as routes } from './routes';
import { register as decode } from './decode';

type Registrar = (program: Command) => void;

const registrars: Registrar[] = [status, routes, decode];

export function registerAll(program: Command): void {
  for (const r of registrars) r(program);
}
