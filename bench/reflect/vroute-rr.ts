// The reflector under test as a child process: what `vroute reflector --config FILE` does
// (src/cli/commands/reflector.ts), importing the daemon module directly so the benchmarks
// run even while the CLI wiring changes. Stops on SIGTERM/SIGINT with Cease (RFC 4486 3).
// Run: node dist/bench/reflect/vroute-rr.js CONFIG
import { applyDaemonV8Flags } from '../../src/cli/node-flags';
import { loadConfigFile } from '../../src/config';
import { startReflector } from '../../src/reflector/daemon';

async function main(file: string): Promise<void> {
  // As bin/vroute does for `vroute reflector`, once the modules are loaded: the daemon's V8
  // settings (src/cli/node-flags.ts; VROUTE_V8_FLAGS).
  applyDaemonV8Flags();
  const daemon = await startReflector(loadConfigFile(file));
  const stop = (): void => {
    setTimeout(() => process.exit(0), 5000).unref();
    void daemon.stop('bench over').then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv[2] ?? '').catch((e: unknown) => {
  process.stderr.write(`vroute-rr: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
