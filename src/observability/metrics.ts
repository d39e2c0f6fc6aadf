// Every metric vroute exports is declared here, in one place (STYLE.md).
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client';

/** Where the RIB gauges are read from when Prometheus scrapes (the routing engine). */
export interface RibCountsSource {
  prefixCounts(): Iterable<{ peer: string; family: string; received: number; accepted: number; advertised: number }>;
  locRibSizes(): Iterable<{ family: string; size: number }>;
}

export interface Metrics {
  readonly registry: Registry;
  /** FSM transitions, by peer, from-state and to-state. */
  readonly fsmTransitions: Counter<'peer' | 'from' | 'to'>;
  /** 1 for the state a session is in, 0 for the others. */
  readonly sessionState: Gauge<'peer' | 'state'>;
  readonly messagesReceived: Counter<'peer' | 'type'>;
  readonly messagesSent: Counter<'peer' | 'type'>;
  readonly notificationsSent: Counter<'peer' | 'code' | 'subcode'>;
  readonly notificationsReceived: Counter<'peer' | 'code' | 'subcode'>;
  readonly prefixesReceived: Gauge<'peer' | 'family'>;
  readonly prefixesAdvertised: Gauge<'peer' | 'family'>;
  readonly locRibPrefixes: Gauge<'family'>;
  /** Routes withdrawn from an update group because no UPDATE could carry their attributes. */
  readonly routesTooLarge: Counter<'family'>;
  /**
   * The three RIB gauges above are read from `src` at every scrape: no work on the UPDATE
   * path, and series of sessions that went away vanish with them.
   */
  setRibSource(src: RibCountsSource | undefined): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'vroute_' });
  const r = [registry];
  let source: RibCountsSource | undefined;
  // prom-client calls collect() on each scrape before reading the values.
  function fromSessions(this: Gauge<'peer' | 'family'>, field: 'received' | 'advertised'): void {
    this.reset();
    if (!source) return;
    for (const c of source.prefixCounts()) this.set({ peer: c.peer, family: c.family }, c[field]);
  }
  return {
    setRibSource: (src) => {
      source = src;
    },
    registry,
    fsmTransitions: new Counter({
      name: 'vroute_bgp_fsm_transitions_total',
      help: 'BGP FSM state transitions',
      labelNames: ['peer', 'from', 'to'],
      registers: r,
    }),
    sessionState: new Gauge({
      name: 'vroute_bgp_session_state',
      help: 'BGP session state (1 for the current state)',
      labelNames: ['peer', 'state'],
      registers: r,
    }),
    messagesReceived: new Counter({
      name: 'vroute_bgp_messages_received_total',
      help: 'BGP messages received',
      labelNames: ['peer', 'type'],
      registers: r,
    }),
    messagesSent: new Counter({
      name: 'vroute_bgp_messages_sent_total',
      help: 'BGP messages sent',
      labelNames: ['peer', 'type'],
      registers: r,
    }),
    notificationsSent: new Counter({
      name: 'vroute_bgp_notifications_sent_total',
      help: 'NOTIFICATIONs sent',
      labelNames: ['peer', 'code', 'subcode'],
      registers: r,
    }),
    notificationsReceived: new Counter({
      name: 'vroute_bgp_notifications_received_total',
      help: 'NOTIFICATIONs received',
      labelNames: ['peer', 'code', 'subcode'],
      registers: r,
    }),
    prefixesReceived: new Gauge({
      name: 'vroute_bgp_prefixes_received',
      help: 'Paths the peer announced (kept or not: /status received)',
      labelNames: ['peer', 'family'],
      registers: r,
      collect() {
        fromSessions.call(this, 'received');
      },
    }),
    prefixesAdvertised: new Gauge({
      name: 'vroute_bgp_prefixes_advertised',
      help: 'Paths advertised to the peer (its Adj-RIB-Out)',
      labelNames: ['peer', 'family'],
      registers: r,
      collect() {
        fromSessions.call(this, 'advertised');
      },
    }),
    locRibPrefixes: new Gauge({
      name: 'vroute_rib_loc_rib_prefixes',
      help: 'Prefixes in the Loc-RIB',
      labelNames: ['family'],
      registers: r,
      collect() {
        this.reset();
        for (const l of source?.locRibSizes() ?? []) this.set({ family: l.family }, l.size);
      },
    }),
    routesTooLarge: new Counter({
      name: 'vroute_bgp_routes_too_large_total',
      help: 'Routes withdrawn from receivers because their path attributes fit no UPDATE',
      labelNames: ['family'],
      registers: r,
    }),
  };
}
