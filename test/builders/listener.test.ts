import { describe, expect, it } from 'vitest';
import { toJson, unpack, type Any } from 'xdskit';
import {
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
