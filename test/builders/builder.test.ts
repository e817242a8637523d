import { describe, expect, it } from 'vitest';
import { isXdsValidationError, pack, unpack, validate, type Any } from 'xdskit';
import { args, bootstrap, cluster, endpoints, filterChain, hcm, httpFilter, listener, route, routeConfig, router, typed, virtualHost } from 'xdskit/builders';

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

/**
 * build() validates the messages its builders packed into Anys as they were packed, without
 * decoding the Anys again: these hold it to what validating the finished message from scratch
 * (decoding every Any) says.
 */
describe('build() validates what its builders packed', () => {
  const LISTENER = 'envoy.config.listener.v3.Listener';
  const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  const problemsOf = (fn: () => unknown) => thrown(fn).problems.map((p) => `${p.path} ${p.rule}`).sort();
  const fromScratch = (type: string, m: unknown) => validate(type, m).errors.map((p) => `${p.path} ${p.rule}`).sort();

  it('reports the problems inside packed configs that validating the finished message reports', () => {
    const cases = [
      () => listener('a').address('0.0.0.0:80').filterChain(filterChain().filter(hcm('x').httpFilter(router()))),
      () => listener('b').address('0.0.0.0:80').filterChain(filterChain().filter(hcm('x').routeConfig(routeConfig('r').virtualHost(virtualHost('v').domain('*').route(route().regex('a(').cluster('c')))))),
      () => listener('c').address('0.0.0.0:80').filterChain(filterChain().filter(hcm('').rds('r'))),
    ];
    for (const make of cases) {
      const expected = fromScratch(LISTENER, make().toMessage());
      expect(expected.length).toBeGreaterThan(0);
      expect(problemsOf(() => make().build())).toEqual(expected);
    }
    const c = () => cluster('api').connectTimeout('1s').http2({ maxConcurrentStreams: 0 });
    const expected = fromScratch('envoy.config.cluster.v3.Cluster', c().toMessage());
    expect(expected.some((p) => p.startsWith('typed_extension_protocol_options'))).toBe(true);
    expect(problemsOf(() => c().build())).toEqual(expected);
  });

  it('checks a nested builder as it was when added, not as it was changed after', () => {
    const manager = hcm('ok').rds('r');
    const l = listener('l').address('0.0.0.0:80').filterChain(filterChain().filter(manager));
    manager.set({ statPrefix: '' });
    const built = l.build();
    const any = (built.filterChains![0]!.filters![0]!.configType as { typedConfig: Any }).typedConfig;
    expect(unpack(any, HCM).statPrefix).toBe('ok');
    expect(() => manager.build()).toThrow(/stat_prefix/);

    const broken = hcm('').rds('r');
    const l2 = listener('l2').address('0.0.0.0:80').filterChain(filterChain().filter(broken));
    broken.set({ statPrefix: 'fixed' });
    expect(problemsOf(() => l2.build())).toContain('filter_chains[0].filters[0].typed_config.stat_prefix string.min_len');
  });

  it('checks cluster protocol options as they were packed when the cluster changes after', () => {
    const c = cluster('api').connectTimeout('1s').http2({ maxConcurrentStreams: 100 });
    const b = bootstrap().node({ id: 'n', cluster: 'c' }).clusters(c);
    c.http2({ maxConcurrentStreams: 0 });
    const built = b.build();
    const opts = built.staticResources!.clusters![0]!.typedExtensionProtocolOptions!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']!;
    expect(JSON.stringify(unpack(opts))).toContain('"maxConcurrentStreams":100');
    expect(() => c.build()).toThrow(/max_concurrent_streams/);
  });

  it('decodes an Any that a .with() function replaced', () => {
    const bad = pack(HCM, { statPrefix: '', routeSpecifier: { $case: 'rds', rds: { routeConfigName: 'r', configSource: { configSourceSpecifier: { $case: 'ads', ads: {} }, resourceApiVersion: 2 } } } });
    const l = listener('l')
      .address('0.0.0.0:80')
      .filterChain(filterChain().filter(hcm('ok').rds('r')))
      .with((m) => {
        (m.filterChains![0]!.filters![0]!.configType as { typedConfig: Any }).typedConfig = bad;
      });
    expect(problemsOf(() => l.build())).toContain('filter_chains[0].filters[0].typed_config.stat_prefix string.min_len');
  });
});
