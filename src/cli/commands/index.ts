// Every subcommand registers itself here. Add one line per command module.
import type { Command } from 'commander';

type Registrar = (program: Command) => void;

const registrars: Registrar[] = [];

export function registerAll(program: Command): void {
  for (const r of registrars) r(program);
}
