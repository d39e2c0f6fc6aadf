// The bare `vroute` program (name, description, version, error handling) that main.ts fills
// with every subcommand and decode-main.ts with `decode` alone.
import { Command, CommanderError } from 'commander';

export function newProgram(): Command {
  return new Command()
    .name('vroute')
    .description('BGP route reflector, fabric node agent and admin tool')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** Parses argv; a commander exit (help, version, usage error: already printed) sets the exit code. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
