// One pino logger per process; sessions take child loggers ({peer}) so every line names its peer.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(
  opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  const options = { level: opts.level ?? 'info', name: opts.name ?? 'vroute', base: undefined };
  // Logs go to stderr so stdout stays free for command output (decode NDJSON, tables).
  return opts.destination ? pino(options, opts.destination) : pino(options, pino.destination(2));
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
