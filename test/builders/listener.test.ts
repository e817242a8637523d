import { describe, expect, it } from 'vitest';
import { toJson, unpack, type Any } from 'xdskit';
import {
  ChainMatcher,
  ListenerPredicate,
  downstreamTls,
  filterChain,
  hcm,
  httpInspector,
  listener,
  listenerFilter,
  networkFilter,
  networkRbac,
  originalDst,
  originalSrc,
  proxyProtocol,
  tcpProxy,
  tlsInspector,
  Permission,
  Principal,
} from 'xdskit/builders';

const L = 'envoy.config.listener.v3.Listener';
const json = (l: unknown) => toJson(L, l as never, { keys: 'proto' });

describe('listeners', () => {
  it('set address, additional addresses and socket options', () => {
    const l = listener('ingress')
      .address('0.0.0.0:8080')
      .additionalAddress('[::]:8080')
      .useOriginalDst()
      .bindToPort(false)
      .transparent()
      .freebind()
      .trafficDirection('INBOUND')
      .perConnectionBufferLimit(65536)
      .listenerFiltersTimeout('2s')
      .continueOnListenerFiltersTimeout()
      .statPrefix('in')
      .drainType('MODIFY_ONLY')
      .metadata({ 'xdskit.io': { team: 'edge' } })
      .filters(tcpProxy('in').cluster('c'))
      .build();
    expect(json(l)).toMatchObject({
      name: 'ingress',
      address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
      additional_addresses: [{ address: { socket_address: { address: '::', port_value: 8080 } } }],
      use_original_dst: true,
      bind_to_port: false,
      transparent: true,
      freebind: true,
      traffic_direction: 'INBOUND',
      per_connection_buffer_limit_bytes: 65536,
      listener_filters_timeout: '2s',
      continue_on_listener_filters_timeout: true,
      stat_prefix: 'in',
      drain_type: 'MODIFY_ONLY',
      metadata: { filter_metadata: { 'xdskit.io': { team: 'edge' } } },
    });
  });

  it('write only what is asked: no defaults Envoy does not need', () => {
    expect(listener('x').address('127.0.0.1:1').filters(tcpProxy('x').cluster('c')).build()).toEqual({
      name: 'x',
      address: { address: { $case: 'socketAddress', socketAddress: { address: '127.0.0.1', portSpecifier: { $case: 'portValue', portValue: 1 } } } },
      filterChains: [expect.objectContaining({ filters: [expect.objectContaining({ name: 'envoy.filters.network.tcp_proxy' })] })],
    });
  });

  it('take the five listener filters and any other, packed', () => {
    const l = listener('l')
      .address('0.0.0.0:1')
      .listenerFilters(tlsInspector({ enableJa3Fingerprinting: true }), httpInspector(), originalDst(), originalSrc({ mark: 123 }), proxyProtocol())
      .listenerFilter(
        listenerFilter('envoy.filters.listener.local_ratelimit', 'envoy.extensions.filters.listener.local_ratelimit.v3.LocalRateLimit', {
          statPrefix: 'l',
          tokenBucket: { maxTokens: 10, fillInterval: { seconds: '1', nanos: 0 } },
        }),
      )
      .filters(tcpProxy('l').cluster('c'))
      .build();
    const names = l.listenerFilters!.map((f) => f.name);
    expect(names).toEqual([
      'envoy.filters.listener.tls_inspector',
      'envoy.filters.listener.http_inspector',
      'envoy.filters.listener.original_dst',
      'envoy.filters.listener.original_src',
      'envoy.filters.listener.proxy_protocol',
      'envoy.filters.listener.local_ratelimit',
    ]);
    const types = l.listenerFilters!.map((f) => (f.configType as { typedConfig: Any }).typedConfig.typeUrl!.split('/')[1]);
    expect(types).toEqual([
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
      'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
      'envoy.extensions.filters.listener.original_src.v3.OriginalSrc',
      'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
      'envoy.extensions.filters.listener.local_ratelimit.v3.LocalRateLimit',
    ]);
    expect(unpack((l.listenerFilters![3]!.configType as { typedConfig: Any }).typedConfig)).toMatchObject({ mark: 123 });
  });

  it('hold filter chains and a default filter chain', () => {
    const l = listener('tls')
      .address('0.0.0.0:443')
      .listenerFilter(tlsInspector())
      .filterChain(filterChain('a').serverNames('a.example.com').filter(tcpProxy('a').cluster('a')))
      .filterChain(filterChain('b').serverNames('b.example.com').filter(tcpProxy('b').cluster('b')))
      .defaultFilterChain(filterChain('rest').filter(tcpProxy('rest').cluster('rest')))
      .build();
    expect(l.filterChains!.map((c) => c.name)).toEqual(['a', 'b']);
    expect(l.defaultFilterChain!.name).toBe('rest');
  });

  it('become API listeners for gRPC xDS clients', () => {
    const l = listener('greeter').apiListener(hcm('greeter').rds('greeter')).build();
    expect(l.address).toBeUndefined();
    const manager = unpack(l.apiListener!.apiListener!, 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    expect(manager.statPrefix).toBe('greeter');
    expect(manager.httpFilters!.map((f) => f.name)).toEqual(['envoy.filters.http.router']);
  });

  it('become internal listeners without an address', () => {
    const l = listener('sink').internal().filters(tcpProxy('sink').cluster('store')).build();
    expect(l.listenerSpecifier).toEqual({ $case: 'internalListener', internalListener: {} });
    expect(l.address).toBeUndefined();
  });

  it('fails without an address, saying what a listener needs', () => {
    expect(() => listener('x').filters(tcpProxy('t').cluster('c')).build()).toThrow(
      'invalid listener "x": 1 problem\n  address: a listener needs an address (socket_address or pipe) unless it is an api_listener or an internal_listener (rule: listener.address)',
    );
  });

  it('rejects two filter chains with the same match', () => {
    const l = listener('l').address('0.0.0.0:1').filterChain(filterChain('a').serverNames('x.example.com', 'y.example.com').filter(tcpProxy('a').cluster('a')));
    expect(() => l.filterChain(filterChain('b').serverNames('y.example.com', 'X.example.com').filter(tcpProxy('b').cluster('b')))).toThrow(
      'listener "l": filter_chains[1].filter_chain_match: filter_chains[0] already has the same filter chain match; each filter chain match must be unique (rule: unique)',
    );
    expect(() => listener('m').filters(tcpProxy('a').cluster('a')).filters(tcpProxy('b').cluster('b'))).toThrow(
      'listener "m": filter_chains[1].filter_chain_match: filter_chains[0] already has an empty filter chain match (matching every connection); each filter chain match must be unique (to pick chains by name instead, set filterChainMatcher() before adding them) (rule: unique)',
    );
  });

  it('pick filter chains by name with a filter chain matcher; the chains share the empty match', () => {
    const l = listener('main_internal')
      .internal()
      .listenerFilter(originalDst())
      .filterChainMatcher(ChainMatcher.exact('destination_ip', { '10.96.0.20': ChainMatcher.exact('destination_port', { '9080': 'reviews', '9090': 'reviews-tcp' }) }, 'fallback'))
      .filterChains(filterChain('reviews').filter(hcm('reviews').rds('reviews')), filterChain('reviews-tcp').filter(tcpProxy('t').cluster('t')))
      .filterChain(filterChain('fallback').filter(tcpProxy('f').cluster('f')))
      .build();
    expect(l.filterChains!.map((c) => [c.name, c.filterChainMatch])).toEqual([
      ['reviews', undefined],
      ['reviews-tcp', undefined],
      ['fallback', undefined],
    ]);
    const action = (name: string) => ({ action: { name, typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: name } } });
    expect(json(l).filter_chain_matcher).toEqual({
      matcher_tree: {
        input: { name: 'envoy.matching.inputs.destination_ip', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput' } },
        exact_match_map: {
          map: {
            '10.96.0.20': {
              matcher: {
                matcher_tree: {
                  input: { name: 'envoy.matching.inputs.destination_port', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput' } },
                  exact_match_map: { map: { '9080': action('reviews'), '9090': action('reviews-tcp') } },
                },
              },
            },
          },
        },
      },
      on_no_match: action('fallback'),
    });
  });

  it('rejects, with a filter chain matcher, unnamed chains, chains with a match, and actions naming no chain', () => {
    const l = listener('m')
      .internal()
      .filterChainMatcher(ChainMatcher.exact('server_name', { 'a.example.com': 'a', 'b.example.com': 'b' }))
      .filterChain(filterChain('a').filter(tcpProxy('a').cluster('a')))
      .filterChain(filterChain().filter(tcpProxy('x').cluster('x')))
      .filterChain(filterChain('c').serverNames('c.example.com').filter(tcpProxy('c').cluster('c')));
    let err: { message: string; problems: unknown[] } | undefined;
    try {
      l.build();
    } catch (e) {
      err = e as never;
    }
    expect(err?.message).toBe(
      [
        'listener "m": 3 problems',
        '  filter_chains[1].name: a filter chain needs a name when a filter_chain_matcher picks the chains (rule: listener.filter_chain_matcher)',
        '  filter_chains[2].filter_chain_match: is ignored when a filter_chain_matcher picks the chains: remove it, or match in the matcher (rule: listener.filter_chain_matcher)',
        '  filter_chain_matcher.matcher_tree.exact_match_map.map[b.example.com].action: selects filter chain "b", which the listener does not have (rule: listener.filter_chain_matcher)',
      ].join('\n'),
    );
    expect(err?.problems).toHaveLength(3);
    // A matcher may name the default filter chain (Envoy falls back to it for unknown names anyway).
    const withDefault = listener('d')
      .internal()
      .filterChainMatcher(ChainMatcher.exact('destination_port', { '80': 'web' }, 'rest'))
      .filterChain(filterChain('web').filter(tcpProxy('w').cluster('w')))
      .defaultFilterChain(filterChain('rest').filter(tcpProxy('r').cluster('r')));
    expect(withDefault.build().defaultFilterChain!.name).toBe('rest');
  });

  it('rejects a filter chain matcher action that is not a chain name', () => {
    const bad = ChainMatcher.exact('destination_port', { '80': 'a' });
    const tree = bad.matcherType as { matcherTree: { treeType: { exactMatchMap: { map: Record<string, { onMatch: { action: { typedConfig: unknown } } }> } } } };
    tree.matcherTree.treeType.exactMatchMap.map['80']!.onMatch.action.typedConfig = { typeUrl: 'type.googleapis.com/google.protobuf.UInt32Value', value: Buffer.alloc(0) };
    expect(() => listener('l').internal().filterChainMatcher(bad).filterChain(filterChain('a').filter(tcpProxy('a').cluster('a'))).build()).toThrow(
      'listener "l": filter_chain_matcher.matcher_tree.exact_match_map.map[80].action.typed_config: a filter chain matcher action must be a google.protobuf.StringValue naming a filter chain, got "type.googleapis.com/google.protobuf.UInt32Value" (rule: listener.filter_chain_matcher)',
    );
  });

  it('disable a listener filter for some connections', () => {
    const l = listener('in')
      .address('0.0.0.0:15006')
      .listenerFilter(originalDst())
      .listenerFilter(httpInspector().onlyForPorts(8080, 9080))
      .listenerFilter(tlsInspector().filterDisabled(ListenerPredicate.destinationPorts(25)))
      .filters(tcpProxy('in').cluster('in'))
      .build();
    const range = (p: number) => ({ destination_port_range: { start: p, end: p + 1 } });
    expect(json(l).listener_filters.map((f: { filter_disabled?: unknown }) => f.filter_disabled)).toEqual([
      undefined,
      { not_match: { or_match: { rules: [range(8080), range(9080)] } } },
      range(25),
    ]);
  });

  it('rejects a filter chain name or listener filter added twice', () => {
    const l = listener('l').filterChain(filterChain('a').destinationPort(1));
    expect(() => l.filterChain(filterChain('a').destinationPort(2))).toThrow(
      'listener "l": filter_chains: filter chain name "a" is already added; each filter chain name must be unique (rule: unique)',
    );
    expect(() => listener('l').listenerFilters(tlsInspector(), tlsInspector())).toThrow(
      'listener "l": listener_filters: listener filter "envoy.filters.listener.tls_inspector" is already added; each listener filter must be unique (rule: unique)',
    );
  });
});

describe('filter chains', () => {
  it('match on every FilterChainMatch field', () => {
    const fc = filterChain('all')
      .destinationPort(8443)
      .prefixRanges('10.0.0.0/8', '192.168.1.1')
      .serverNames('a.example.com', '*.b.example.com')
      .transportProtocol('tls')
      .applicationProtocols('h2', 'http/1.1')
      .sourcePrefixRanges('172.16.0.0/12')
      .sourcePorts(1234, 5678)
      .directSourcePrefixRanges('100.64.0.0/10')
      .sourceType('EXTERNAL')
      .filter(tcpProxy('all').cluster('c'))
      .build();
    expect(toJson('envoy.config.listener.v3.FilterChain', fc, { keys: 'proto' }).filter_chain_match).toEqual({
      destination_port: 8443,
      prefix_ranges: [
        { address_prefix: '10.0.0.0', prefix_len: 8 },
        { address_prefix: '192.168.1.1', prefix_len: 32 },
      ],
      server_names: ['a.example.com', '*.b.example.com'],
      transport_protocol: 'tls',
      application_protocols: ['h2', 'http/1.1'],
      source_prefix_ranges: [{ address_prefix: '172.16.0.0', prefix_len: 12 }],
      source_ports: [1234, 5678],
      direct_source_prefix_ranges: [{ address_prefix: '100.64.0.0', prefix_len: 10 }],
      source_type: 'EXTERNAL',
    });
  });

  it('take the match as one object too', () => {
    const a = filterChain().match({ destinationPort: 80, serverNames: ['x'], sourceType: 'SAME_IP_OR_LOOPBACK', sourcePorts: [1] }).toMessage();
    const b = filterChain().destinationPort(80).serverNames('x').sourceType('SAME_IP_OR_LOOPBACK').sourcePorts(1).toMessage();
    expect(a).toEqual(b);
  });

  it('terminate TLS with a downstream TLS context as transport socket', () => {
    const fc = filterChain().tls(downstreamTls().certificate('/c.pem', '/k.pem')).filter(tcpProxy('t').cluster('c')).build();
    expect(fc.transportSocket!.name).toBe('envoy.transport_sockets.tls');
    expect(unpack((fc.transportSocket!.configType as { typedConfig: Any }).typedConfig)).toMatchObject({
      commonTlsContext: { tlsCertificates: [{ certificateChain: { specifier: { filename: '/c.pem' } } }] },
    });
  });

  it('hold network filters in order: RBAC, generic filters, then the terminal one', () => {
    const fc = filterChain()
      .filters(
        networkRbac('db').policy('p', { permissions: [Permission.any()], principals: [Principal.any()] }),
        networkFilter('envoy.filters.network.connection_limit', 'envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit', { statPrefix: 'cl', maxConnections: '100' }),
        tcpProxy('db').cluster('db'),
      )
      .build();
    expect(fc.filters!.map((f) => f.name)).toEqual(['envoy.filters.network.rbac', 'envoy.filters.network.connection_limit', 'envoy.filters.network.tcp_proxy']);
  });

  it('rejects a network filter added twice', () => {
    expect(() => filterChain('x').filters(tcpProxy('a').cluster('a'), tcpProxy('b').cluster('b'))).toThrow(
      'filter chain "x": filters: network filter "envoy.filters.network.tcp_proxy" is already added; each network filter must be unique (rule: unique)',
    );
    expect(filterChain('x').filters(tcpProxy('a').cluster('a'), tcpProxy('b').cluster('b').named('second')).toMessage().filters).toHaveLength(2);
  });
});
