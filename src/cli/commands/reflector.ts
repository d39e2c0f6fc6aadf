// `vroute reflector --config FILE`: the route reflector daemon (contract 2), until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { loadConfigFile } from '../../config';
import { startReflector } from '../../reflector';
import { runCli } from '../run';

export function register(program: Command): void {
  program
    .command('reflector')
    .description('run the BGP route reflector daemon (RFC 4456)')
    .requiredOption('-c, --config <file>', 'daemon config file (YAML or JSON)')
    .action((opts: { config: string }) =>
      runCli(async () => {
        const cfg = loadConfigFile(opts.config);
        const daemon = await startReflector(cfg);
        await new Promise<void>((resolve) => {
          const onSignal = (sig: string) => {
            daemon.logger.info({ signal: sig }, 'stopping: Cease / Administrative Shutdown to every peer');
            const hard = setTimeout(() => process.exit(0), 5000);
            hard.unref();
            void daemon.stop(`vroute ${cfg.name} shutting down`).finally(() => resolve());
          };
          process.once('SIGTERM', () => onSignal('SIGTERM'));
          process.once('SIGINT', () => onSignal('SIGINT'));
        });
      }),
    );
}
