/**
 * Field rules on real Envoy configurations: readable cases, paths through nested messages,
 * lists, maps, oneofs and every kind of Any, strict and lenient handling of unknown types.
 */
import { describe, expect, test } from 'vitest';
import { create, fromYaml, pack, UnknownTypeError, envoy } from 'xdskit';
import { validateFields } from 'xdskit/validate';
import { hasFieldRules, setCodegen } from '../../src/validate/fields.js';
import { FIXTURE_NAMES, FIXTURES, loadFixture } from '../support/fixtures.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';
const ROUTES = 'envoy.config.route.v3.RouteConfiguration';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const brief = (ps: readonly { path: string; rule: string }[]) => ps.map((p) => `${p.path} (${p.rule})`);
const errorsOf = (type: string, yaml: string, opts?: { strict?: boolean; path?: string }) => validateFields(type, fromYaml(type, yaml), opts).errors;

/** A listener whose single HCM carries the given HCM YAML (indented under typed_config). */
function listenerWithHcm(hcm: string): string {
  return `
name: ingress
address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
filter_chains:
  - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/${HCM}
${hcm.replace(/^/gm, '          ')}
`;
}

const ROUTER = `
http_filters:
  - name: envoy.filters.http.router
    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;

describe('validateFields on real Envoy types', () => {
  test('a valid cluster has no problems', () => {
    const r = validateFields(CLUSTER, fromYaml(CLUSTER, 'name: api\nconnect_timeout: 1s\ntype: STRICT_DNS\nlb_policy: ROUND_ROBIN'));
    expect(r).toEqual({ errors: [], warnings: [] });
  });

  test('fails a cluster with an empty name at "name" with string.min_len', () => {
    expect(validateFields(CLUSTER, { name: '' }).errors).toEqual([
      { path: 'name', rule: 'string.min_len', message: 'must be at least 1 character long, got ""', value: '' },
    ]);
  });

  test('fails a cluster without a name too: an absent proto3 string is ""', () => {
    expect(brief(validateFields(CLUSTER, {}).errors)).toEqual(['name (string.min_len)']);
    expect(brief(validateFields(CLUSTER, create(CLUSTER)).errors)).toEqual(['name (string.min_len)']);
  });

  test('fails a zero connect_timeout with duration.gt and an unknown enum value with enum.defined_only', () => {
    const errors = validateFields(CLUSTER, {
      name: 'api',
      connectTimeout: { seconds: '0', nanos: 0 },
      lbPolicy: 42,
      clusterDiscoveryType: { $case: 'type', type: 17 },
    }).errors;
    expect(brief(errors)).toEqual(['type (enum.defined_only)', 'connect_timeout (duration.gt)', 'lb_policy (enum.defined_only)']);
    expect(errors[1]!.message).toBe('must be greater than 0s, got 0s');
  });

  test('fails a filter without a name deep in a listener, with the full path', () => {
    const errors = errorsOf(LISTENER, `
name: l
filter_chains:
  - filters: [ { name: envoy.filters.network.echo } ]
  - filters: [ { name: "" } ]
`);
    expect(brief(errors)).toEqual(['filter_chains[1].filters[0].name (string.min_len)']);
  });

  test('fails an HCM without stat_prefix inside a listener\'s typed_config', () => {
    const errors = errorsOf(LISTENER, listenerWithHcm(`route_config: { name: local }${ROUTER}`));
    expect(errors).toEqual([
      {
        path: 'filter_chains[0].filters[0].typed_config.stat_prefix',
        rule: 'string.min_len',
        message: 'must be at least 1 character long, got ""',
        value: '',
      },
    ]);
  });

  test('fails an HCM with none of rds, route_config and scoped_routes (a required oneof)', () => {
    const errors = errorsOf(LISTENER, listenerWithHcm(`stat_prefix: ingress${ROUTER}`));
    expect(errors).toEqual([
      {
        path: 'filter_chains[0].filters[0].typed_config.route_specifier',
        rule: 'oneof.required',
        message: 'is required: exactly one of rds, route_config, scoped_routes must be set',
      },
    ]);
  });

  test('follows an Any inside an Any: an HTTP filter\'s typed_config in an HCM in a listener', () => {
    const errors = errorsOf(LISTENER, listenerWithHcm(`
stat_prefix: ingress
route_config: { name: local }
http_filters:
  - name: envoy.filters.http.local_ratelimit
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
      stat_prefix: ""
  - name: envoy.filters.http.router
    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`));
    expect(brief(errors)).toEqual(['filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.stat_prefix (string.min_len)']);
  });

  test('checks an inline route table inside the HCM: a route without an action, a match without a path', () => {
    const errors = errorsOf(LISTENER, listenerWithHcm(`
stat_prefix: ingress
route_config:
  name: local
  virtual_hosts:
    - name: all
      domains: ["*"]
      routes:
        - match: { prefix: "/" }
          route: { cluster: api }
        - match: { prefix: "/static" }
        - match: { headers: [ { name: x-canary, exact_match: "1" } ] }
          route: { cluster: canary }
${ROUTER}`));
    const base = 'filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes';
    expect(brief(errors)).toEqual([`${base}[1].action (oneof.required)`, `${base}[2].match.path_specifier (oneof.required)`]);
  });

  test('fails a route whose cluster name is empty, a virtual host without domains', () => {
    const errors = errorsOf(ROUTES, `
name: local
virtual_hosts:
  - name: all
    domains: []
    routes:
      - match: { prefix: "" }
        route: { cluster: "" }
`);
    expect(brief(errors)).toEqual(['virtual_hosts[0].domains (repeated.min_items)', 'virtual_hosts[0].routes[0].route.cluster (string.min_len)']);
  });

  test('an empty prefix is a valid match (it matches every path); an empty path_separated_prefix is not', () => {
    expect(errorsOf(ROUTES, `
name: local
virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: "" }, route: { cluster: api } } ] } ]
`)).toEqual([]);
    const errors = errorsOf(ROUTES, `
name: local
virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { path_separated_prefix: "/api/" }, route: { cluster: api } } ] } ]
`);
    expect(errors).toEqual([
      {
        path: 'virtual_hosts[0].routes[0].match.path_separated_prefix',
        rule: 'string.pattern',
        message: 'must match the re2 pattern "^[^?#]+[^?#/]$", got "/api/"',
        value: '/api/',
      },
    ]);
  });

  test('names map entries by key: typed_per_filter_config[envoy.filters.http.local_ratelimit]', () => {
    const errors = errorsOf(ROUTES, `
name: local
virtual_hosts:
  - name: all
    domains: ["*"]
    typed_per_filter_config:
      envoy.filters.http.local_ratelimit:
        "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
        stat_prefix: ""
`);
    expect(brief(errors)).toEqual(['virtual_hosts[0].typed_per_filter_config[envoy.filters.http.local_ratelimit].stat_prefix (string.min_len)']);
  });

  test('follows Anys in map values: typed_extension_protocol_options[<extension name>]', () => {
    const errors = errorsOf(CLUSTER, `
name: api
typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    explicit_http_config:
      http2_protocol_options: { max_concurrent_streams: 0 }
`);
    expect(errors).toEqual([
      {
        path: 'typed_extension_protocol_options[envoy.extensions.upstreams.http.v3.HttpProtocolOptions].explicit_http_config.http2_protocol_options.max_concurrent_streams',
        rule: 'uint32.gte',
        message: 'must be inside the range [1, 2147483647], got 0',
        value: 0,
      },
    ]);
  });

  test('checks map keys: metadata filter names must not be empty', () => {
    const errors = validateFields(CLUSTER, { name: 'x', metadata: { filterMetadata: { '': { a: 1 } } } }).errors;
    expect(brief(errors)).toEqual(['metadata.filter_metadata[] (map.keys.string.min_len)']);
    expect(errors[0]!.message).toBe('key must be at least 1 character long, got ""');
  });

  test('checks header names in lists with the loose (strict: false) header rule', () => {
    const errors = errorsOf(ROUTES, `
name: local
request_headers_to_remove: ["x-ok", "bad\\nname", ""]
virtual_hosts:
  - name: all
    domains: ["*"]
    request_headers_to_remove: ["x-ok", ":authority", ""]
`);
    expect(brief(errors)).toEqual([
      'virtual_hosts[0].request_headers_to_remove[2] (repeated.items.string.min_len)',
      'request_headers_to_remove[1] (repeated.items.string.well_known_regex)',
    ]);
  });

  test('checks the members of a set oneof only', () => {
    const cl = (lbConfig: unknown) => validateFields(CLUSTER, { name: 'x', lbConfig }).errors;
    expect(cl(undefined)).toEqual([]);
    expect(brief(cl({ $case: 'ringHashLbConfig', ringHashLbConfig: { minimumRingSize: '0' } }))).toEqual([]);
    expect(brief(cl({ $case: 'ringHashLbConfig', ringHashLbConfig: { maximumRingSize: '8388609' } }))).toEqual([
      'ring_hash_lb_config.maximum_ring_size (uint64.lte)',
    ]);
  });

  test('prefixes every path with options.path', () => {
    const errors = validateFields(LISTENER, fromYaml(LISTENER, listenerWithHcm(`route_config: {}${ROUTER}`)), { path: 'listeners[ingress]' }).errors;
    expect(brief(errors)).toEqual(['listeners[ingress].filter_chains[0].filters[0].typed_config.stat_prefix (string.min_len)']);
  });

  test('accepts a codec, a full name or a type URL', () => {
    const msg = { name: '' };
    const expected = validateFields(CLUSTER, msg);
    expect(validateFields(envoy.config.cluster.v3.Cluster, msg)).toEqual(expected);
    expect(validateFields(`type.googleapis.com/${CLUSTER}`, msg)).toEqual(expected);
  });

  test('rejects a type it does not know', () => {
    expect(() => validateFields('envoy.nope.v3.Nope', {})).toThrow(UnknownTypeError);
  });

  test('rejects a message that is not an object', () => {
    expect(validateFields(CLUSTER, 'cluster').errors).toEqual([
      { path: '', rule: 'type', message: 'must be a message of envoy.config.cluster.v3.Cluster (an object), got "cluster"', value: 'cluster' },
    ]);
  });
});

describe('Any with an unknown @type', () => {
  const listener = (typeUrl: string) => ({
    name: 'l',
    filterChains: [{ filters: [{ name: 'f', configType: { $case: 'typedConfig', typedConfig: { typeUrl, value: Buffer.alloc(0) } } }] }],
  });

  test('fails in strict mode (the default)', () => {
    const r = validateFields(LISTENER, listener('type.googleapis.com/acme.filters.v1.Secret'));
    expect(r.warnings).toEqual([]);
    expect(r.errors).toEqual([
      {
        path: 'filter_chains[0].filters[0].typed_config',
        rule: 'any.unknown_type',
        message: '@type "type.googleapis.com/acme.filters.v1.Secret" is not a known type (not in the registry of Envoy API messages)',
        value: 'type.googleapis.com/acme.filters.v1.Secret',
      },
    ]);
  });

  test('is a warning with strict: false', () => {
    const r = validateFields(LISTENER, listener('type.googleapis.com/acme.filters.v1.Secret'), { strict: false });
    expect(r.errors).toEqual([]);
    expect(brief(r.warnings)).toEqual(['filter_chains[0].filters[0].typed_config (any.unknown_type)']);
  });

  test('an empty @type is reported the same way', () => {
    expect(brief(validateFields(LISTENER, listener('')).errors)).toEqual(['filter_chains[0].filters[0].typed_config (any.unknown_type)']);
  });

  test('fails an Any whose bytes do not decode as its @type', () => {
    const l = listener(`type.googleapis.com/${HCM}`);
    (l.filterChains[0]!.filters[0]!.configType.typedConfig as { value: Buffer }).value = Buffer.from([0x0a, 0xff]);
    const errors = validateFields(LISTENER, l).errors;
    expect(brief(errors)).toEqual(['filter_chains[0].filters[0].typed_config (any.value)']);
    expect(errors[0]!.message).toMatch(/^cannot decode the value as envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager: /);
  });

  test('validates Anys in lists too: a DiscoveryResponse\'s resources', () => {
    const bad = pack(CLUSTER, { name: '' });
    const good = pack(CLUSTER, { name: 'ok' });
    const r = validateFields('envoy.service.discovery.v3.DiscoveryResponse', { resources: [good, bad, { typeUrl: 'type.googleapis.com/x.Y', value: Buffer.alloc(0) }] }, { strict: false });
    expect(brief(r.errors)).toEqual(['resources[1].name (string.min_len)']);
    expect(brief(r.warnings)).toEqual(['resources[2] (any.unknown_type)']);
  });
});

describe('the fixtures (real-world configurations)', () => {
  test.each(FIXTURE_NAMES)('%s has no field errors', (name) => {
    const r = validateFields(FIXTURES[name], loadFixture(name));
    expect(r).toEqual({ errors: [], warnings: [] });
  });
});

describe('the closure fallback (no code generation)', () => {
  test.each(FIXTURE_NAMES)('finds the same problems in %s, broken', (name) => {
    const type = FIXTURES[name];
    // Break every string of the fixture that a rule needs non-empty: same problems both ways.
    const broken = JSON.parse(JSON.stringify(loadFixture(name), (_k, v) => (v && v.type === 'Buffer' && Array.isArray(v.data) ? v : v)), (_k, v) =>
      v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data) : typeof v === 'string' && /^[a-z_.-]+$/.test(v) && v.length < 20 ? '' : v,
    );
    const fast = validateFields(type, broken, { strict: false });
    setCodegen(false);
    try {
      expect(validateFields(type, broken, { strict: false })).toEqual(fast);
    } finally {
      setCodegen(true);
    }
  });
});

describe('hasFieldRules', () => {
  test('is true for types with rules in their subtree and false for types without', () => {
    expect(hasFieldRules(CLUSTER)).toBe(true);
    expect(hasFieldRules(LISTENER)).toBe(true); // through typed_config Anys
    expect(hasFieldRules('envoy.extensions.filters.http.grpc_web.v3.GrpcWeb')).toBe(false);
  });
});
