/**
 * Type tests: misuse the types can prevent does not compile. `npm test` type-checks this file
 * (tsc), so each `@ts-expect-error` fails the build if the line ever compiles.
 */
import { describe, expect, it } from 'vitest';
import {
  cluster,
  cors,
  downstreamTls,
  filterChain,
  hcm,
  HttpFilter,
  listener,
  NetworkFilter,
  router,
  tcpProxy,
  tlsInspector,
  upstreamTls,
  args,
  type Props,
  type ClusterBuilder,
} from 'xdskit/builders';

describe('the builder types', () => {
  it('keep HTTP, network and listener filters apart', () => {
    const http = router();
    const network = tcpProxy('t').cluster('c');
    const inspector = tlsInspector();

    // @ts-expect-error an HTTP filter cannot go into a network filter list
    expect(() => filterChain().filter(http)).toThrow(
      'filter chain: filters: an http filter ("envoy.filters.http.router") cannot go into filters: it takes network filters (rule: type)',
    );
    // @ts-expect-error a network filter cannot go into an HCM's http_filters
    expect(() => hcm('x').httpFilter(network)).toThrow(
      'http connection manager "x": http_filters: a network filter ("envoy.filters.network.tcp_proxy") cannot go into http_filters: it takes http filters (rule: type)',
    );
    // @ts-expect-error a listener filter is not a network filter
    expect(() => filterChain().filter(inspector)).toThrow('a listener filter ("envoy.filters.listener.tls_inspector") cannot go into filters');
    // @ts-expect-error a network filter is not a listener filter
    expect(() => listener('l').listenerFilter(network)).toThrow('a network filter ("envoy.filters.network.tcp_proxy") cannot go into listener_filters');
    // @ts-expect-error the HCM is a network filter, not an HTTP filter
    expect(() => hcm('outer').httpFilter(hcm('inner'))).toThrow('a network filter ("envoy.filters.network.http_connection_manager") cannot go into http_filters');

    expect(http).toBeInstanceOf(HttpFilter);
    expect(network).toBeInstanceOf(NetworkFilter);
    expect(filterChain().filter(network).filter(hcm('h').rds('r'))).toBeDefined();
    expect(hcm('h').httpFilter(cors())).toBeDefined();
  });

  it('keep downstream and upstream TLS apart', () => {
    // @ts-expect-error an upstream TLS context cannot terminate TLS on a filter chain
    expect(() => filterChain().tls(upstreamTls('x'))).toThrow('expected a DownstreamTlsContext, got a UpstreamTlsContext');
    // @ts-expect-error a downstream TLS context cannot originate TLS from a cluster
    expect(() => cluster('c').tls(downstreamTls())).toThrow('expected a UpstreamTlsContext, got a DownstreamTlsContext');
  });

  it('type props objects from the builder methods', () => {
    const ok: Props<ClusterBuilder> = { connectTimeout: '1s', roundRobin: true, leastRequest: 2, strictDns: true };
    expect(cluster('c', ok).build().lbPolicy).toBe(1);
    // @ts-expect-error connectTimeout takes a duration, not an object of another shape
    const bad: Props<ClusterBuilder> = { connectTimeout: { minutes: 1 } };
    expect(bad).toBeDefined();
    // @ts-expect-error build is not a prop
    const notAProp: Props<ClusterBuilder> = { build: true };
    expect(notAProp).toBeDefined();
    const several: Props<ClusterBuilder> = { circuitBreakers: args({ maxRequests: 10 }, 'HIGH'), endpoints: args('10.0.0.1:80', '10.0.0.2:80') };
    expect(several).toBeDefined();
    // @ts-expect-error the second argument of circuitBreakers is a priority
    const badSecond: Props<ClusterBuilder> = { circuitBreakers: args({ maxRequests: 10 }, 'LOW') };
    expect(badSecond).toBeDefined();
  });

  it('type enum names of chainable methods', () => {
    // @ts-expect-error not a discovery type
    expect(() => cluster('c').type('DNS')).toThrow('unknown discovery type "DNS"');
    // @ts-expect-error not a codec type
    expect(() => hcm('h').codec('HTTP4')).toThrow('unknown codec type "HTTP4"');
  });
});
