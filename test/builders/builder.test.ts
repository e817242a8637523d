import { describe, expect, it } from 'vitest';
import { isXdsValidationError, unpack, type Any } from 'xdskit';
import { args, cluster, endpoints, filterChain, hcm, httpFilter, listener, route, routeConfig, router, typed, virtualHost } from 'xdskit/builders';

function thrown(fn: () => unknown): Error & { problems: { path: string; rule: string; message: string }[] } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected an error');
}

describe('every builder', () => {
  it('builds a plain generated message, not a wrapper', () => {
    const c = cluster('api').connectTimeout('1s').build();
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(c).toEqual({ name: 'api', connectTimeout: { seconds: '1', nanos: 0 } });
  });

  it('gives two independent objects when built twice', () => {
    const b = cluster('api').metadata({ 'envoy.lb': { canary: true } });
    const one = b.build();
    const two = b.build();
    expect(one).toEqual(two);
    expect(one).not.toBe(two);
    one.metadata!.filterMetadata!['envoy.lb']!.canary = false;
    expect(two.metadata!.filterMetadata!['envoy.lb']!.canary).toBe(true);
    expect(b.build().metadata!.filterMetadata!['envoy.lb']!.canary).toBe(true);
  });

  it('accepts a props object naming its chainable methods', () => {
    const a = cluster('api', { connectTimeout: '1s', strictDns: true, leastRequest: 3, endpoints: 'api.internal:80' }).build();
    const b = cluster('api').connectTimeout('1s').strictDns().leastRequest(3).endpoints('api.internal:80').build();
    expect(a).toEqual(b);
    expect(listener('l', { bindToPort: false, address: '0.0.0.0:1' }).build().bindToPort).toBe(false);
  });

  it('passes several arguments from a props object with args()', () => {
    const a = cluster('api', { circuitBreakers: args({ maxRequests: 10 }, 'HIGH'), endpoints: args('10.0.0.1:80', '10.0.0.2:80') }).build();
    const b = cluster('api').circuitBreakers({ maxRequests: 10 }, 'HIGH').endpoints('10.0.0.1:80', '10.0.0.2:80').build();
    expect(a).toEqual(b);
    expect(a.loadAssignment!.endpoints![0]!.lbEndpoints).toHaveLength(2);
    expect(virtualHost('v', { domains: args('a.example.com', 'b.example.com') }).build().domains).toEqual(['a.example.com', 'b.example.com']);
  });

  it('rejects a props key that is not one of its methods', () => {
    expect(() => cluster('api', { connectTimeot: '1s' } as never)).toThrow('cluster "api": unknown property "connectTimeot" (rule: props)');
  });

  it('sets any field with .set() (shallow) and changes the finished message with .with()', () => {
    const c = cluster('api')
      .set({ altStatName: 'api_v1', respectDnsTtl: true })
      .with((m) => {
        m.ignoreHealthOnHostRemoval = true;
      })
      .with((m) => ({ ...m, altStatName: 'api_v2' }))
      .build();
    expect(c.altStatName).toBe('api_v2');
    expect(c.respectDnsTtl).toBe(true);
    expect(c.ignoreHealthOnHostRemoval).toBe(true);
  });

  it('packs nested builders into typed_config (users never write an Any)', () => {
    const l = listener('l').address('0.0.0.0:80').filters(hcm('l').rds('r')).build();
    const any = (l.filterChains![0]!.filters![0]!.configType as { typedConfig: Any }).typedConfig;
    expect(any.typeUrl).toBe('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    const manager = unpack(any, 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    expect(manager.statPrefix).toBe('l');
    expect(manager.routeSpecifier).toMatchObject({ $case: 'rds', rds: { routeConfigName: 'r' } });
  });

  it('packs a message given with its type (typed) the same way', () => {
    const f = httpFilter('envoy.filters.http.csrf', typed('envoy.extensions.filters.http.csrf.v3.CsrfPolicy', { filterEnabled: { defaultValue: { numerator: 100 } } }));
    const g = httpFilter('envoy.filters.http.csrf', 'envoy.extensions.filters.http.csrf.v3.CsrfPolicy', { filterEnabled: { defaultValue: { numerator: 100 } } });
    expect(f.toFilter()).toEqual(g.toFilter());
    expect(unpack((f.toFilter().configType as { typedConfig: Any }).typedConfig)).toMatchObject({ filterEnabled: { defaultValue: { numerator: 100 } } });
  });

  it('copies a nested builder when it is added: later changes to it do not leak in', () => {
    const chain = filterChain('a').filter(hcm('a').rds('r'));
    const l = listener('l').address('0.0.0.0:80').filterChain(chain);
    chain.serverNames('late.example.com');
    expect(l.build().filterChains![0]!.filterChainMatch).toBeUndefined();
  });

  it('keeps a nested builder and its parent independent both ways after adding (copy on write)', () => {
    const e = endpoints('api').endpoint('10.0.0.1:80');
    const c = cluster('api').loadAssignment(e);
    e.endpoint('10.0.0.2:80');
    c.endpoint('10.0.0.3:80');
    const addrs = (cla: { endpoints?: { lbEndpoints?: { hostIdentifier?: unknown }[] }[] } | undefined) =>
      cla!.endpoints!.flatMap((g) => g.lbEndpoints!.map((x) => (x.hostIdentifier as { endpoint: { address: { address: { socketAddress: { address: string } } } } }).endpoint.address.address.socketAddress.address));
    expect(addrs(c.build().loadAssignment)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(addrs(e.build())).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(addrs(c.build().loadAssignment)).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('does not let a change to a built message reach the builder or the next build', () => {
    const v = virtualHost('v').domain('a').route(route('r').prefix('/').cluster('c'));
    const rc = routeConfig('rc').virtualHost(v);
    const first = rc.build();
    first.virtualHosts![0]!.routes![0]!.name = 'changed';
    first.virtualHosts![0]!.domains!.push('b');
    const second = rc.build();
    expect(second.virtualHosts![0]!.routes![0]!.name).toBe('r');
    expect(second.virtualHosts![0]!.domains).toEqual(['a']);
    expect(v.build().domains).toEqual(['a']);
  });

  it('copies the fields given to .set()', () => {
    const md = { filterMetadata: { a: { k: 1 } } };
    const b = cluster('c').set({ metadata: md });
    md.filterMetadata.a.k = 2;
    expect(b.build().metadata).toEqual({ filterMetadata: { a: { k: 1 } } });
  });

  it('validates in build() and reports every problem, naming what was built', () => {
    const e = thrown(() => listener('broken').filterChain(filterChain().filter(hcm('x').httpFilter(router()))).build());
    expect(isXdsValidationError(e)).toBe(true);
    expect(e.message.split('\n')[0]).toMatch(/^invalid listener "broken": \d+ problems?$/);
    const paths = e.problems.map((p) => p.path);
    expect(paths).toContain('filter_chains[0].filters[0].typed_config.route_specifier');
    expect(e.problems.find((p) => p.path === 'filter_chains[0].filters[0].typed_config.route_specifier')!.rule).toBe('hcm.route_specifier');
  });

  it('does not validate in toMessage() (for assembling before one final validation)', () => {
    expect(cluster('x').set({ name: '' }).toMessage()).toEqual({ name: '' });
  });
});
