// The `vroute` command line: commander wiring only. Each subcommand lives in
// src/cli/commands/<name>.ts and exports `register(program)`; no protocol logic here.
import type { Command } from 'commander';
import { registerAll } from './commands';
import { newProgram, runProgram } from './program';

export function buildProgram(): Command {
  const program = newProgram();
  registerAll(program);
  return program;
}

/** Entry point for bin/vroute. Resolves when the command is done (daemons: when stopped). */
export async function main(argv: string[]): Promise<void> {
  await runProgram(buildProgram(), argv);
}
