// Runs a command body and turns expected failures into one line on stderr and exit 1.
import { CliError } from './api-client';
import { ConfigError } from '../config';

export async function runCli(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof CliError || e instanceof ConfigError || (e as { expose?: boolean }).expose) {
      process.stderr.write(`vroute: ${(e as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
