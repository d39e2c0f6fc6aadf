// The routing engine most routing tests drive: a route reflector of AS 65000 with router and
// cluster ID 10.0.0.1, IPv4 unicast only, logging nothing. A test names only what it changes
// (policies, timers, another family).
import { IPV4_UNICAST } from '../../src/bgp/messages';
import { RoutingEngine, type EngineOptions } from '../../src/routing';
import { silentLogger } from '../../src/observability';

export const TEST_ENGINE_OPTIONS: EngineOptions = {
  asn: 65000,
  routerId: '10.0.0.1',
  clusterId: '10.0.0.1',
  logger: silentLogger,
  families: [IPV4_UNICAST],
};

export function testEngine(extra: Partial<EngineOptions> = {}): RoutingEngine {
  return new RoutingEngine({ ...TEST_ENGINE_OPTIONS, ...extra });
}
