import { describe, expect, it } from 'vitest';
import { toJson, unpack } from 'xdskit';
import { Address, ConfigSource, HealthCheck, HTTP_PROTOCOL_OPTIONS, Match, San, TransportSocket, cluster, endpoints, typed, upstreamTls } from 'xdskit/builders';

const C = 'envoy.config.cluster.v3.Cluster';
const json = (c: unknown) => toJson(C, c as never, { keys: 'proto' });

describe('clusters', () => {
  it('have the five discovery types', () => {
    expect(json(cluster('s').endpoints('10.0.0.1:80').build())).toEqual({
      name: 's',
      load_assignment: { cluster_name: 's', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } }] }] },
    });
    expect(json(cluster('d').strictDns().endpoints('api.internal:80').build()).type).toBe('STRICT_DNS');
    expect(json(cluster('l').logicalDns().endpoints('api.internal:80').build()).type).toBe('LOGICAL_DNS');
    expect(json(cluster('e').eds().build())).toEqual({ name: 'e', type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } });
    expect(json(cluster('e').eds(ConfigSource.grpc('xds'), 'svc').build()).eds_cluster_config).toMatchObject({ service_name: 'svc', eds_config: { api_config_source: { api_type: 'GRPC' } } });
    expect(json(cluster('o').originalDst().cleanupInterval('10s').build())).toEqual({ name: 'o', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', cleanup_interval: '10s' });
    expect(cluster('t').strictDns().static().toMessage().clusterDiscoveryType).toBeUndefined();
  });

  it('set the connect timeout and buffer limit', () => {
    expect(json(cluster('c').connectTimeout(250).perConnectionBufferLimit(1024).build())).toEqual({ name: 'c', connect_timeout: '0.250s', per_connection_buffer_limit_bytes: 1024 });
  });

  it('pick a load balancer, or the typed load_balancing_policy', () => {
    expect(cluster('c').roundRobin().build().lbPolicy).toBeUndefined();
    expect(json(cluster('c').leastRequest(4).build())).toMatchObject({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 4 } });
    expect(json(cluster('c').ringHash({ minimumRingSize: 4096, hashFunction: 'MURMUR_HASH_2' }).build())).toMatchObject({
      lb_policy: 'RING_HASH',
      ring_hash_lb_config: { minimum_ring_size: '4096', hash_function: 'MURMUR_HASH_2' },
    });
    expect(json(cluster('c').maglev(65537).build())).toMatchObject({ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: '65537' } });
    expect(json(cluster('c').random().build()).lb_policy).toBe('RANDOM');
    const typedLb = cluster('c')
      .ringHash()
      .loadBalancingPolicy('envoy.load_balancing_policies.round_robin', typed('envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin', {}))
      .build();
    expect(typedLb.lbPolicy).toBeUndefined();
    expect(json(typedLb).load_balancing_policy).toEqual({
      policies: [{ typed_extension_config: { name: 'envoy.load_balancing_policies.round_robin', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin' } } }],
    });
  });

  it('set common LB config: panic threshold, locality weighting, more', () => {
    expect(json(cluster('c').healthyPanicThreshold(30).localityWeightedLb().commonLbConfig({ ignoreNewHostsUntilFirstHc: true }).build()).common_lb_config).toEqual({
      healthy_panic_threshold: { value: 30 },
      locality_weighted_lb_config: {},
      ignore_new_hosts_until_first_hc: true,
    });
  });

  it('health check over HTTP, TCP and gRPC', () => {
    const timing = { interval: '5s', timeout: '1s', unhealthyThreshold: 3, healthyThreshold: 2 };
    const c = cluster('c')
      .healthCheck(HealthCheck.http('/healthz', { ...timing, host: 'api', expectedStatuses: [[200, 300]], requestHeaders: { 'x-hc': '1' }, http2: true, intervalJitter: '100ms', noTrafficInterval: '60s' }))
      .healthCheck(HealthCheck.tcp({ ...timing, send: '0102', receive: ['03'] }))
      .healthCheck(HealthCheck.grpc('api.v1.Api', { ...timing, authority: 'api', reuseConnection: false, altPort: 9000 }))
      .build();
    expect(json(c).health_checks).toEqual([
      {
        timeout: '1s',
        interval: '5s',
        interval_jitter: '0.100s',
        unhealthy_threshold: 3,
        healthy_threshold: 2,
        no_traffic_interval: '60s',
        http_health_check: { host: 'api', path: '/healthz', request_headers_to_add: [{ header: { key: 'x-hc', value: '1' } }], expected_statuses: [{ start: '200', end: '300' }], codec_client_type: 'HTTP2' },
      },
      { timeout: '1s', interval: '5s', unhealthy_threshold: 3, healthy_threshold: 2, tcp_health_check: { send: { text: '0102' }, receive: [{ text: '03' }] } },
      { timeout: '1s', interval: '5s', unhealthy_threshold: 3, healthy_threshold: 2, alt_port: 9000, reuse_connection: false, grpc_health_check: { service_name: 'api.v1.Api', authority: 'api' } },
    ]);
  });

  it('set circuit breakers per priority, each priority once', () => {
    const c = cluster('c').circuitBreakers({ maxConnections: 100, maxPendingRequests: 10, maxRequests: 1000, maxRetries: 2, trackRemaining: true }).circuitBreakers({ maxRequests: 50, retryBudget: { budgetPercent: 20, minRetryConcurrency: 3 } }, 'HIGH');
    expect(json(c.build()).circuit_breakers).toEqual({
      thresholds: [
        { max_connections: 100, max_pending_requests: 10, max_requests: 1000, max_retries: 2, track_remaining: true },
        { priority: 'HIGH', max_requests: 50, retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 } },
      ],
    });
    expect(() => c.circuitBreakers({ maxRequests: 1 }, 'HIGH')).toThrow(
      'cluster "c": circuit_breakers.thresholds: circuit breaker thresholds for priority HIGH are already added; each priority must be unique (rule: unique)',
    );
  });

  it('set outlier detection with durations as strings', () => {
    expect(json(cluster('c').outlierDetection({ consecutive5xx: 3, interval: '5s', baseEjectionTime: 30_000, maxEjectionPercent: 50, maxEjectionTime: '5m', enforcingSuccessRate: 0 }).build()).outlier_detection).toEqual({
      consecutive_5xx: 3,
      interval: '5s',
      base_ejection_time: '30s',
      max_ejection_percent: 50,
      enforcing_success_rate: 0,
      max_ejection_time: '300s',
    });
    expect(() => cluster('c').outlierDetection({ interval: '5 s' })).toThrow('cluster "c": outlier_detection.interval: invalid duration "5 s"');
  });

  it('speak HTTP/2, HTTP/1.1, auto or the downstream protocol upstream, with connection options', () => {
    const h2 = cluster('c').http2({ maxConcurrentStreams: 10 }).upstreamHttpOptions({ idleTimeout: '30s', maxRequestsPerConnection: 100, maxConnectionDuration: '1h' }).build();
    expect(json(h2).typed_extension_protocol_options).toEqual({
      [HTTP_PROTOCOL_OPTIONS]: {
        '@type': `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`,
        common_http_protocol_options: { idle_timeout: '30s', max_connection_duration: '3600s', max_requests_per_connection: 100 },
        explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 10 } },
      },
    });
    const opts = (c: ReturnType<typeof cluster>) => unpack(c.build().typedExtensionProtocolOptions![HTTP_PROTOCOL_OPTIONS]!, HTTP_PROTOCOL_OPTIONS).upstreamProtocolOptions!.$case;
    expect(opts(cluster('c').http1({ acceptHttp10: true }))).toBe('explicitHttpConfig');
    expect(opts(cluster('c').autoHttp())).toBe('autoConfig');
    expect(opts(cluster('c').useDownstreamProtocol())).toBe('useDownstreamProtocolConfig');
  });

  it('originate TLS: SNI, trusted CA, SAN match, client certificate', () => {
    const c = cluster('c')
      .tls(upstreamTls('api.internal').trustedCa('/ca.pem').matchSan(San.dns('api.internal'), San.uri(Match.prefix('spiffe://x/'))).clientCertificate('/c.pem', '/k.pem'))
      .build();
    expect(json(c).transport_socket).toEqual({
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { filename: '/c.pem' }, private_key: { filename: '/k.pem' } }],
          validation_context: {
            trusted_ca: { filename: '/ca.pem' },
            match_typed_subject_alt_names: [
              { san_type: 'DNS', matcher: { exact: 'api.internal' } },
              { san_type: 'URI', matcher: { prefix: 'spiffe://x/' } },
            ],
          },
        },
        sni: 'api.internal',
      },
    });
  });

  it('choose a transport socket per endpoint with transport socket matches', () => {
    const tls = upstreamTls('api.internal').alpn('istio').sdsCertificate('default');
    const c = cluster('api')
      .eds()
      .transportSocketMatch('mtls', { tlsMode: 'istio' }, tls)
      .transportSocketMatch('inline-tls', { tlsMode: 'inline' }, { sni: 'x' })
      .transportSocketMatch('plaintext', {}, TransportSocket.rawBuffer())
      .build();
    expect(json(c).transport_socket_matches).toEqual([
      { name: 'mtls', match: { tlsMode: 'istio' }, transport_socket: json(cluster('x').tls(tls).build()).transport_socket },
      {
        name: 'inline-tls',
        match: { tlsMode: 'inline' },
        transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'x' } },
      },
      {
        name: 'plaintext',
        match: {},
        transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } },
      },
    ]);
  });

  it('rejects a transport socket match name added twice, and a match after a catch-all one', () => {
    const c = cluster('api').transportSocketMatch('mtls', { tlsMode: 'istio' }, upstreamTls());
    expect(() => c.transportSocketMatch('mtls', { tlsMode: 'other' }, upstreamTls())).toThrow(
      'cluster "api": transport_socket_matches: transport socket match "mtls" is already added; each transport socket match must be unique (rule: unique)',
    );
    c.transportSocketMatch('plaintext', {}, TransportSocket.rawBuffer());
    expect(() => c.transportSocketMatch('late', { tlsMode: 'x' }, upstreamTls())).toThrow(
      'cluster "api": transport_socket_matches[2]: transport socket match "late" is never used: transport_socket_matches[1] ("plaintext") has an empty match and takes every endpoint (rule: unreachable)',
    );
    expect(c.build().transportSocketMatches).toHaveLength(2);
  });

  it('bind upstream connections to a source address', () => {
    expect(json(cluster('in').originalDst().upstreamBindConfig('127.0.0.6').build()).upstream_bind_config).toEqual({ source_address: { address: '127.0.0.6', port_value: 0 } });
    expect(json(cluster('in').upstreamBindConfig('::6', { port: 4000, freebind: true }).build()).upstream_bind_config).toEqual({
      source_address: { address: '::6', port_value: 4000 },
      freebind: true,
    });
  });

  it('rejects a bind address that is not an IP, or a port out of range', () => {
    expect(() => cluster('in').upstreamBindConfig('127.0.0.6:0')).toThrow(
      'cluster "in": upstream_bind_config.source_address: invalid source address "127.0.0.6:0": expected an IP address such as "127.0.0.6" (the port goes in options.port) (rule: ip)',
    );
    expect(() => cluster('in').upstreamBindConfig('10.0.0.1', { port: 70000 })).toThrow('invalid port 70000: expected an integer from 0 to 65535 (rule: port)');
  });

  it('bind to one source address per IP family with extraSourceAddresses', () => {
    expect(json(cluster('in').upstreamBindConfig('127.0.0.6', { extraSourceAddresses: ['::6'] }).build()).upstream_bind_config).toEqual({
      source_address: { address: '127.0.0.6', port_value: 0 },
      extra_source_addresses: [{ address: { address: '::6', port_value: 0 } }],
    });
  });

  it('rejects an extra source address of the same family, a second one, or one that is not an IP', () => {
    expect(() => cluster('in').upstreamBindConfig('127.0.0.6', { extraSourceAddresses: ['127.0.0.7'] })).toThrow(
      'cluster "in": upstream_bind_config.extra_source_addresses[0].address: extra source address "127.0.0.7": envoy\'s default local address selector takes one source address per IP family, and "127.0.0.6" is already the IPv4 one (rule: upstream_bind)',
    );
    expect(() => cluster('in').upstreamBindConfig('127.0.0.6', { extraSourceAddresses: ['::6', '::7'] })).toThrow('takes at most one extra source address (rule: upstream_bind)');
    expect(() => cluster('in').upstreamBindConfig('127.0.0.6', { extraSourceAddresses: ['six'] })).toThrow('invalid source address "six": expected an IP address such as "::6" (rule: ip)');
  });

  it('configure the ORIGINAL_DST load balancer: port override, destination from a header', () => {
    const hbone = cluster('connect_originate').originalDst({ upstreamPortOverride: 15008 }).build();
    expect(json(hbone)).toEqual({ name: 'connect_originate', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { upstream_port_override: 15008 } });
    const byHeader = cluster('fwd').originalDst().originalDstLbConfig({ useHttpHeader: true, httpHeaderName: 'x-dst' }).build();
    expect(json(byHeader).original_dst_lb_config).toEqual({ use_http_header: true, http_header_name: 'x-dst' });
    // A later load balancer choice replaces it.
    expect(cluster('c').originalDst({ upstreamPortOverride: 1 }).roundRobin().static().build().lbConfig).toBeUndefined();
  });

  it('rejects ORIGINAL_DST options on another cluster type, and a header name without use_http_header', () => {
    expect(() => cluster('c').eds().originalDstLbConfig({ upstreamPortOverride: 15008 }).build()).toThrow(
      'cluster "c": original_dst_lb_config: original_dst_lb_config needs an ORIGINAL_DST cluster: call .originalDst() (rule: original_dst)',
    );
    // The order of the calls does not matter.
    expect(json(cluster('c').originalDstLbConfig({ upstreamPortOverride: 15008 }).originalDst().build())).toMatchObject({ type: 'ORIGINAL_DST', original_dst_lb_config: { upstream_port_override: 15008 } });
    expect(() => cluster('c').originalDst({ httpHeaderName: 'x-dst' })).toThrow(
      'cluster "c": original_dst_lb_config.http_header_name: http_header_name "x-dst" is only read with use_http_header: true (rule: original_dst)',
    );
    expect(() => cluster('c').originalDst({ upstreamPortOverride: 70000 }).build()).toThrow('original_dst_lb_config.upstream_port_override');
  });

  it('set DNS lookup family and refresh', () => {
    expect(json(cluster('c').strictDns().endpoints('a:1').dnsLookupFamily('V4_PREFERRED').dnsRefreshRate('30s').dnsFailureRefreshRate('1s', '10s').respectDnsTtl().build())).toMatchObject({
      dns_lookup_family: 'V4_PREFERRED',
      dns_refresh_rate: '30s',
      dns_failure_refresh_rate: { base_interval: '1s', max_interval: '10s' },
      respect_dns_ttl: true,
    });
    expect(cluster('c').dnsLookupFamily('AUTO').build().dnsLookupFamily).toBeUndefined();
  });

  it('take inline endpoints one by one or as a load assignment', () => {
    const one = cluster('c').endpoints('10.0.0.1:80', '10.0.0.2:80').endpoint(Address.internal('sink'), { weight: 5 }).build();
    expect(one.loadAssignment!.endpoints).toHaveLength(1);
    expect(one.loadAssignment!.endpoints![0]!.lbEndpoints).toHaveLength(3);
    const la = cluster('c').loadAssignment(endpoints('').locality({ zone: 'a' }, ['10.0.0.1:80'])).build();
    expect(la.loadAssignment!.clusterName).toBe('c');
    expect(la.loadAssignment!.endpoints![0]!.locality).toEqual({ zone: 'a' });
  });

  it('carry metadata', () => {
    expect(json(cluster('c').metadata({ 'envoy.lb': { v: 1 } }).build()).metadata).toEqual({ filter_metadata: { 'envoy.lb': { v: 1 } } });
  });

  it('fails on what Envoy rejects: an EDS cluster without a source, a LOGICAL_DNS cluster without one endpoint', () => {
    expect(() => cluster('api').eds().set({ edsClusterConfig: {} }).build()).toThrow(
      'invalid cluster "api": 1 problem\n  eds_cluster_config.eds_config: an EDS cluster needs eds_cluster_config.eds_config (for example ads: {}) saying where its endpoints come from (rule: cluster.eds_config)',
    );
    expect(() => cluster('c').logicalDns().endpoints('a:1', 'b:1').build()).toThrow(
      'a LOGICAL_DNS cluster needs exactly one locality with exactly one lb_endpoint; it has 1 locality and 2 endpoint(s) (rule: cluster.logical_dns)',
    );
  });
});

describe('endpoints', () => {
  it('group endpoints by locality and priority, with weights, health, hostnames and metadata', () => {
    const cla = endpoints('api')
      .locality({ region: 'r', zone: 'z1', subZone: 's', weight: 2, metadata: { m: { k: 1 } } }, ['10.0.0.1:80', ['10.0.0.2:80', { weight: 3, healthStatus: 'UNHEALTHY', hostname: 'h2', metadata: { 'envoy.lb': { canary: true } }, healthCheckPort: 8081 }]])
      .locality({ region: 'r', zone: 'z2', priority: 1 }, ['10.0.1.1:80'])
      .endpoint('10.0.2.1:80', { locality: { region: 'r', zone: 'z2', priority: 1 } })
      .overprovisioningFactor(200)
      .dropOverload('lb', 5)
      .dropOverload('throttle', 0.01)
      .endpointStaleAfter('30s')
      .build();
    expect(toJson('envoy.config.endpoint.v3.ClusterLoadAssignment', cla, { keys: 'proto' })).toEqual({
      cluster_name: 'api',
      endpoints: [
        {
          locality: { region: 'r', zone: 'z1', sub_zone: 's' },
          metadata: { filter_metadata: { m: { k: 1 } } },
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } },
            {
              endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 80 } }, health_check_config: { port_value: 8081 }, hostname: 'h2' },
              health_status: 'UNHEALTHY',
              metadata: { filter_metadata: { 'envoy.lb': { canary: true } } },
              load_balancing_weight: 3,
            },
          ],
          load_balancing_weight: 2,
        },
        {
          locality: { region: 'r', zone: 'z2' },
          lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.1.1', port_value: 80 } } } }, { endpoint: { address: { socket_address: { address: '10.0.2.1', port_value: 80 } } } }],
          priority: 1,
        },
      ],
      policy: {
        drop_overloads: [
          { category: 'lb', drop_percentage: { numerator: 5 } },
          { category: 'throttle', drop_percentage: { numerator: 1, denominator: 'TEN_THOUSAND' } },
        ],
        overprovisioning_factor: 200,
        endpoint_stale_after: '30s',
      },
    });
  });

  it('rejects a locality given twice at one priority, and a drop category twice', () => {
    const e = endpoints('api').locality({ zone: 'a' }, ['10.0.0.1:80']);
    expect(() => e.locality({ zone: 'a' }, ['10.0.0.2:80'])).toThrow(
      'endpoints "api": endpoints: locality a at priority 0 is already added; each locality must be unique per priority (rule: unique)',
    );
    expect(e.locality({ zone: 'a', priority: 1 }, ['10.0.0.2:80']).toMessage().endpoints).toHaveLength(2);
    expect(() => endpoints('x').dropOverload('a', 1).dropOverload('a', 2)).toThrow('endpoints "x": policy.drop_overloads: drop overload category "a" is already added');
  });

  it('rejects a bad endpoint address, naming where it is', () => {
    expect(() => endpoints('api').locality({}, ['10.0.0.1:80', '10.0.0.2'])).toThrow(
      'endpoints "api": endpoints[0].lb_endpoints[1].endpoint.address: invalid address "10.0.0.2": expected "host:port", e.g. "10.0.0.1:8080" (rule: address)',
    );
    expect(() => endpoints('api').endpoint('a:1', { healthStatus: 'SICK' as never })).toThrow('unknown health status "SICK": expected one of UNKNOWN, HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED');
  });

  it('fails without a cluster name', () => {
    expect(() => endpoints('').build()).toThrow('invalid endpoints "": 1 problem\n  cluster_name: must be at least 1 character long, got "" (rule: string.min_len)');
  });
});
