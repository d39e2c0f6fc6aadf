// `vroute decode` on its own: the same command and program text as main.ts, without loading
// every other subcommand (the daemons' modules take longer to load than a large capture
// takes to decode). bin/vroute picks it when the first argument is `decode`.
import { register } from './commands/decode';
import { newProgram, runProgram } from './program';

export async function main(argv: string[]): Promise<void> {
  const program = newProgram();
  register(program);
  await runProgram(program, argv);
}
