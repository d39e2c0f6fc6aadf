// The fields every daemon's config has alike (the reflector's and the node agent's): name,
// datastore URL, log level, and reading the file. One checker each, so both roles accept
// and refuse the same values with the same words (DESIGN.md contracts 2 and 6).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, show } from './fields';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevelField(v: unknown, path = 'log'): LogLevel {
  if (!LOG_LEVELS.includes(v as LogLevel))
    throw new ConfigError(path, `${show(v)} is not a log level (${LOG_LEVELS.join(', ')})`);
  return v as LogLevel;
}

/** Contract 4's datastore URLs. */
export function datastoreField(v: unknown, path = 'datastore'): string {
  if (typeof v !== 'string' || !/^(embedded(:.+)?|memory|etcds?:\/\/.+)$/.test(v)) {
    throw new ConfigError(path, `${show(v)} is not embedded, embedded:PATH, memory or etcd://host:port[,host:port]`);
  }
  return v;
}

/** A daemon's name: a datastore key part (status/<name>) and a DNS-label-like host name. */
export function nameField(v: unknown, path = 'name'): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(v)) {
    throw new ConfigError(path, `${show(v)} is not a name (letters, digits, '.', '_', '-')`);
  }
  return v;
}

/** A config file as a plain document (YAML is a superset of JSON, so one parser serves both). */
export function readConfigDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError('', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  try {
    return parseYaml(text, { prettyErrors: false });
  } catch (e) {
    throw new ConfigError('', `${file} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}
