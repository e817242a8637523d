import { describe, expect, it } from 'vitest';
import {
  envoy,
  formatProblem,
  fromJson,
  fromYaml,
  isXdsValidationError,
  toJson,
  unpack,
  type Any,
  type Problem,
  type TypeRef,
} from 'xdskit';

/** The problems of the XdsValidationError `read` throws (fails the test if it does not throw). */
function problemsOf(read: () => unknown): Problem[] {
  try {
    read();
  } catch (e) {
    expect(isXdsValidationError(e)).toBe(true);
    return [...(e as { problems: Problem[] }).problems];
  }
  expect.fail('expected an XdsValidationError, but reading succeeded');
}

/** Reads leniently and returns the message and the warnings. */
function lenient<R extends TypeRef>(type: R, json: unknown) {
  const warnings: Problem[] = [];
  const message = fromJson(type, json, { strict: false, warnings });
  return { message, warnings };
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const CLUSTER = envoy.config.cluster.v3.Cluster;
const HTTP_FILTER_PATH = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1]';

/** A bootstrap whose second HTTP filter is `filter`. */
function bootstrapWith(filter: unknown) {
  return {
    static_resources: {
      listeners: [
        {
          name: 'ingress',
          address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': HCM,
                    stat_prefix: 'ingress',
                    http_filters: [{ name: 'first', typed_config: { '@type': ROUTER } }, filter],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

describe('strict mode (the default)', () => {
  describe('rejects an unknown or misspelled field', () => {
    it('naming its full path through nested typed_config', () => {
      const cfg = bootstrapWith({ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER, suppress_envoy_header: true } });
      expect(problemsOf(() => fromJson(BOOTSTRAP, cfg))).toEqual([
        {
          path: `${HTTP_FILTER_PATH}.typed_config.suppress_envoy_header`,
          rule: 'unknown_field',
          message:
            'unknown field "suppress_envoy_header" in envoy.extensions.filters.http.router.v3.Router (did you mean "suppress_envoy_headers"?)',
        },
      ]);
    });

    it('in YAML, with the same path', () => {
      const yaml = `
static_resources:
  listeners:
    - name: ingress
      filter_chains:
        - filters:
            - name: hcm
              typed_config:
                "@type": ${HCM}
                stat_prefix: ingress
                http_filters:
                  - name: first
                    typed_config: { "@type": ${ROUTER} }
                  - name: second
                    typed_confg: { "@type": ${ROUTER} }
`;
      const [p] = problemsOf(() => fromYaml(BOOTSTRAP, yaml));
      expect(p).toMatchObject({ path: `${HTTP_FILTER_PATH}.typed_confg`, rule: 'unknown_field' });
      expect(p!.message).toContain('(did you mean "typed_config"?)');
    });

    it('at the root and inside map values such as typed_per_filter_config', () => {
      expect(problemsOf(() => fromJson(CLUSTER, { nmae: 'a' }))).toMatchObject([{ path: 'nmae', rule: 'unknown_field' }]);
      const vh = {
        name: 'vh',
        domains: ['*'],
        typed_per_filter_config: {
          'envoy.filters.http.cors': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy', allow_method: 'GET' },
        },
      };
      expect(problemsOf(() => fromJson('envoy.config.route.v3.VirtualHost', vh))).toMatchObject([
        { path: 'typed_per_filter_config[envoy.filters.http.cors].allow_method', rule: 'unknown_field' },
      ]);
    });

    it('without a hint when no field name is close', () => {
      const [p] = problemsOf(() => fromJson(CLUSTER, { completely_unrelated: 1 }));
      expect(p!.message).toBe('unknown field "completely_unrelated" in envoy.config.cluster.v3.Cluster');
    });

    it('prefixing paths with options.path', () => {
      expect(problemsOf(() => fromJson(CLUSTER, { nam: 'a' }, { path: 'clusters[api]' }))).toMatchObject([
        { path: 'clusters[api].nam', rule: 'unknown_field' },
      ]);
    });
  });

  describe('rejects an unknown enum name', () => {
    it('including a lower-case spelling of a real one, with the upper-case name as hint', () => {
      const [p] = problemsOf(() => fromJson(CLUSTER, { name: 'a', lb_policy: 'round_robin' }));
      expect(p).toMatchObject({ path: 'lb_policy', rule: 'enum', value: 'round_robin' });
      expect(p!.message).toContain('(did you mean "ROUND_ROBIN"?)');
      expect(p!.message).toContain('expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH');
    });

    it('including a misspelled one, with the closest name as hint', () => {
      const [p] = problemsOf(() => fromYaml(CLUSTER, 'name: a\nlb_policy: LEAST_REQUSET\n'));
      expect(p!.message).toContain('(did you mean "LEAST_REQUEST"?)');
    });

    it('inside a list of enums, naming the item', () => {
      expect(problemsOf(() => fromJson('envoy.config.core.v3.HealthStatusSet', { statuses: ['HEALTHY', 'healthy'] }))).toMatchObject([
        { path: 'statuses[1]', rule: 'enum' },
      ]);
    });

    it('but accepts enum numbers, as proto3 JSON does', () => {
      expect(fromJson(CLUSTER, { lb_policy: 1 }).lbPolicy).toBe(envoy.config.cluster.v3.Cluster_LbPolicy.LEAST_REQUEST);
    });
  });

  it('rejects a single object where a list is expected', () => {
    expect(problemsOf(() => fromYaml(CLUSTER, 'name: a\nhealth_checks:\n  timeout: 1s\n'))).toMatchObject([
      { path: 'health_checks', rule: 'list', message: 'expected a list, got an object (write it as a one-item list)' },
    ]);
  });

  describe('rejects an Any', () => {
    it('without @type', () => {
      expect(problemsOf(() => fromJson(BOOTSTRAP, bootstrapWith({ name: 'r', typed_config: { suppress_envoy_headers: true } })))).toEqual([
        { path: `${HTTP_FILTER_PATH}.typed_config`, rule: 'any_type', message: '"@type" is missing: an Any needs its type URL' },
      ]);
    });

    it('with an empty @type', () => {
      expect(problemsOf(() => fromJson('envoy.config.listener.v3.Filter', { name: 'f', typed_config: { '@type': '' } }))).toMatchObject([
        { path: 'typed_config', rule: 'any_type', message: '"@type" is empty: an Any needs its type URL' },
      ]);
    });

    it('whose @type is not in the registry', () => {
      const cfg = bootstrapWith({ name: 'acme', typed_config: { '@type': 'type.googleapis.com/acme.filters.Widget', size: 3 } });
      expect(problemsOf(() => fromJson(BOOTSTRAP, cfg))).toEqual([
        {
          path: `${HTTP_FILTER_PATH}.typed_config`,
          rule: 'any_type',
          message: '@type "type.googleapis.com/acme.filters.Widget" is not a known type (acme.filters.Widget is not in the registry)',
          value: 'type.googleapis.com/acme.filters.Widget',
        },
      ]);
    });

    it('of a well-known type with a field beside "value"', () => {
      const any = { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s', unit: 's' };
      expect(problemsOf(() => fromJson('google.protobuf.Any', any))).toMatchObject([{ path: 'unit', rule: 'unknown_field' }]);
    });
  });

  it('accepts a @type without the type.googleapis.com/ prefix and keeps another prefix as written', () => {
    const bare = fromJson('envoy.config.listener.v3.Filter', { name: 'f', typed_config: { '@type': 'envoy.extensions.filters.http.router.v3.Router' } });
    expect(bare.configType).toMatchObject({ $case: 'typedConfig', typedConfig: { typeUrl: ROUTER } });
    const other = fromJson('envoy.config.listener.v3.Filter', {
      name: 'f',
      typed_config: { '@type': 'example.com/envoy.extensions.filters.http.router.v3.Router' },
    });
    expect(other.configType).toMatchObject({ typedConfig: { typeUrl: 'example.com/envoy.extensions.filters.http.router.v3.Router' } });
  });

  it('reports every problem of a document at once, in document order', () => {
    const problems = problemsOf(() => fromJson(CLUSTER, { nam: 'a', lb_policy: 'x', connect_timeout: 5, health_checks: {} }));
    expect(problems.map((p) => `${p.path} ${p.rule}`)).toEqual(['nam unknown_field', 'lb_policy enum', 'connect_timeout type', 'health_checks list']);
  });

  it('throws an XdsValidationError whose message lists each problem with its path and rule', () => {
    let err: unknown;
    try {
      fromJson(CLUSTER, { nam: 'a', lb_policy: 'x' });
    } catch (e) {
      err = e;
    }
    expect(isXdsValidationError(err)).toBe(true);
    const e = err as Error & { problems: Problem[] };
    expect(e.name).toBe('XdsValidationError');
    expect(e.message.split('\n')[0]).toBe('invalid envoy.config.cluster.v3.Cluster: 2 problems');
    expect(e.message).toContain(formatProblem(e.problems[0]!));
    expect(e.message).toContain('  nam: unknown field "nam" in envoy.config.cluster.v3.Cluster (did you mean "name"?) (rule: unknown_field)');
    for (const p of e.problems) expect(p.message).toBe(p.message.charAt(0).toLowerCase() + p.message.slice(1));
  });

  it('leaves options.warnings empty', () => {
    const warnings: Problem[] = [];
    expect(() => fromJson(CLUSTER, { nam: 'a' }, { warnings })).toThrow();
    expect(warnings).toEqual([]);
  });
});

describe('rules that hold in both modes', () => {
  for (const strict of [true, false]) {
    describe(strict ? 'strict' : 'lenient', () => {
      const read = (type: TypeRef, json: unknown) => problemsOf(() => fromJson(type, json, { strict, warnings: [] }));

      it('rejects a field given twice, as snake_case and camelCase', () => {
        expect(read(CLUSTER, { name: 'a', connect_timeout: '1s', connectTimeout: '2s' })).toEqual([
          { path: 'connect_timeout', rule: 'duplicate_field', message: 'field given twice, as "connect_timeout" and as "connectTimeout"' },
        ]);
      });

      it('rejects a oneof with two members set', () => {
        expect(read('envoy.config.route.v3.RouteMatch', { prefix: '/', path: '/a' })).toEqual([
          { path: 'path', rule: 'oneof', message: 'only one of the oneof "path_specifier" may be set, but "prefix" is set too' },
        ]);
        expect(read(CLUSTER, { type: 'STATIC', cluster_type: { name: 'envoy.clusters.aggregate' } })).toMatchObject([
          { path: 'cluster_type', rule: 'oneof' },
        ]);
      });

      it('rejects a string for a bool', () => {
        expect(read(CLUSTER, { respect_dns_ttl: 'true' })).toMatchObject([
          { path: 'respect_dns_ttl', rule: 'type', message: 'expected true or false, got a string "true"' },
        ]);
      });

      it('rejects a float for an integer', () => {
        expect(read('envoy.config.core.v3.SocketAddress', { port_value: 80.5 })).toMatchObject([
          { path: 'port_value', rule: 'type', message: 'expected an integer, got 80.5' },
        ]);
      });

      it('rejects integers out of range for int32 and uint32', () => {
        expect(read('envoy.type.v3.Int32Range', { start: 2147483648, end: -2147483649 })).toMatchObject([
          { path: 'start', rule: 'type', message: '2147483648 is out of range for int32 (-2147483648 to 2147483647)' },
          { path: 'end', rule: 'type', message: '-2147483649 is out of range for int32 (-2147483648 to 2147483647)' },
        ]);
        expect(read('envoy.config.core.v3.SocketAddress', { port_value: -1 })).toMatchObject([{ path: 'port_value', rule: 'type' }]);
        expect(read('envoy.config.core.v3.SocketAddress', { port_value: 4294967296 })).toMatchObject([{ path: 'port_value', rule: 'type' }]);
        expect(read('envoy.config.endpoint.v3.UpstreamEndpointStats', { total_issued_requests: '18446744073709551616' })).toMatchObject([
          { path: 'total_issued_requests', rule: 'type' },
        ]);
      });

      it('rejects durations without the "s" unit or with a space: "15", 15, "1.5 s", "250ms"', () => {
        for (const bad of ['15', '1.5 s', '250ms', '1.0000000001s', 's']) {
          expect(read(CLUSTER, { connect_timeout: bad })).toMatchObject([
            { path: 'connect_timeout', rule: 'type', message: `invalid duration "${bad}": expected seconds with an "s" suffix, like "1.5s"` },
          ]);
        }
        expect(read(CLUSTER, { connect_timeout: 15 })).toMatchObject([
          { path: 'connect_timeout', rule: 'type', message: 'expected a duration string like "1.5s", got a number 15' },
        ]);
        expect(read(CLUSTER, { connect_timeout: '315576000001s' })).toMatchObject([{ path: 'connect_timeout', rule: 'type' }]);
      });

      it('rejects bad timestamps', () => {
        for (const bad of ['2024-13-01T00:00:00Z', 'yesterday', '2024-05-14 09:21:07Z', '2024-05-14T09:21:07']) {
          expect(read('envoy.admin.v3.UpdateFailureState', { last_update_attempt: bad })).toMatchObject([
            { path: 'last_update_attempt', rule: 'type' },
          ]);
        }
        expect(read('envoy.admin.v3.UpdateFailureState', { last_update_attempt: 1715678467 })).toMatchObject([
          { path: 'last_update_attempt', rule: 'type', message: 'expected an RFC 3339 timestamp, got a number' },
        ]);
      });

      it('rejects values of the wrong JSON kind for strings, numbers, bytes, messages and maps', () => {
        expect(read('envoy.config.core.v3.SocketAddress', { address: 5, port_value: 'http' })).toMatchObject([
          { path: 'address', rule: 'type', message: 'expected a string, got a number 5' },
          { path: 'port_value', rule: 'type', message: 'expected an integer, got a string "http"' },
        ]);
        expect(read('envoy.config.core.v3.DataSource', { inline_bytes: 'not base64!' })).toMatchObject([{ path: 'inline_bytes', rule: 'type' }]);
        expect(read(CLUSTER, { load_assignment: 'api' })).toMatchObject([
          { path: 'load_assignment', rule: 'type', message: 'expected an object (envoy.config.endpoint.v3.ClusterLoadAssignment), got a string "api"' },
        ]);
        expect(read('envoy.config.core.v3.Metadata', { filter_metadata: [{ a: 1 }] })).toMatchObject([
          { path: 'filter_metadata', rule: 'type', message: 'expected an object (a map), got a list' },
        ]);
      });

      it('rejects null as a list item or a map value, and as the whole document', () => {
        expect(read(CLUSTER, { health_checks: [null] })).toMatchObject([{ path: 'health_checks[0]', rule: 'type' }]);
        expect(read('envoy.config.core.v3.Metadata', { filter_metadata: { 'envoy.lb': null } })).toMatchObject([
          { path: 'filter_metadata[envoy.lb]', rule: 'type' },
        ]);
        expect(read(CLUSTER, null)).toMatchObject([{ path: '', rule: 'type' }]);
      });
    });
  }
});

describe('null', () => {
  it('leaves a field of any kind at its default', () => {
    const c = fromJson(CLUSTER, {
      name: null,
      connect_timeout: null,
      health_checks: null,
      lb_policy: null,
      metadata: null,
      per_connection_buffer_limit_bytes: null,
      typed_extension_protocol_options: null,
      respect_dns_ttl: null,
    });
    expect(c).toEqual(fromJson(CLUSTER, {}));
    expect(toJson(CLUSTER, c)).toEqual({});
  });

  it('is kept as a value in a google.protobuf.Value field and in Structs', () => {
    const kv = fromJson('envoy.extensions.filters.http.thrift_to_metadata.v3.KeyValuePair', { key: 'k', value: null });
    expect(kv.value).toBeNull();
    const md = fromJson('envoy.config.core.v3.Metadata', { filter_metadata: { a: { x: null, y: [null] } } });
    expect(md.filterMetadata).toEqual({ a: { x: null, y: [null] } });
  });
});

describe('JSON durations', () => {
  it('decode "15s" to 15 s and fractions to nanos', () => {
    const d = (v: string) => fromJson(CLUSTER, { connect_timeout: v }).connectTimeout;
    expect(d('15s')).toEqual({ seconds: '15', nanos: 0 });
    expect(d('1.5s')).toEqual({ seconds: '1', nanos: 500000000 });
    expect(d('0.000000001s')).toEqual({ seconds: '0', nanos: 1 });
    expect(d('-1.5s')).toEqual({ seconds: '-1', nanos: -500000000 });
    expect(d('315576000000s')).toEqual({ seconds: '315576000000', nanos: 0 });
  });

  it('are written back with 0, 3, 6 or 9 fractional digits', () => {
    const w = (seconds: string, nanos: number) => toJson(CLUSTER, { ...fromJson(CLUSTER, {}), connectTimeout: { seconds, nanos } }).connectTimeout;
    expect(w('15', 0)).toBe('15s');
    expect(w('1', 500000000)).toBe('1.500s');
    expect(w('0', 1000)).toBe('0.000001s');
    expect(w('0', 1)).toBe('0.000000001s');
    expect(w('-1', -500000000)).toBe('-1.500s');
    expect(w('0', -500000000)).toBe('-0.500s');
  });

  it('and timestamps with an offset are normalised to UTC', () => {
    const t = fromJson('envoy.admin.v3.UpdateFailureState', { last_update_attempt: '2024-05-14T11:21:07.5+02:00' });
    expect(t.lastUpdateAttempt).toEqual({ seconds: '1715678467', nanos: 500000000 });
    expect(toJson('envoy.admin.v3.UpdateFailureState', t)).toEqual({ lastUpdateAttempt: '2024-05-14T09:21:07.500Z' });
  });
});

describe('lenient mode (strict: false)', () => {
  it('turns an unknown field into a warning, skips it and reads the rest', () => {
    const cfg = bootstrapWith({ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER, suppress_envoy_header: true, dynamic_stats: false } });
    const { message, warnings } = lenient(BOOTSTRAP, cfg);
    expect(warnings).toEqual([
      {
        path: `${HTTP_FILTER_PATH}.typed_config.suppress_envoy_header`,
        rule: 'unknown_field',
        message: 'unknown field "suppress_envoy_header" in envoy.extensions.filters.http.router.v3.Router (did you mean "suppress_envoy_headers"?)',
      },
    ]);
    const listener = message.staticResources!.listeners![0]!;
    expect(listener.name).toBe('ingress');
    const hcmAny = (listener.filterChains![0]!.filters![0]!.configType as { typedConfig: Any }).typedConfig;
    const hcm = unpack(hcmAny, 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    const routerAny = (hcm.httpFilters![1]!.configType as { typedConfig: Any }).typedConfig;
    const router = unpack(routerAny, 'envoy.extensions.filters.http.router.v3.Router');
    expect(router.suppressEnvoyHeaders).toBe(false);
    expect(router.dynamicStats).toBe(false);
  });

  it('turns an unknown enum name into a warning and leaves the field at its default', () => {
    const { message, warnings } = lenient(CLUSTER, { name: 'a', lb_policy: 'round_robin', dns_lookup_family: 'V4_ONLY' });
    expect(warnings).toMatchObject([{ path: 'lb_policy', rule: 'enum', value: 'round_robin' }]);
    expect(message.name).toBe('a');
    expect(message.lbPolicy).toBe(0);
    expect(message.dnsLookupFamily).toBe(envoy.config.cluster.v3.Cluster_DnsLookupFamily.V4_ONLY);
    const set = lenient('envoy.config.core.v3.HealthStatusSet', { statuses: ['HEALTHY', 'PARTLY_HEALTHY', 'UNHEALTHY'] });
    expect(set.warnings).toMatchObject([{ path: 'statuses[1]', rule: 'enum' }]);
    expect(set.message.statuses).toEqual([envoy.config.core.v3.HealthStatus.HEALTHY, envoy.config.core.v3.HealthStatus.UNHEALTHY]);
  });

  it('wraps a single object in a list, with a warning', () => {
    const { message, warnings } = lenient(CLUSTER, { name: 'a', health_checks: { timeout: '1s', interval: '5s' } });
    expect(warnings).toMatchObject([{ path: 'health_checks', rule: 'list' }]);
    expect(message.healthChecks).toHaveLength(1);
    expect(message.healthChecks![0]!.timeout).toEqual({ seconds: '1', nanos: 0 });
  });

  it('skips an Any without @type or with an unknown @type, with a warning, and reads the rest', () => {
    const { message, warnings } = lenient('envoy.service.discovery.v3.DiscoveryResponse', {
      version_info: '1',
      resources: [
        { name: 'no-type' },
        { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'b' },
        { '@type': 'type.googleapis.com/acme.Cluster', name: 'c' },
      ],
    });
    expect(warnings).toMatchObject([
      { path: 'resources[0]', rule: 'any_type' },
      { path: 'resources[2]', rule: 'any_type', value: 'type.googleapis.com/acme.Cluster' },
    ]);
    expect(message.versionInfo).toBe('1');
    expect(message.resources!.map((r) => unpack(r, CLUSTER).name)).toEqual(['b']);

    const filter = lenient('envoy.config.listener.v3.Filter', { name: 'acme', typed_config: { '@type': 'type.googleapis.com/acme.Widget' } });
    expect(filter.warnings).toHaveLength(1);
    expect(filter.message).toEqual(fromJson('envoy.config.listener.v3.Filter', { name: 'acme' }));
  });

  it('collects warnings from every depth in document order', () => {
    const { warnings } = lenient(CLUSTER, {
      nam: 'a',
      lb_policy: 'random',
      load_assignment: { cluster_name: 'a', endpoints: { lb_endpoints: [{ endpoint: { adress: {} } }] } },
    });
    expect(warnings.map((w) => `${w.path} ${w.rule}`)).toEqual([
      'nam unknown_field',
      'lb_policy enum',
      'load_assignment.endpoints list',
      'load_assignment.endpoints[0].lb_endpoints[0].endpoint.adress unknown_field',
    ]);
  });

  it('still fails on errors that are not strict-mode rules, after collecting the warnings', () => {
    const warnings: Problem[] = [];
    const problems = problemsOf(() => fromJson(CLUSTER, { nam: 'a', connect_timeout: '15' }, { strict: false, warnings }));
    expect(problems).toMatchObject([{ path: 'connect_timeout', rule: 'type' }]);
    expect(warnings).toMatchObject([{ path: 'nam', rule: 'unknown_field' }]);
  });

  it('reads YAML the same way', () => {
    const warnings: Problem[] = [];
    const c = fromYaml(CLUSTER, 'name: a\nconnect_timeout: 2s\nupstream_http_protocol_options_v2: {}\n', { strict: false, warnings });
    expect(warnings).toMatchObject([{ path: 'upstream_http_protocol_options_v2', rule: 'unknown_field' }]);
    expect(c.connectTimeout).toEqual({ seconds: '2', nanos: 0 });
  });
});

describe('YAML documents', () => {
  it('reject a key repeated in one mapping', () => {
    expect(problemsOf(() => fromYaml(CLUSTER, 'name: a\nname: b\n'))).toMatchObject([{ rule: 'yaml' }]);
  });

  it('reject invalid YAML syntax', () => {
    expect(problemsOf(() => fromYaml(CLUSTER, 'name: [a\n'))).toMatchObject([{ rule: 'yaml' }]);
  });

  it('read anchors and merge keys', () => {
    const c = fromYaml(
      'envoy.config.bootstrap.v3.Bootstrap',
      `
static_resources:
  clusters:
    - &base
      name: a
      connect_timeout: 1s
      type: STRICT_DNS
    - <<: *base
      name: b
`,
    );
    expect(c.staticResources!.clusters!.map((x) => [x.name, x.connectTimeout!.seconds])).toEqual([
      ['a', '1'],
      ['b', '1'],
    ]);
  });
});
