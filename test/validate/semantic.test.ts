import { describe, expect, it } from 'vitest';
import { fromYaml, pack } from 'xdskit';
import { checkSemantics, validate } from 'xdskit/validate';

const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTES = 'envoy.config.route.v3.RouteConfiguration';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

/** Semantic problems of a YAML message. */
function sem(type: string, yaml: string) {
  return checkSemantics(type, fromYaml(type, yaml));
}
const rules = (ps: { rule: string }[]) => ps.map((p) => p.rule);

const ROUTER = `
  - name: envoy.filters.http.router
    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;

function hcm(httpFilters: string, routeSpecifier = 'route_config: { name: local, virtual_hosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: web } }] }] }') {
  return `
stat_prefix: ingress
${routeSpecifier}
http_filters:${httpFilters}
`;
}

describe('listener rules', () => {
  it('rejects a listener with no address (listener.address)', () => {
    const r = sem(LISTENER, 'name: l\nfilter_chains: [{ filters: [] }]');
    expect(r.errors).toEqual([
      {
        path: 'address',
        rule: 'listener.address',
        message: 'a listener needs an address (socket_address or pipe) unless it is an api_listener or an internal_listener',
      },
    ]);
  });

  it('accepts an internal listener and an API listener without an address', () => {
    expect(sem(LISTENER, 'name: l\ninternal_listener: {}').errors).toEqual([]);
    const api = fromYaml(LISTENER, 'name: l');
    api.apiListener = { apiListener: pack(HCM, fromYaml(HCM, hcm(ROUTER))) };
    expect(checkSemantics(LISTENER, api).errors).toEqual([]);
  });

  it('rejects a network filter chain whose terminal filter is not last (filter_chain.terminal_filter)', () => {
    const r = sem(
      LISTENER,
      `
name: tcp
address: { socket_address: { address: 0.0.0.0, port_value: 9000 } }
filter_chains:
  - filters:
      - name: tcp
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: tcp, cluster: db }
      - name: rbac
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC, stat_prefix: rbac }
`,
    );
    expect(r.errors).toEqual([
      {
        path: 'filter_chains[0].filters[0]',
        rule: 'filter_chain.terminal_filter',
        message: 'network filter "tcp" (envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy) is terminal and must be the last filter; 1 filter(s) follow it',
      },
      {
        path: 'filter_chains[0].filters[1]',
        rule: 'filter_chain.terminal_filter',
        message:
          'the last network filter must be a terminal filter such as envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager or tcp_proxy.v3.TcpProxy; got "rbac" (envoy.extensions.filters.network.rbac.v3.RBAC)',
      },
    ]);
  });

  const chains = (a: string, b: string) => `
name: tls
address: { socket_address: { address: 0.0.0.0, port_value: 443 } }
filter_chains:
  - ${a}
    filters: [{ name: tcp, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: a } }]
  - ${b}
    filters: [{ name: tcp, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: b } }]
`;

  it('rejects two filter chains with the same match, whatever the order of its lists (listener.filter_chain_match)', () => {
    const r = sem(LISTENER, chains('filter_chain_match: { server_names: [a.example.com, b.example.com] }', 'filter_chain_match: { server_names: [b.example.com, a.example.com] }'));
    expect(r.errors).toEqual([
      {
        path: 'filter_chains[1].filter_chain_match',
        rule: 'listener.filter_chain_match',
        message: 'filter chains 0 and 1 have the same match {server_names: [a.example.com, b.example.com]}: envoy rejects the listener',
      },
    ]);
  });

  it('rejects two filter chains without a match: two defaults (listener.filter_chain_match)', () => {
    const r = sem(LISTENER, chains('name: one', 'name: two'));
    expect(r.errors).toEqual([
      {
        path: 'filter_chains[1]',
        rule: 'listener.filter_chain_match',
        message: 'filter chains 0 and 1 have the same match an empty filter_chain_match (matches every connection): envoy rejects the listener',
      },
    ]);
  });

  it('compares CIDR ranges by their network', () => {
    const r = sem(LISTENER, chains('filter_chain_match: { prefix_ranges: [{ address_prefix: 10.1.2.3, prefix_len: 8 }] }', 'filter_chain_match: { prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }'));
    expect(rules(r.errors)).toEqual(['listener.filter_chain_match']);
  });

  it('rejects filter chains whose lists overlap on one value', () => {
    const r = sem(LISTENER, chains('filter_chain_match: { server_names: [a.example.com, b.example.com] }', 'filter_chain_match: { server_names: [b.example.com] }'));
    expect(r.errors).toEqual([
      {
        path: 'filter_chains[1].filter_chain_match',
        rule: 'listener.filter_chain_match',
        message: 'filter chain 1 overlaps filter chain 0: both match server_names b.example.com; envoy rejects overlapping filter chain matches',
      },
    ]);
  });

  it('accepts filter chains that differ on any dimension', () => {
    expect(sem(LISTENER, chains('filter_chain_match: { server_names: [a.example.com] }', 'filter_chain_match: { server_names: [a.example.com], transport_protocol: tls }')).errors).toEqual([]);
    expect(sem(LISTENER, chains('filter_chain_match: { destination_port: 443 }', 'name: default')).errors).toEqual([]);
  });

  it('warns about a filter chain name used twice without a filter_chain_matcher, which envoy accepts (listener.filter_chain_name)', () => {
    const r = sem(LISTENER, chains('name: same\n    filter_chain_match: { destination_port: 1 }', 'name: same'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      {
        path: 'filter_chains[1].name',
        rule: 'listener.filter_chain_name',
        message: 'filter chain name "same" is already used by filter_chains[0]: envoy accepts it, but stats and config dumps cannot tell the chains apart',
        value: 'same',
      },
    ]);
  });

  it('rejects address_suffix and suffix_len, which envoy does not implement (listener.filter_chain_match)', () => {
    const r = sem(LISTENER, chains('filter_chain_match: { address_suffix: "::1", suffix_len: 8 }', 'filter_chain_match: { destination_port: 8443 }'));
    expect(r.errors).toMatchObject([
      { path: 'filter_chains[0].filter_chain_match.address_suffix', rule: 'listener.filter_chain_match' },
      { path: 'filter_chains[0].filter_chain_match.suffix_len', rule: 'listener.filter_chain_match' },
    ]);
  });

  it('warns about a "*" after a leading "*.", which envoy takes literally (listener.server_names)', () => {
    const r = sem(LISTENER, chains('filter_chain_match: { server_names: ["*.a*.example.com"] }', 'name: other'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toMatchObject([{ path: 'filter_chains[0].filter_chain_match.server_names[0]', rule: 'listener.server_names', value: '*.a*.example.com' }]);
  });

  it('rejects a partial wildcard in server_names (listener.server_names)', () => {
    const r = sem(LISTENER, chains('filter_chain_match: { server_names: ["api*.example.com"] }', 'filter_chain_match: { server_names: ["*.example.com"] }'));
    expect(r.errors).toEqual([
      {
        path: 'filter_chains[0].filter_chain_match.server_names[0]',
        rule: 'listener.server_names',
        message: 'server name "api*.example.com" has a partial wildcard: envoy only supports a leading "*." (like "*.example.com")',
        value: 'api*.example.com',
      },
    ]);
  });
});

describe('http connection manager rules', () => {
  it('explains a missing route source once, instead of the bare oneof rule (hcm.route_specifier)', () => {
    const msg = fromYaml(HCM, `stat_prefix: x\nhttp_filters:${ROUTER}`);
    const r = validate(HCM, msg);
    expect(r.errors).toEqual([
      {
        path: 'route_specifier',
        rule: 'hcm.route_specifier',
        message:
          'the http connection manager needs exactly one of rds (route configuration by name, from RDS), route_config (inline routes) or scoped_routes; none is set',
      },
    ]);
  });

  it('rejects a router that is not the last http filter (hcm.terminal_filter)', () => {
    const r = sem(
      HCM,
      hcm(`${ROUTER}
  - name: envoy.filters.http.cors
    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }`),
    );
    expect(r.errors).toEqual([
      {
        path: 'http_filters[0]',
        rule: 'hcm.terminal_filter',
        message: 'http filter "envoy.filters.http.router" (envoy.extensions.filters.http.router.v3.Router) is terminal and must be the last filter; 1 filter(s) follow it',
      },
      {
        path: 'http_filters[1]',
        rule: 'hcm.terminal_filter',
        message:
          'the last http filter must be a terminal filter such as the router (envoy.extensions.filters.http.router.v3.Router); got "envoy.filters.http.cors" (envoy.extensions.filters.http.cors.v3.Cors)',
      },
    ]);
  });

  it('rejects two routers', () => {
    expect(rules(sem(HCM, hcm(ROUTER + ROUTER)).errors)).toEqual(['hcm.terminal_filter']);
  });

  it('rejects a disabled router', () => {
    const r = sem(HCM, hcm(ROUTER + '\n    disabled: true'));
    expect(r.errors).toMatchObject([{ path: 'http_filters[0].disabled', rule: 'hcm.terminal_filter' }]);
  });

  it('finds the router by type, also inside a TypedStruct, whatever its name', () => {
    expect(sem(HCM, hcm(ROUTER.replace('envoy.filters.http.router', 'my-router'))).errors).toEqual([]);
    const typedStruct = `
  - name: wrapped
    typed_config: { "@type": type.googleapis.com/xds.type.v3.TypedStruct, type_url: type.googleapis.com/envoy.extensions.filters.http.router.v3.Router, value: {} }`;
    expect(sem(HCM, hcm(typedStruct)).errors).toEqual([]);
  });

  it('warns about an HCM without http filters', () => {
    const r = sem(HCM, hcm(' []'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toMatchObject([{ path: 'http_filters', rule: 'hcm.terminal_filter' }]);
  });

  it('checks an HCM wherever it is: inside a listener filter typed_config', () => {
    const r = sem(
      LISTENER,
      `
name: http
address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
filter_chains:
  - filters:
      - name: hcm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          ${hcm(`
            - name: envoy.filters.http.cors
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }`).trim().replace(/\n/g, '\n          ')}
`,
    );
    expect(r.errors).toMatchObject([{ path: 'filter_chains[0].filters[0].typed_config.http_filters[0]', rule: 'hcm.terminal_filter' }]);
  });

  it('rejects upstream http filters that do not end with the upstream codec (upstream_filters.terminal_filter)', () => {
    const r = sem(
      CLUSTER,
      `
name: api
type: STATIC
load_assignment: { cluster_name: api, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }] }
typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    explicit_http_config: { http2_protocol_options: {} }
    http_filters:
      - name: cors
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
`,
    );
    expect(r.errors).toMatchObject([
      {
        path: 'typed_extension_protocol_options[envoy.extensions.upstreams.http.v3.HttpProtocolOptions].http_filters[0]',
        rule: 'upstream_filters.terminal_filter',
      },
    ]);
  });
});

describe('route configuration rules', () => {
  const vhosts = (a: string, b: string) => `
name: r
virtual_hosts:
  - { name: one, domains: ${a}, routes: [{ match: { prefix: / }, route: { cluster: a } }] }
  - { name: two, domains: ${b}, routes: [{ match: { prefix: / }, route: { cluster: b } }] }
`;

  it('rejects a domain used by two virtual hosts, compared lower-case (virtual_host.domain_unique)', () => {
    const r = sem(ROUTES, vhosts('[api.example.com]', '[www.example.com, API.example.com]'));
    expect(r.errors).toEqual([
      {
        path: 'virtual_hosts[1].domains[1]',
        rule: 'virtual_host.domain_unique',
        message: 'domain "API.example.com" is already used by virtual host "one" (virtual_hosts[0]): a domain must be unique across a route configuration',
        value: 'API.example.com',
      },
    ]);
  });

  it('rejects two catch-all virtual hosts', () => {
    expect(sem(ROUTES, vhosts('["*"]', '["*"]')).errors).toMatchObject([{ path: 'virtual_hosts[1].domains[0]', rule: 'virtual_host.domain_unique' }]);
  });

  it('accepts * alone, as a prefix or as a suffix, and rejects it elsewhere (virtual_host.domain_wildcard)', () => {
    expect(sem(ROUTES, vhosts('["*.example.com", "*-bar.example.com"]', '["example.*", "*"]')).errors).toEqual([]);
    const r = sem(ROUTES, vhosts('["api.*.example.com"]', '["*.example.*"]'));
    expect(r.errors).toEqual([
      {
        path: 'virtual_hosts[0].domains[0]',
        rule: 'virtual_host.domain_wildcard',
        message: 'domain "api.*.example.com" has a wildcard envoy does not support: use "*" alone, once at the start ("*.example.com") or once at the end ("example.*")',
        value: 'api.*.example.com',
      },
      expect.objectContaining({ path: 'virtual_hosts[1].domains[0]', rule: 'virtual_host.domain_wildcard' }),
    ]);
  });

  const weighted = (clusters: string, extra = '') => `
name: r
virtual_hosts:
  - name: all
    domains: ["*"]
    routes:
      - match: { prefix: / }
        route: { weighted_clusters: { clusters: ${clusters} ${extra} } }
`;

  it('rejects weighted clusters whose weights add up to 0 (route.weighted_clusters)', () => {
    const r = sem(ROUTES, weighted('[{ name: a, weight: 0 }, { name: b }]'));
    expect(r.errors).toEqual([
      {
        path: 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters',
        rule: 'route.weighted_clusters',
        message: 'the weights of the weighted clusters add up to 0: at least one must be positive',
        value: 0,
      },
    ]);
  });

  it('rejects a total_weight other than the sum of the weights', () => {
    const r = sem(ROUTES, weighted('[{ name: a, weight: 30 }, { name: b, weight: 60 }]', ', total_weight: 100'));
    expect(r.errors).toEqual([
      {
        path: 'virtual_hosts[0].routes[0].route.weighted_clusters.total_weight',
        rule: 'route.weighted_clusters',
        message: 'the weights add up to 90 but total_weight is 100: they must be equal (or leave total_weight out)',
        value: 100,
      },
    ]);
    expect(sem(ROUTES, weighted('[{ name: a, weight: 40 }, { name: b, weight: 60 }]', ', total_weight: 100')).errors).toEqual([]);
  });

  it('rejects a weighted cluster entry without a name or a cluster header', () => {
    expect(sem(ROUTES, weighted('[{ weight: 1 }]')).errors).toMatchObject([{ path: 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0]', rule: 'route.weighted_clusters' }]);
  });

  it('rejects a route that rewrites the path two ways (route.rewrite)', () => {
    const r = sem(
      ROUTES,
      `
virtual_hosts:
  - name: all
    domains: ["*"]
    routes:
      - match: { prefix: /api }
        route: { cluster: api, prefix_rewrite: /, regex_rewrite: { pattern: { regex: "^/api" }, substitution: / } }
`,
    );
    expect(r.errors).toEqual([
      {
        path: 'virtual_hosts[0].routes[0].route.regex_rewrite',
        rule: 'route.rewrite',
        message: 'a route may rewrite the path one way only; it sets prefix_rewrite and regex_rewrite',
      },
    ]);
  });
});

describe('regex rules', () => {
  const route = (match: string) => `
virtual_hosts:
  - name: all
    domains: ["*"]
    routes:
      - match: ${match}
        route: { cluster: api }
`;

  it('rejects a regex that RE2 does not accept though JavaScript does (regex.re2)', () => {
    expect(() => new RegExp('^/(?=api)')).not.toThrow();
    const r = sem(ROUTES, route('{ safe_regex: { regex: "^/(?=api)" } }'));
    expect(r.errors).toEqual([
      {
        path: 'virtual_hosts[0].routes[0].match.safe_regex.regex',
        rule: 'regex.re2',
        message: 'regex "^/(?=api)" does not compile under re2: invalid or unsupported Perl syntax: `(?=`',
        value: '^/(?=api)',
      },
    ]);
  });

  it('checks every RegexMatcher: header matchers, string matchers, rewrites', () => {
    const r = sem(
      ROUTES,
      route(`{ prefix: /, headers: [{ name: x-id, string_match: { safe_regex: { regex: "(a" } } }] }
        typed_per_filter_config: {}`) +
        `      - match: { prefix: /b }
        route: { cluster: b, regex_rewrite: { pattern: { regex: "\\\\1" }, substitution: x } }
`,
    );
    expect(r.errors.map((p) => [p.path, p.rule])).toEqual([
      ['virtual_hosts[0].routes[0].match.headers[0].string_match.safe_regex.regex', 'regex.re2'],
      ['virtual_hosts[0].routes[1].route.regex_rewrite.pattern.regex', 'regex.re2'],
    ]);
  });

  it('accepts RE2 syntax, and warns about a program over envoy\'s default size', () => {
    expect(sem(ROUTES, route('{ safe_regex: { regex: "^/users/[0-9]+(/profile)?$" } }'))).toEqual({ errors: [], warnings: [] });
    const r = sem(ROUTES, route('{ safe_regex: { regex: "^/[a-z]{1,100}$" } }'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toMatchObject([{ path: 'virtual_hosts[0].routes[0].match.safe_regex.regex', rule: 'regex.program_size' }]);
  });

  it('warns about a substitution that names a group the regex does not have (regex.substitution)', () => {
    const r = sem(
      ROUTES,
      route('{ prefix: / }').replace('route: { cluster: api }', 'route: { cluster: api, regex_rewrite: { pattern: { regex: "^/(v1)/" }, substitution: "/\\\\2/" } }'),
    );
    expect(r.warnings).toMatchObject([{ path: 'virtual_hosts[0].routes[0].route.regex_rewrite.substitution', rule: 'regex.substitution' }]);
  });
});

describe('cluster rules', () => {
  it('rejects an EDS cluster without eds_cluster_config (cluster.eds_config)', () => {
    expect(sem(CLUSTER, 'name: api\ntype: EDS\nconnect_timeout: 1s').errors).toEqual([
      {
        path: 'eds_cluster_config',
        rule: 'cluster.eds_config',
        message: 'an EDS cluster needs eds_cluster_config with an eds_config (for example ads: {}) saying where its endpoints come from',
      },
    ]);
    expect(sem(CLUSTER, 'name: api\ntype: EDS\neds_cluster_config: { service_name: api }').errors).toMatchObject([
      { path: 'eds_cluster_config.eds_config', rule: 'cluster.eds_config' },
    ]);
    expect(sem(CLUSTER, 'name: api\ntype: EDS\neds_cluster_config: { eds_config: { ads: {} } }').errors).toEqual([]);
  });

  it('warns about a STATIC cluster without endpoints (cluster.endpoints)', () => {
    const r = sem(CLUSTER, 'name: blackhole\ntype: STATIC');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      {
        path: '',
        rule: 'cluster.endpoints',
        message: 'a STATIC cluster with no endpoints (load_assignment.endpoints[].lb_endpoints) fails every request with "no healthy upstream"',
      },
    ]);
  });

  it('rejects a LOGICAL_DNS cluster with more than one endpoint (cluster.logical_dns)', () => {
    const r = sem(
      CLUSTER,
      `
name: api
type: LOGICAL_DNS
load_assignment:
  cluster_name: api
  endpoints:
    - lb_endpoints:
        - endpoint: { address: { socket_address: { address: a.example.com, port_value: 443 } } }
        - endpoint: { address: { socket_address: { address: b.example.com, port_value: 443 } } }
`,
    );
    expect(r.errors).toEqual([
      {
        path: 'load_assignment.endpoints',
        rule: 'cluster.logical_dns',
        message: 'a LOGICAL_DNS cluster needs exactly one locality with exactly one lb_endpoint; it has 1 locality and 2 endpoint(s)',
      },
    ]);
  });

  it('rejects an ORIGINAL_DST cluster without CLUSTER_PROVIDED or with endpoints (cluster.original_dst)', () => {
    expect(sem(CLUSTER, 'name: passthrough\ntype: ORIGINAL_DST\nlb_policy: CLUSTER_PROVIDED').errors).toEqual([]);
    const r = sem(CLUSTER, 'name: passthrough\ntype: ORIGINAL_DST\nload_assignment: { cluster_name: passthrough }');
    expect(r.errors).toEqual([
      { path: 'lb_policy', rule: 'cluster.original_dst', message: 'an ORIGINAL_DST cluster needs lb_policy CLUSTER_PROVIDED, got ROUND_ROBIN', value: 'ROUND_ROBIN' },
      { path: 'load_assignment', rule: 'cluster.original_dst', message: 'an ORIGINAL_DST cluster takes its endpoint from the connection: it must have no load_assignment' },
    ]);
  });

  it('asks an ORIGINAL_DST cluster for lb_policy CLUSTER_PROVIDED even with a load_balancing_policy, as Envoy does', () => {
    const r = sem(
      CLUSTER,
      'name: passthrough\ntype: ORIGINAL_DST\nload_balancing_policy: { policies: [{ typed_extension_config: { name: envoy.load_balancing_policies.cluster_provided, typed_config: { "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.cluster_provided.v3.ClusterProvided } } }] }',
    );
    expect(r.errors).toMatchObject([{ path: 'lb_policy', rule: 'cluster.original_dst', value: 'ROUND_ROBIN' }]);
  });

  it('rejects an ORIGINAL_DST http_header_name without use_http_header (cluster.original_dst)', () => {
    const base = 'name: passthrough\ntype: ORIGINAL_DST\nlb_policy: CLUSTER_PROVIDED\n';
    expect(sem(CLUSTER, `${base}original_dst_lb_config: { use_http_header: true, http_header_name: x-dest }`).errors).toEqual([]);
    expect(sem(CLUSTER, `${base}original_dst_lb_config: { http_header_name: x-dest }`).errors).toEqual([
      {
        path: 'original_dst_lb_config.http_header_name',
        rule: 'cluster.original_dst',
        message: 'http_header_name "x-dest" is set but use_http_header is false: set use_http_header to true to use it',
        value: 'x-dest',
      },
    ]);
  });

  it('rejects CLUSTER_PROVIDED on a STATIC cluster (cluster.lb_policy)', () => {
    const r = sem(CLUSTER, 'name: api\nlb_policy: CLUSTER_PROVIDED\nload_assignment: { cluster_name: api, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }] }');
    expect(r.errors).toMatchObject([{ path: 'lb_policy', rule: 'cluster.lb_policy' }]);
  });

  it('warns about eds_cluster_config on a cluster that is not EDS', () => {
    const r = sem(CLUSTER, 'name: api\ntype: STRICT_DNS\neds_cluster_config: { eds_config: { ads: {} } }\nload_assignment: { cluster_name: api, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: api, port_value: 80 } } } }] }] }');
    expect(r.warnings).toMatchObject([{ path: 'eds_cluster_config', rule: 'cluster.eds_config' }]);
  });
});

describe('address rules', () => {
  const staticCluster = (type: string, address: string, port = 'port_value: 8080', extra = '') => `
name: api
type: ${type}
load_assignment:
  cluster_name: api
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "${address}", ${port} ${extra} } } } }] }]
`;

  it('rejects a host name where envoy wants an ip: a STATIC cluster (address.ip)', () => {
    expect(sem(CLUSTER, staticCluster('STATIC', 'api.internal')).errors).toEqual([
      {
        path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address',
        rule: 'address.ip',
        message: '"api.internal" is not an ip address: envoy resolves host names only in STRICT_DNS or LOGICAL_DNS clusters (this cluster is STATIC); use an ip literal or set resolver_name',
        value: 'api.internal',
      },
    ]);
  });

  it('accepts host names in DNS clusters, ips everywhere, and names with a resolver_name', () => {
    expect(sem(CLUSTER, staticCluster('STRICT_DNS', 'api.internal')).errors).toEqual([]);
    expect(sem(CLUSTER, staticCluster('LOGICAL_DNS', '10.0.0.1')).errors).toEqual([]);
    expect(sem(CLUSTER, staticCluster('STATIC', 'fe80::1')).errors).toEqual([]);
    expect(sem(CLUSTER, staticCluster('STATIC', 'api.internal', 'port_value: 80', ', resolver_name: custom')).errors).toEqual([]);
  });

  it('rejects an invalid host name in a DNS cluster (address.hostname)', () => {
    expect(sem(CLUSTER, staticCluster('STRICT_DNS', 'bad_host!')).errors).toMatchObject([{ rule: 'address.hostname', value: 'bad_host!' }]);
  });

  it('rejects a host name as a listener address, and in an EDS assignment', () => {
    expect(sem(LISTENER, 'name: l\naddress: { socket_address: { address: localhost, port_value: 80 } }').errors).toMatchObject([
      { path: 'address.socket_address.address', rule: 'address.ip' },
    ]);
    expect(sem(CLA, 'cluster_name: api\nendpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: api.internal, port_value: 80 } } } }] }]').errors).toMatchObject([
      { path: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', rule: 'address.ip' },
    ]);
  });

  it('rejects named ports (address.named_port)', () => {
    expect(sem(CLUSTER, staticCluster('STATIC', '10.0.0.1', 'named_port: http')).errors).toMatchObject([{ rule: 'address.named_port', value: 'http' }]);
  });

  it('rejects port 0 for an upstream endpoint but not for a listener (address.port)', () => {
    expect(sem(CLUSTER, staticCluster('STATIC', '10.0.0.1', 'port_value: 0')).errors).toMatchObject([
      { path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value', rule: 'address.port' },
    ]);
    expect(sem(LISTENER, 'name: l\naddress: { socket_address: { address: 127.0.0.1, port_value: 0 } }').errors).toEqual([]);
  });
});

describe('endpoint rules', () => {
  it('rejects an lb endpoint without an address (endpoint.address)', () => {
    expect(sem(CLA, 'cluster_name: api\nendpoints: [{ lb_endpoints: [{ endpoint: {} }] }]').errors).toEqual([
      {
        path: 'endpoints[0].lb_endpoints[0].endpoint.address',
        rule: 'endpoint.address',
        message: 'an lb endpoint needs an address (socket_address, pipe or envoy_internal_address)',
      },
    ]);
  });
});
