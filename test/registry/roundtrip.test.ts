import { describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  enumNames,
  envoy,
  findEnumSchema,
  fromJson,
  fromYaml,
  parseYaml,
  stringifyYaml,
  toJson,
  toYaml,
  unpack,
  type Any,
  type Problem,
} from 'xdskit';
import { FIXTURE_NAMES, FIXTURES, fixtureText, loadFixture } from '../support/fixtures.js';

describe('the fixture configs', () => {
  describe.each(FIXTURE_NAMES)('%s', (name) => {
    const type = FIXTURES[name];
    const text = fixtureText(name);
    const isJson = name.endsWith('.json');

    it('loads in strict mode without warnings', () => {
      const warnings: Problem[] = [];
      const m = isJson ? fromJson(type, JSON.parse(text), { warnings }) : fromYaml(type, text, { warnings });
      expect(warnings).toEqual([]);
      expect(Object.keys(toJson(type, m)).length).toBeGreaterThan(0);
    });

    it('round-trips YAML → message → binary → message → JSON → message as identities', () => {
      const first = loadFixture(name);
      const bytes = encode(type, first);
      const second = decode(type, bytes);
      expect(second).toEqual(first);
      const json = toJson(type, second);
      const third = fromJson(type, JSON.parse(JSON.stringify(json)));
      expect(third).toEqual(first);
      expect(toJson(type, third)).toEqual(toJson(type, first));
      expect(Buffer.from(encode(type, third))).toEqual(Buffer.from(bytes));
    });

    it('loads the same message from snake_case and camelCase keys', () => {
      const first = loadFixture(name);
      const camel = toJson(type, first, { keys: 'json' });
      const snake = toJson(type, first, { keys: 'proto' });
      expect(JSON.stringify(camel)).not.toEqual(JSON.stringify(snake));
      expect(fromJson(type, camel)).toEqual(first);
      expect(fromJson(type, snake)).toEqual(first);
    });

    it('round-trips through toYaml and fromYaml in both key styles', () => {
      const first = loadFixture(name);
      expect(fromYaml(type, text)).toEqual(first); // JSON is YAML too
      const snakeYaml = toYaml(type, first);
      expect(snakeYaml).toBe(stringifyYaml(toJson(type, first, { keys: 'proto' })));
      expect(fromYaml(type, snakeYaml)).toEqual(first);
      expect(fromYaml(type, toYaml(type, first, { keys: 'json' }))).toEqual(first);
    });

    it('writes back every value it read: nothing is dropped but defaults', () => {
      const written = toJson(type, loadFixture(name), { keys: isJson ? 'json' : 'proto' });
      expect(uncovered(parseYaml(text), written)).toEqual([]);
    });
  });
});

/** Names of enum values numbered 0: what proto3 JSON leaves out. */
const ZERO_ENUM_NAMES = new Set(enumNames().flatMap((e) => findEnumSchema(e)!.values.filter(([, n]) => n === 0).map(([name]) => name)));

function isDefault(v: unknown): boolean {
  return v === false || v === 0 || v === 0n || v === '' || (typeof v === 'string' && ZERO_ENUM_NAMES.has(v));
}

/**
 * Where `input` (a fixture as plain data) has a value that `output` (the message written back as
 * JSON in the fixture's key style) lacks or changes. Defaults (false, 0, "", enum zero) may be left out; numbers may come back
 * as strings (64-bit) and durations in canonical form ("1.5s" → "1.500s").
 */
function uncovered(input: unknown, output: unknown, path = ''): string[] {
  if (Array.isArray(input)) {
    if (!Array.isArray(output) || output.length !== input.length) return [`${path}: list changed`];
    return input.flatMap((x, i) => uncovered(x, output[i], `${path}[${i}]`));
  }
  if (input && typeof input === 'object') {
    if (!output || typeof output !== 'object') return [`${path}: object became ${JSON.stringify(output)}`];
    return Object.entries(input).flatMap(([k, v]) => {
      const o = (output as Record<string, unknown>)[k];
      if (o === undefined) return isDefault(v) ? [] : [`${path}.${k}: dropped`];
      return uncovered(v, o, `${path}.${k}`);
    });
  }
  if (typeof input === 'bigint' || typeof input === 'number') {
    return Number(input) === Number(output) || String(input) === String(output) ? [] : [`${path}: ${input} became ${String(output)}`];
  }
  if (typeof input === 'string' && typeof output === 'string' && /^-?\d+(\.\d+)?s$/.test(input)) {
    return parseFloat(input) === parseFloat(output) ? [] : [`${path}: ${input} became ${output}`];
  }
  return input === output ? [] : [`${path}: ${JSON.stringify(input)} became ${JSON.stringify(output)}`];
}

describe('values in the fixtures', () => {
  it('decodes JSON durations like "15s" and "0.250s" to seconds and nanos, and writes them back', () => {
    const bootstrap = loadFixture('bootstrap-static.yaml');
    const [web, users, ordersV1] = bootstrap.staticResources!.clusters!;
    expect(web!.connectTimeout).toEqual({ seconds: '0', nanos: 500000000 });
    expect(users!.connectTimeout).toEqual({ seconds: '1', nanos: 0 });
    expect(users!.dnsRefreshRate).toEqual({ seconds: '30', nanos: 0 });
    expect(ordersV1!.connectTimeout).toEqual({ seconds: '0', nanos: 250000000 });
    expect(bootstrap.statsFlushInterval).toEqual({ seconds: '5', nanos: 0 });
    const json = toJson('envoy.config.bootstrap.v3.Bootstrap', bootstrap, { keys: 'proto' });
    expect(json.static_resources.clusters[0].connect_timeout).toBe('0.500s');
    expect(json.static_resources.clusters[1].connect_timeout).toBe('1s');
    expect(json.static_resources.clusters[2].connect_timeout).toBe('0.250s');
  });

  it('decodes a 15 s duration as 15 s, not 0', () => {
    const c = fromYaml(envoy.config.cluster.v3.Cluster, 'name: a\nconnect_timeout: 15s\n');
    expect(c.connectTimeout).toEqual({ seconds: '15', nanos: 0 });
    const back = decode(envoy.config.cluster.v3.Cluster, encode(envoy.config.cluster.v3.Cluster, c));
    expect(back.connectTimeout).toEqual({ seconds: '15', nanos: 0 });
    expect(toJson(envoy.config.cluster.v3.Cluster, back)).toEqual({ name: 'a', connectTimeout: '15s' });
  });

  it('packs typed_config at every depth, down to a listener inside a config dump', () => {
    const dump = loadFixture('istio-config-dump.yaml');
    const types = dump.configs!.map((a) => a.typeUrl);
    expect(types).toEqual([
      'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    ]);
    const listeners = unpack(dump.configs![2]!, 'envoy.admin.v3.ListenersConfigDump');
    const outbound = unpack(listeners.dynamicListeners![0]!.activeState!.listener!, envoy.config.listener.v3.Listener);
    expect(outbound.name).toBe('virtualOutbound');
    expect(outbound.useOriginalDst).toBe(true);
    expect(outbound.filterChains![0]!.filterChainMatch!.destinationPort).toBe(15001);
    const passthrough = outbound.defaultFilterChain!.filters![0]!;
    expect(passthrough.configType?.$case).toBe('typedConfig');
    const tcp = unpack(
      (passthrough.configType as { typedConfig: Any }).typedConfig,
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    );
    expect(tcp.clusterSpecifier).toEqual({ $case: 'cluster', cluster: 'PassthroughCluster' });

    const inbound = unpack(listeners.dynamicListeners![1]!.activeState!.listener!, envoy.config.listener.v3.Listener);
    expect(inbound.listenerFilters!.map((f) => f.name)).toEqual([
      'envoy.filters.listener.original_dst',
      'envoy.filters.listener.tls_inspector',
      'envoy.filters.listener.http_inspector',
    ]);
    const tlsChain = inbound.filterChains!.find((c) => c.name === 'virtualInbound-catchall-http')!;
    expect(tlsChain.filterChainMatch).toMatchObject({
      transportProtocol: 'tls',
      applicationProtocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'],
    });

    const clusters = unpack(dump.configs![1]!, 'envoy.admin.v3.ClustersConfigDump');
    const pc = unpack(clusters.dynamicActiveClusters![0]!.cluster!, envoy.config.cluster.v3.Cluster);
    expect(pc.name).toBe('PassthroughCluster');
    expect(pc.clusterDiscoveryType).toEqual({ $case: 'type', type: envoy.config.cluster.v3.Cluster_DiscoveryType.ORIGINAL_DST });
    expect(clusters.dynamicActiveClusters![0]!.lastUpdated).toEqual({ seconds: '1715678469', nanos: 511000000 });
  });

  it('writes timestamps back as RFC 3339 with the fraction they had', () => {
    const dump = loadFixture('istio-config-dump.yaml');
    const json = toJson('envoy.admin.v3.ConfigDump', dump, { keys: 'proto' });
    expect(json.configs[0].last_updated).toBe('2024-05-14T09:21:07.332Z');
    expect(json.configs[1].dynamic_active_clusters[0].last_updated).toBe('2024-05-14T09:21:09.511Z');
    expect(json.configs[2].dynamic_listeners[1].active_state.listener['@type']).toBe(
      'type.googleapis.com/envoy.config.listener.v3.Listener',
    );
  });

  it('keeps typed_extension_protocol_options as a map of typed Anys', () => {
    const bootstrap = loadFixture('bootstrap-ads.yaml');
    const xds = bootstrap.staticResources!.clusters![0]!;
    const any = xds.typedExtensionProtocolOptions!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']!;
    const options = unpack(any, 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
    expect(options.upstreamProtocolOptions?.$case).toBe('explicitHttpConfig');
    const json = toJson(envoy.config.cluster.v3.Cluster, xds, { keys: 'proto' });
    expect(json.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: {
        http2_protocol_options: {
          max_concurrent_streams: 1073741824,
          connection_keepalive: { interval: '30s', timeout: '10s' },
        },
      },
    });
  });

  it('keeps Struct metadata exactly: nested lists and objects, numbers, booleans, nulls, empties', () => {
    const cluster = loadFixture('metadata.yaml');
    const ownership = cluster.metadata!.filterMetadata!['com.example.ownership'];
    expect(ownership).toEqual({
      team: 'catalog',
      oncall: ['alice@example.com', 'bob@example.com'],
      escalation: [
        { level: 1, after_minutes: 15, notify: { pager: true, slack: '#catalog-oncall' } },
        { level: 2, after_minutes: 45, notify: { pager: true, slack: null } },
      ],
      budget: { availability: 99.95, latency_p99_ms: 250, error_ratio: 0.001, negative_offset: -3 },
      empty_list: [],
      empty_object: {},
      matrix: [[1, 2], [3, [4, 5]], []],
      numeric_strings: ['007', '1e3', '0x1F'],
      unicode: 'größe – 尺寸 ✓',
    });
    const again = decode(envoy.config.cluster.v3.Cluster, encode(envoy.config.cluster.v3.Cluster, cluster));
    expect(again.metadata!.filterMetadata!['com.example.ownership']).toEqual(ownership);
    const typed = cluster.metadata!.typedFilterMetadata!;
    expect(unpack(typed['envoy.filters.http.header_to_metadata']!, 'google.protobuf.Struct')).toEqual({
      fields: { source: 'typed', weights: [0.5, 0.25, 0.25] },
    });
    expect(unpack(typed['com.example.typed_ownership']!, 'google.protobuf.StringValue')).toEqual({ value: 'catalog-team' });
    expect(toJson(envoy.config.cluster.v3.Cluster, cluster).metadata.typedFilterMetadata['com.example.typed_ownership']).toEqual({
      '@type': 'type.googleapis.com/google.protobuf.StringValue',
      value: 'catalog-team',
    });
  });

  it('reads bytes as base64 and writes them back unchanged', () => {
    const response = loadFixture('secrets.yaml');
    const secret = unpack(response.resources![0]!.resource!, 'envoy.extensions.transport_sockets.tls.v3.Secret');
    const key = (secret.type as { tlsCertificate: { privateKey: { specifier: { inlineBytes: Uint8Array } } } }).tlsCertificate
      .privateKey.specifier.inlineBytes;
    expect(Buffer.from(key).toString('utf8')).toContain('BEGIN EC PRIVATE KEY');
    const json = toJson('envoy.service.discovery.v3.DeltaDiscoveryResponse', response, { keys: 'proto' });
    expect(json.resources[0].resource.tls_certificate.private_key.inline_bytes).toBe(
      'LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCm5vdC1hLXJlYWwta2V5Ci0tLS0tRU5EIEVDIFBSSVZBVEUgS0VZLS0tLS0K',
    );
    expect(json.resources[1].ttl).toBe('3600s');
    expect(json.removed_resources).toEqual(['old-frontend-cert']);
  });

  it('writes enums by name, 64-bit integers as strings and wrappers as bare values', () => {
    const bootstrap = loadFixture('bootstrap-static.yaml');
    const json = toJson('envoy.config.bootstrap.v3.Bootstrap', bootstrap, { keys: 'proto' });
    const [, users, ordersV1] = json.static_resources.clusters;
    expect(users.type).toBe('STRICT_DNS');
    expect(users.lb_policy).toBe('LEAST_REQUEST');
    expect(users.dns_lookup_family).toBe('V4_ONLY');
    expect(users.least_request_lb_config.choice_count).toBe(3);
    expect(ordersV1.ring_hash_lb_config).toEqual({ minimum_ring_size: '1024', maximum_ring_size: '8388608' });
    expect(json.static_resources.listeners[0].per_connection_buffer_limit_bytes).toBe(32768);
  });
});

describe('64-bit integers', () => {
  const STATS = 'envoy.config.endpoint.v3.UpstreamEndpointStats';

  it('round-trip exactly beyond 2^53 through YAML, JSON and binary', () => {
    const big = '18446744073709551615'; // 2^64 - 1, a uint64
    const odd = '9007199254740993'; // 2^53 + 1, not a double
    const m = fromYaml(STATS, `total_issued_requests: ${big}\ntotal_error_requests: ${odd}\n`);
    expect(m.totalIssuedRequests).toBe(big);
    expect(m.totalErrorRequests).toBe(odd);
    const json = toJson(STATS, m);
    expect(json).toEqual({ totalIssuedRequests: big, totalErrorRequests: odd });
    expect(fromJson(STATS, JSON.parse(JSON.stringify(json)))).toEqual(m);
    expect(fromYaml(STATS, toYaml(STATS, m))).toEqual(m);
    expect(decode(STATS, encode(STATS, m))).toEqual(m);
  });

  it('reads 64-bit integers given as JSON strings and as YAML quoted strings', () => {
    expect(fromJson(STATS, { total_issued_requests: '9223372036854775808' }).totalIssuedRequests).toBe('9223372036854775808');
    expect(fromYaml(STATS, 'total_issued_requests: "12345678901234567890"').totalIssuedRequests).toBe('12345678901234567890');
  });

  it('round-trips negative int64 extremes and UInt64Value wrappers', () => {
    const opt = fromYaml('envoy.config.core.v3.SocketOption', 'level: -9223372036854775808\nname: 9223372036854775807\nint_value: -1\n');
    expect(opt).toMatchObject({ level: '-9223372036854775808', name: '9223372036854775807' });
    expect(opt.value).toEqual({ $case: 'intValue', intValue: '-1' });
    expect(decode('envoy.config.core.v3.SocketOption', encode('envoy.config.core.v3.SocketOption', opt))).toEqual(opt);
    const b = fromYaml('envoy.config.bootstrap.v3.Bootstrap', 'stats_server_version_override: 18446744073709551615\n');
    expect(b.statsServerVersionOverride).toBe('18446744073709551615');
    expect(toJson('envoy.config.bootstrap.v3.Bootstrap', b)).toEqual({ statsServerVersionOverride: '18446744073709551615' });
    expect(decode('envoy.config.bootstrap.v3.Bootstrap', encode('envoy.config.bootstrap.v3.Bootstrap', b))).toEqual(b);
  });
});

describe('the two key styles', () => {
  it('load a hand-written camelCase cluster to the same message as its snake_case twin', () => {
    const snake = fromYaml(
      envoy.config.cluster.v3.Cluster,
      `
name: api
type: STRICT_DNS
connect_timeout: 0.25s
dns_lookup_family: V4_ONLY
per_connection_buffer_limit_bytes: 32768
load_assignment:
  cluster_name: api
  endpoints:
    - lb_endpoints:
        - endpoint: { address: { socket_address: { address: api.internal, port_value: 8080 } } }
typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } }
`,
    );
    const camel = fromJson(envoy.config.cluster.v3.Cluster, {
      name: 'api',
      type: 'STRICT_DNS',
      connectTimeout: '0.25s',
      dnsLookupFamily: 'V4_ONLY',
      perConnectionBufferLimitBytes: 32768,
      loadAssignment: {
        clusterName: 'api',
        endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 'api.internal', portValue: 8080 } } } }] }],
      },
      typedExtensionProtocolOptions: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicitHttpConfig: { http2ProtocolOptions: { maxConcurrentStreams: 100 } },
        },
      },
    });
    expect(camel).toEqual(snake);
    expect(Buffer.from(encode(envoy.config.cluster.v3.Cluster, camel))).toEqual(Buffer.from(encode(envoy.config.cluster.v3.Cluster, snake)));
  });

  it('may be mixed in one document, as Envoy allows', () => {
    const mixed = fromJson(envoy.config.cluster.v3.Cluster, { name: 'a', connectTimeout: '1s', lb_policy: 'RANDOM' });
    expect(toJson(envoy.config.cluster.v3.Cluster, mixed, { keys: 'proto' })).toEqual({
      name: 'a',
      connect_timeout: '1s',
      lb_policy: 'RANDOM',
    });
  });

  it('keep map keys and Struct keys as written, whatever the key style', () => {
    const json = toJson(envoy.config.core.v3.Metadata, fromYaml(envoy.config.core.v3.Metadata, 'filter_metadata:\n  envoy.lb:\n    canary_weight: 1\n    someKey: 2\n'), {
      keys: 'json',
    });
    expect(json).toEqual({ filterMetadata: { 'envoy.lb': { canary_weight: 1, someKey: 2 } } });
  });
});
