// Runs fast-check properties with a known case count, prints the count actually run, and
// fails when anything (time cap, preconditions) left the run short of it.
//
// Codec properties run PROPERTY_RUNS cases: 100,000 under CI=true (issue 2's target),
// 2,000 otherwise; VROUTE_PROPERTY_RUNS overrides both. Each property also has a time cap
// (VROUTE_PROPERTY_MS, default 10 min under CI, 2 min otherwise) so a pathological
// generator cannot hang the suite, but a run the cap cuts short is a FAILURE: a property
// that silently checked 3,000 cases instead of 100,000 would prove less than it claims.
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { IN_CI } from './env';

function envInt(name: string): number | undefined {
  const v = process.env[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

// fast-check's default size ('small') caps every generated array and byte string at about 10
// elements whatever its maxLength says: "random bytes up to 400 octets" never reached a whole
// BGP header. With this, an explicit maxLength is honoured (lengths spread up to it).
fc.configureGlobal({ ...fc.readConfigureGlobal(), defaultSizeToMaxWhenMaxSpecified: true });

export const PROPERTY_RUNS = envInt('VROUTE_PROPERTY_RUNS') ?? (IN_CI ? 100_000 : 2_000);
export const PROPERTY_MS = envInt('VROUTE_PROPERTY_MS') ?? (IN_CI ? 600_000 : 120_000);

/**
 * Case count for a property whose single case is a whole scenario (a RIB under 80 random
 * operations, an FSM under 80 events): `ci` under CI=true, `local` otherwise, scaled by
 * VROUTE_PROPERTY_RUNS relative to the codec default so one knob turns every count up or down.
 */
export function scenarioRuns(ci: number, local: number): number {
  const base = IN_CI ? ci : local;
  const knob = envInt('VROUTE_PROPERTY_RUNS');
  if (knob === undefined) return base;
  return Math.max(1, Math.round((base * knob) / (IN_CI ? 100_000 : 2_000)));
}

export interface CheckOptions {
  /** Name printed in the diagnostic; the test's own name when absent. */
  name?: string;
  /** Cases to run; PROPERTY_RUNS when absent. */
  runs?: number;
  /** Fixed seed (for properties that also assert coverage over the run). */
  seed?: number;
}

/**
 * Checks `prop` for exactly `runs` cases. Prints "property NAME: N cases ..." as a test
 * diagnostic, and throws when the property failed, when the time cap interrupted it, or when
 * fewer than `runs` cases ran for any other reason.
 */
export function checkProperty<Ts>(t: TestContext, prop: fc.IProperty<Ts>, opts: CheckOptions = {}): fc.RunDetails<Ts> {
  const name = opts.name ?? t.name;
  const runs = opts.runs ?? PROPERTY_RUNS;
  const started = performance.now();
  const details = fc.check(prop, {
    numRuns: runs,
    interruptAfterTimeLimit: PROPERTY_MS,
    markInterruptAsFailure: true,
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
  });
  const ms = Math.round(performance.now() - started);
  const line =
    `property ${name}: ${details.numRuns} cases` +
    (details.numSkips ? ` (+${details.numSkips} rejected by preconditions)` : '') +
    ` in ${ms} ms, seed ${details.seed}`;
  t.diagnostic(line);
  if (details.interrupted) {
    throw new Error(
      `property ${name}: the ${PROPERTY_MS} ms time cap cut the run short after ${details.numRuns} of ${runs} cases ` +
        '(make the generator cheaper, or raise VROUTE_PROPERTY_MS; a truncated run is not a pass)',
    );
  }
  if (details.failed) {
    const cause = details.errorInstance;
    const why = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
    throw new Error(`${fc.defaultReportMessage(details) ?? `property ${name} failed`}\nGot error: ${why}`, { cause });
  }
  if (details.numRuns < runs) throw new Error(`property ${name}: only ${details.numRuns} of ${runs} cases ran`);
  return details;
}
