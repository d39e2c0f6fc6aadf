// The `vroute` command line: commander wiring only. Each subcommand lives in
// src/cli/commands/<name>.ts and exports `register(program)`; no protocol logic here.
import { Command, CommanderError } from 'commander';
import { registerAll } from './commands';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('vroute')
    .description('BGP route reflector, fabric node agent and admin tool')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAll(program);
  return program;
}

/** Entry point for bin/vroute. Resolves when the command is done (daemons: when stopped). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, or a usage error).
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
