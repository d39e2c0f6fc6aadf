// `fib: false`: the kernel is left alone and the routes the agent would install are kept in
// memory to show (status, API). Same interface and the same canonical prefix keys as the
// kernel sink, so the agent cannot tell the two apart.
import { formatInetAddr, parseInetPrefix } from '../../sys';
import { wordsText } from './prefix-text';
import type { FibRoute, FibSink, FibStats } from './types';

export function memoryFib(): FibSink & { routes(): FibRoute[] } {
  const routes = new Map<string, FibRoute>();
  let failed = 0;
  let lastError: string | undefined;
  const canonical = (prefix: string): string | undefined => {
    const p = parseInetPrefix(prefix);
    if (p instanceof RangeError) {
      failed++;
      lastError = `${prefix}: ${p.message}`;
      return undefined;
    }
    return `${formatInetAddr(p.bytes)}/${p.len}`;
  };
  return {
    set(route) {
      const key = canonical(route.prefix);
      if (key !== undefined)
        routes.set(key, { ...route, prefix: key, nextHops: route.nextHops.map((h) => ({ ...h })) });
    },
    delete(prefix) {
      const key = canonical(prefix);
      if (key !== undefined) routes.delete(key);
    },
    setWords(v6, words, len, nextHops) {
      const prefix = wordsText(v6, words, len);
      routes.set(prefix, { prefix, kind: 'unicast', nextHops: nextHops.map((h) => ({ ...h })) });
    },
    deleteWords(v6, words, len) {
      routes.delete(wordsText(v6, words, len));
    },
    syncDone() {
      // Nothing was found at start, so nothing is stale.
    },
    stats(): FibStats {
      const s: FibStats = { installed: routes.size, pending: 0, failed };
      return lastError === undefined ? s : { ...s, lastError };
    },
    failure: () => undefined,
    resync() {
      // Nothing to read: the kernel is not ours with fib: false.
    },
    flushed: () => Promise.resolve(),
    close: () => Promise.resolve(),
    routes: () => [...routes.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0)),
  };
}
