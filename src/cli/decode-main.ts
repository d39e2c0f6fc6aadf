// `vroute decode` on its own: the same command and program text as main.ts, without loading
// every other subcommand (the daemons' modules take longer to load than a large capture
// takes to decode). bin/vroute picks it when the first argument is `decode`.
import { Command, CommanderError } from 'commander';
import { register } from './commands/decode';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('vroute')
    .description('BGP route reflector, fabric node agent and admin tool')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode; // commander already printed its message
      return;
    }
    throw err;
  }
}
