// The one `-o` of every command (table, wide, yaml, json), and printing text from a peer or
// an operator safely in a table: a shutdown communication (RFC 9003) is UTF-8 chosen by the
// peer, so it may hold escape sequences that would rewrite the operator's terminal.
import { stringify } from 'yaml';
import { CliError } from './api-client';

export const OUTPUTS = ['table', 'wide', 'yaml', 'json'] as const;
export type Output = (typeof OUTPUTS)[number];

export const OUTPUT_HELP = 'table, wide, yaml or json';

/** The -o value, or a CliError (one line, exit 1) naming the allowed ones. */
export function outputFormat(value: string): Output {
  if ((OUTPUTS as readonly string[]).includes(value)) return value as Output;
  throw new CliError(`-o ${JSON.stringify(value)}: expected ${OUTPUT_HELP}`);
}

/** yaml or json of a value, as `-o yaml` / `-o json` print it; undefined for the table forms. */
export function structured(value: unknown, output: Output): string | undefined {
  if (output === 'json') return JSON.stringify(value, null, 2) + '\n';
  if (output === 'yaml') return stringify(value);
  return undefined;
}

// C0 and C1 controls, DEL, format characters (bidi overrides, zero-width), line and
// paragraph separators, private use and unassigned code points, lone surrogates.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u2028\u2029\\]/gu;

/** The text with every unprintable character written as an escape (\n, \t, \x1b, \u{202e}), and \ as \\. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const cp = c.codePointAt(0)!;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}
