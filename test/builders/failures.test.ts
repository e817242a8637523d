/**
 * The failures of the builders in one place, with their exact messages: names added twice,
 * required pieces missing (every one reported at once), malformed durations.
 */
import { describe, expect, it } from 'vitest';
import { isXdsValidationError, type Problem } from 'xdskit';
import { cluster, cors, filterChain, hcm, listener, route, routeConfig, tcpProxy, virtualHost } from 'xdskit/builders';

function problems(fn: () => unknown): { message: string; problems: readonly Problem[] } {
  try {
    fn();
  } catch (e) {
    if (!isXdsValidationError(e)) throw e;
    return { message: e.message, problems: e.problems };
  }
  throw new Error('expected an XdsValidationError');
}

describe('builder failures', () => {
  describe('rejects a name added twice', () => {
    it('a route name in a virtual host', () => {
      expect(problems(() => virtualHost('api').route(route('list').prefix('/').cluster('a')).route(route('list').path('/x').cluster('b'))).message).toBe(
        'virtual host "api": routes: route name "list" is already added; each route name must be unique (rule: unique)',
      );
    });

    it('a filter chain match in a listener', () => {
      const l = listener('in').filterChain(filterChain().destinationPort(80).filter(tcpProxy('a').cluster('a')));
      expect(problems(() => l.filterChain(filterChain().destinationPort(80).filter(tcpProxy('b').cluster('b')))).message).toBe(
        'listener "in": filter_chains[1].filter_chain_match: filter_chains[0] already has the same filter chain match; each filter chain match must be unique (rule: unique)',
      );
    });

    it('a domain in a virtual host and across a route configuration', () => {
      expect(problems(() => virtualHost('a').domains('x.example.com', 'x.example.com')).message).toBe(
        'virtual host "a": domains: domain "x.example.com" is already added; each domain must be unique (rule: unique)',
      );
      expect(problems(() => routeConfig('rc').virtualHosts(virtualHost('a').domain('x.example.com'), virtualHost('b').domain('X.example.com'))).message).toBe(
        'route configuration "rc": virtual_hosts[b].domains: domain "X.example.com" is already served by virtual host "a"; each domain must be unique in a route configuration (rule: unique)',
      );
    });

    it('a filter in an http connection manager and in a filter chain', () => {
      expect(problems(() => hcm('edge').httpFilters(cors(), cors())).message).toBe(
        'http connection manager "edge": http_filters: http filter "envoy.filters.http.cors" is already added; each http filter must be unique (rule: unique)',
      );
      expect(problems(() => filterChain('c').filter(tcpProxy('a').cluster('a')).filter(tcpProxy('b').cluster('b'))).message).toBe(
        'filter chain "c": filters: network filter "envoy.filters.network.tcp_proxy" is already added; each network filter must be unique (rule: unique)',
      );
    });

    it('a cluster in weighted clusters', () => {
      expect(problems(() => route('split').prefix('/').weightedClusters({ a: 1, b: 1 }).weightedCluster('b', 2)).message).toBe(
        'route "split": route.weighted_clusters.clusters: weighted cluster "b" is already added; each weighted cluster must be unique (rule: unique)',
      );
      expect(problems(() => tcpProxy('t').weightedClusters({ a: 1 }).weightedCluster('a', 1)).message).toBe(
        'tcp proxy "t": weighted_clusters.clusters: weighted cluster "a" is already added; each weighted cluster must be unique (rule: unique)',
      );
    });
  });

  describe('reports every missing piece at once', () => {
    it('in a route configuration: a virtual host without domains, a route without match, one without action', () => {
      const e = problems(() =>
        routeConfig('local')
          .virtualHost(virtualHost('api').routes(route('no-match').cluster('api'), route('no-action').prefix('/')))
          .build(),
      );
      expect(e.message).toBe(
        [
          'invalid route configuration "local": 3 problems',
          '  virtual_hosts[0].domains: must have at least 1 item, got 0 (rule: repeated.min_items)',
          '  virtual_hosts[0].routes[0].match: is required but not set (rule: message.required)',
          '  virtual_hosts[0].routes[1].action: is required: exactly one of route, redirect, direct_response, filter_action, non_forwarding_action must be set (rule: oneof.required)',
        ].join('\n'),
      );
    });

    it('in a listener: no address, and an http connection manager without routes', () => {
      const e = problems(() => listener('ingress').filters(hcm('ingress')).build());
      expect(e.problems.map((p) => `${p.path} (${p.rule})`)).toEqual([
        'address (listener.address)',
        'filter_chains[0].filters[0].typed_config.route_specifier (hcm.route_specifier)',
      ]);
      expect(e.message.split('\n')[0]).toBe('invalid listener "ingress": 2 problems');
    });

    it('in a cluster: EDS without a source and a bad typed config', () => {
      const e = problems(() => cluster('api').eds().set({ edsClusterConfig: {}, connectTimeout: { seconds: '0', nanos: 0 } }).build());
      expect(e.problems.map((p) => `${p.path} (${p.rule})`)).toEqual(['connect_timeout (duration.gt)', 'eds_cluster_config.eds_config (cluster.eds_config)']);
    });
  });

  describe('rejects malformed durations where they are given', () => {
    it('"5 s" (a space)', () => {
      expect(problems(() => cluster('api').connectTimeout('5 s')).message).toBe(
        'cluster "api": connect_timeout: invalid duration "5 s": expected a number with a unit (ns, us, ms, s, m, h) such as "250ms", "1.5s" or "1m30s", or a number of milliseconds (rule: duration)',
      );
    });

    it('"-1s" (negative)', () => {
      expect(problems(() => route('r').prefix('/').cluster('c').timeout('-1s')).message).toBe('route "r": route.timeout: invalid duration "-1s": must not be negative (rule: duration)');
    });

    it('"abc" (no number, no unit)', () => {
      expect(problems(() => hcm('edge').streamIdleTimeout('abc')).message).toBe(
        'http connection manager "edge": stream_idle_timeout: invalid duration "abc": expected a number with a unit (ns, us, ms, s, m, h) such as "250ms", "1.5s" or "1m30s", or a number of milliseconds (rule: duration)',
      );
    });

    it('inside an options object, with the full path', () => {
      expect(problems(() => route('r').prefix('/').cluster('c').retry({ retryOn: '5xx', backoff: { base: '25 ms' } })).problems[0]!.path).toBe('route.retry_policy.retry_back_off.base_interval');
    });
  });
});
