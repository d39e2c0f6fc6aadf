// How long property tests run: 2000 cases locally, 30000 under CI=true, overridable with
// VROUTE_PROPERTY_RUNS; each property also stops after a time bound (VROUTE_PROPERTY_MS,
// default 15 s locally, 120 s in CI) so a slow machine cannot hang the suite.
import { IN_CI } from '../../helpers/env';

function envInt(name: string): number | undefined {
  const v = process.env[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export const PROPERTY_RUNS = envInt('VROUTE_PROPERTY_RUNS') ?? (IN_CI ? 30000 : 2000);
export const PROPERTY_MS = envInt('VROUTE_PROPERTY_MS') ?? (IN_CI ? 120_000 : 15_000);

/** fast-check parameters: numRuns from the knob, time-bounded, interruption is not failure. */
export function propertyParams(seed?: number): { numRuns: number; interruptAfterTimeLimit: number; markInterruptAsFailure: boolean; seed?: number } {
  return {
    numRuns: PROPERTY_RUNS, interruptAfterTimeLimit: PROPERTY_MS, markInterruptAsFailure: false,
    ...(seed === undefined ? {} : { seed }),
  };
}
