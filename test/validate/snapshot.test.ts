import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromYaml, loadEnvoyConfig, resourcesByKind } from 'xdskit';
import { validateBootstrap, validateSnapshot } from 'xdskit/validate';

const SNAPSHOT = fs.readFileSync(new URL('./fixtures/snapshot.yaml', import.meta.url), 'utf8');

/** The fixture snapshot with `from` replaced by `to` (which must occur). */
function variant(...edits: [string, string][]): string {
  let text = SNAPSHOT;
  for (const [from, to] of edits) {
    expect(text.includes(from), `fixture contains ${from}`).toBe(true);
    text = text.replace(from, to);
  }
  return text;
}
const load = (text: string) => loadEnvoyConfig({ text }).resources;
const check = (text: string, options = {}) => validateSnapshot(load(text), options);

describe('validateSnapshot', () => {
  it('accepts a consistent snapshot: every reference resolves, nothing is left unreferenced', () => {
    expect(check(SNAPSHOT)).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it('takes resources by kind as well as a map by type URL', () => {
    const byUrl = load(SNAPSHOT);
    const byKind = resourcesByKind(byUrl);
    expect(Object.keys(byKind).sort()).toEqual(['clusters', 'endpoints', 'listeners', 'routes', 'secrets']);
    expect(validateSnapshot(byKind)).toEqual({ ok: true, errors: [], warnings: [] });
    const broken = resourcesByKind(load(variant(['route_config_name: local', 'route_config_name: locals'])));
    expect(validateSnapshot(broken).errors).toEqual(validateSnapshot(new Map(Object.entries(broken).map(([k, v]) => [`type.googleapis.com/${kindUrl(k)}`, v]))).errors);
  });

  it('fails when an RDS route configuration name does not resolve (reference.route)', () => {
    const r = check(variant(['route_config_name: local', 'route_config_name: locals']));
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      {
        path: 'listeners[ingress].filter_chains[0].filters[0].typed_config.rds.route_config_name',
        rule: 'reference.route',
        message: 'route configuration "locals" is not defined: no route configuration has that name',
        value: 'locals',
      },
    ]);
    expect(r.warnings).toEqual([
      { path: 'routes[local]', rule: 'unreferenced', message: 'route configuration "local" is not referenced by any other resource', value: 'local' },
    ]);
  });

  it('fails when a cluster named by a route, a weighted cluster or a mirror policy is missing (reference.cluster)', () => {
    const r = check(variant(['- name: shadow\n    type', '- name: shadow2\n    type'], ['{ name: orders-v2, weight: 10 }', '{ name: orders-v3, weight: 10 }'], ['cluster: web\n', 'cluster: webb\n']));
    expect(r.errors.map((p) => [p.path, p.rule, p.value])).toEqual([
      ['routes[local].virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name', 'reference.cluster', 'orders-v3'],
      ['routes[local].virtual_hosts[0].routes[2].route.cluster', 'reference.cluster', 'webb'],
      ['routes[local].virtual_hosts[0].routes[2].route.request_mirror_policies[0].cluster', 'reference.cluster', 'shadow'],
    ]);
    expect(r.errors[2]!.message).toBe('cluster "shadow" is not defined: no cluster has that name');
    expect(r.warnings.map((p) => p.path)).toEqual(['clusters[web]', 'clusters[orders-v2]', 'clusters[shadow2]']);
  });

  it('gives the path through an inline route_config', () => {
    const inline = variant([
      'rds:\n                route_config_name: local\n                config_source: { ads: {}, resource_api_version: V3 }',
      'route_config:\n                virtual_hosts:\n                  - { name: all, domains: ["*"], routes: [{ match: { prefix: /a }, route: { cluster: web } }, { match: { prefix: / }, route: { cluster: nowhere } }] }',
    ]);
    const r = check(inline);
    expect(r.errors).toEqual([
      {
        path: 'listeners[ingress].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[1].route.cluster',
        rule: 'reference.cluster',
        message: 'cluster "nowhere" is not defined: no cluster has that name',
        value: 'nowhere',
      },
    ]);
  });

  it('does not resolve cluster_header: the cluster is chosen per request', () => {
    expect(SNAPSHOT).toContain('cluster_header: x-tenant-cluster');
    expect(check(SNAPSHOT).errors).toEqual([]);
  });

  it('fails when a TCP proxy or an HTTP filter names a missing cluster', () => {
    const r = check(variant(['{ name: pg-canary, weight: 10 }', '{ name: pg-canary-2, weight: 10 }'], ['cluster_name: authz }', 'cluster_name: authz-2 }'], ['cluster: idp,', 'cluster: idp-2,']));
    expect(r.errors.map((p) => p.path)).toEqual([
      'listeners[ingress].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.grpc_service.envoy_grpc.cluster_name',
      'listeners[ingress].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.providers[idp].remote_jwks.http_uri.cluster',
      'listeners[postgres].filter_chains[0].filters[0].typed_config.weighted_clusters.clusters[1].name',
    ]);
    expect(new Set(r.errors.map((p) => p.rule))).toEqual(new Set(['reference.cluster']));
  });

  it('fails when an EDS cluster has no ClusterLoadAssignment by its service name or its name (reference.endpoints)', () => {
    const r = check(variant(['- cluster_name: orders\n', '- cluster_name: orders-v1\n'], ['- cluster_name: web\n', '- cluster_name: web-eds\n']));
    expect(r.errors).toEqual([
      {
        path: 'clusters[web].name',
        rule: 'reference.endpoints',
        message: 'cluster load assignment "web" is not defined: no cluster load assignment has that name',
        value: 'web',
      },
      {
        path: 'clusters[orders-v1].eds_cluster_config.service_name',
        rule: 'reference.endpoints',
        message: 'cluster load assignment "orders" is not defined: no cluster load assignment has that name',
        value: 'orders',
      },
    ]);
    expect(r.warnings.map((w) => [w.path, w.rule])).toEqual([
      ['endpoints[web-eds]', 'unreferenced'],
      ['endpoints[orders-v1]', 'unreferenced'],
    ]);
  });

  it('skips endpoint references when told to (a config dump without EDS)', () => {
    const text = variant(['- cluster_name: orders\n', '- cluster_name: orders-v1\n']);
    expect(check(text, { unchecked: ['endpoints'] }).errors).toEqual([]);
  });

  it('does not require the cluster that carries xDS itself: it is a bootstrap cluster', () => {
    expect(SNAPSHOT).toContain('cluster_name: xds_cluster');
    expect(check(SNAPSHOT).errors).toEqual([]);
  });

  it('fails when an SDS secret name does not resolve (reference.secret)', () => {
    const r = check(variant(['- name: pg-cert\n    tls_certificate', '- name: pg-certificate\n    tls_certificate']));
    expect(r.errors).toEqual([
      {
        path: 'listeners[postgres].filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name',
        rule: 'reference.secret',
        message: 'secret "pg-cert" is not defined: no secret has that name',
        value: 'pg-cert',
      },
    ]);
    expect(r.warnings).toMatchObject([{ path: 'secrets[pg-certificate]', rule: 'unreferenced' }]);
  });

  it('checks a static SDS name (no sds_config) only against a given bootstrap', () => {
    const text = variant(['\n                  sds_config: { ads: {}, resource_api_version: V3 }', ''], ['- name: pg-cert\n    tls_certificate', '- name: other\n    tls_certificate']);
    expect(check(text).errors).toEqual([]);
    const bootstrap = fromYaml('envoy.config.bootstrap.v3.Bootstrap', 'static_resources: { secrets: [{ name: pg-cert, tls_certificate: { certificate_chain: { filename: /a } } }] }');
    expect(check(text, { bootstrap }).errors).toEqual([]);
    const empty = fromYaml('envoy.config.bootstrap.v3.Bootstrap', 'static_resources: {}');
    expect(check(text, { bootstrap: empty }).errors).toMatchObject([{ rule: 'reference.secret', value: 'pg-cert' }]);
  });

  it('counts the clusters of a given bootstrap as present', () => {
    const text = variant(['- name: authz\n    type', '- name: authz-old\n    type']);
    expect(check(text).errors).toMatchObject([{ rule: 'reference.cluster', value: 'authz' }]);
    const bootstrap = fromYaml('envoy.config.bootstrap.v3.Bootstrap', 'static_resources: { clusters: [{ name: authz, type: STATIC }] }');
    expect(check(text, { bootstrap }).errors).toEqual([]);
  });

  it('does not resolve references through a file config source', () => {
    const text = variant(['route_config_name: local\n                config_source: { ads: {}, resource_api_version: V3 }', 'route_config_name: from-file\n                config_source: { path_config_source: { path: /etc/envoy/rds.yaml } }']);
    const r = check(text);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toMatchObject([{ path: 'routes[local]', rule: 'unreferenced' }]);
  });

  it('fails on two resources of one type with the same name (duplicate_name), and on a nameless one (resource_name)', () => {
    const text = variant(['  - name: idp\n    type: LOGICAL_DNS', '  - name: authz\n    type: LOGICAL_DNS'], ['  - name: postgres\n    address: { socket_address: { address: 0.0.0.0, port_value: 5432 } }', '  - name: ""\n    address: { pipe: { path: /tmp/x } }']);
    const r = check(text);
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { path: 'listeners[1]', rule: 'resource_name', message: 'a listener needs a name to be served and referenced' },
        { path: 'clusters[authz]', rule: 'duplicate_name', message: 'cluster name "authz" is used twice: names must be unique per type', value: 'authz' },
      ]),
    );
  });

  it('fails on two listeners bound to one address and port (listener.address_unique)', () => {
    const r = check(variant(['port_value: 5432 } }\n    filter_chains', 'port_value: 8080 } }\n    filter_chains']));
    expect(r.errors).toEqual([
      {
        path: 'listeners[postgres].address',
        rule: 'listener.address_unique',
        message: 'listener "postgres" binds 0.0.0.0:8080 (TCP), already bound by listener "ingress"; set bind_to_port: false on one of them or use another port',
        value: 'TCP 0.0.0.0:8080',
      },
    ]);
  });

  it('accepts two listeners on one port when one does not bind, or one is UDP', () => {
    expect(check(variant(['port_value: 5432 } }\n    filter_chains', 'port_value: 8080 } }\n    bind_to_port: false\n    filter_chains'])).errors).toEqual([]);
    expect(check(variant(['port_value: 5432 } }\n    filter_chains', 'port_value: 8080, protocol: UDP } }\n    filter_chains'])).errors).toEqual([]);
  });

  it('also validates each resource, with its path under the resource name', () => {
    const r = check(variant(['domains: [api.example.com]', 'domains: [api.*.example.com]']));
    expect(r.errors).toMatchObject([{ path: 'routes[local].virtual_hosts[0].domains[0]', rule: 'virtual_host.domain_wildcard' }]);
    expect(validateSnapshot(load(variant(['domains: [api.example.com]', 'domains: [api.*.example.com]'])), { referencesOnly: true }).errors).toEqual([]);
  });

  it('resolves scoped route configurations to route configurations, and requires some for SRDS', () => {
    const scoped = `
listeners:
  - name: scoped
    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
    filter_chains:
      - filters:
          - name: hcm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
              stat_prefix: s
              scoped_routes:
                name: by-tenant
                scope_key_builder: { fragments: [{ header_value_extractor: { name: x-tenant, index: 0 } }] }
                rds_config_source: { ads: {} }
                scoped_rds: { scoped_rds_config_source: { ads: {} } }
              http_filters: [{ name: router, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } }]
scoped_routes:
  - { name: tenant-a, route_configuration_name: tenant-a-routes, key: { fragments: [{ string_key: a }] } }
routes:
  - { name: tenant-a-routes, virtual_hosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, direct_response: { status: 200 } }] }] }
`;
    expect(check(scoped)).toEqual({ ok: true, errors: [], warnings: [] });
    const missing = check(scoped.replace('route_configuration_name: tenant-a-routes', 'route_configuration_name: tenant-b-routes'));
    expect(missing.errors).toMatchObject([{ path: 'scoped_routes[tenant-a].route_configuration_name', rule: 'reference.route', value: 'tenant-b-routes' }]);
    const none = check(scoped.replace(/scoped_routes:\n {2}- .*\n/, ''));
    expect(none.errors).toMatchObject([{ path: 'listeners[scoped].filter_chains[0].filters[0].typed_config.scoped_routes.scoped_rds', rule: 'reference.scoped_routes' }]);
  });

  it('resolves filters configured by ECDS to extension configs (reference.extension_config)', () => {
    const text = variant([
      '- name: envoy.filters.http.ext_authz\n                  typed_config:',
      '- name: dynamic-authz\n                  config_discovery: { config_source: { ads: {} }, type_urls: [type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz] }\n                - name: static-authz\n                  typed_config:',
    ]);
    expect(check(text).errors).toMatchObject([{ path: 'listeners[ingress].filter_chains[0].filters[0].typed_config.http_filters[0].name', rule: 'reference.extension_config', value: 'dynamic-authz' }]);
  });
});

describe('validateBootstrap', () => {
  const bootstrap = (name: string) => loadEnvoyConfig(`test/fixtures/${name}.yaml`).bootstrap!;

  it('accepts the static and the ADS bootstrap fixtures', () => {
    expect(validateBootstrap(bootstrap('bootstrap-static'))).toEqual({ ok: true, errors: [], warnings: [] });
    expect(validateBootstrap(bootstrap('bootstrap-ads'))).toMatchObject({ ok: true, errors: [] });
  });

  const staticBootstrap = (route: string, extra = '') => `
${extra}
static_resources:
  listeners:
    - name: http
      address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
      filter_chains:
        - filters:
            - name: hcm
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: http
                route_config: { virtual_hosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: ${route} } }] }] }
                http_filters: [{ name: router, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } }]
  clusters:
    - name: web
      load_assignment: { cluster_name: web, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }] }
`;
  const bs = (text: string) => validateBootstrap(loadEnvoyConfig({ text }).bootstrap!);

  it('fails when a static route names a cluster that is not a static cluster, in a bootstrap without CDS', () => {
    expect(bs(staticBootstrap('web')).errors).toEqual([]);
    expect(bs(staticBootstrap('api')).errors).toEqual([
      {
        path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.cluster',
        rule: 'reference.cluster',
        message: 'static cluster "api" is not defined: no static cluster has that name',
        value: 'api',
      },
    ]);
  });

  it('lets a route name a cluster that CDS will deliver', () => {
    const cds = 'dynamic_resources: { cds_config: { ads: {} }, ads_config: { api_type: GRPC, grpc_services: [{ envoy_grpc: { cluster_name: web } }] } }';
    expect(bs(staticBootstrap('api', cds)).errors).toEqual([]);
  });

  it('fails when the ADS config source names a cluster that is not static', () => {
    const ads = 'dynamic_resources: { cds_config: { ads: {} }, ads_config: { api_type: GRPC, grpc_services: [{ envoy_grpc: { cluster_name: xds } }] } }';
    expect(bs(staticBootstrap('web', ads)).errors).toEqual([
      {
        path: 'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name',
        rule: 'reference.cluster',
        message: 'static cluster "xds" is not defined: no static cluster has that name',
        value: 'xds',
      },
    ]);
  });

  it('fails when cluster_manager.local_cluster_name is not a static cluster', () => {
    expect(bs(staticBootstrap('web', 'cluster_manager: { local_cluster_name: local }')).errors).toMatchObject([{ path: 'cluster_manager.local_cluster_name', rule: 'reference.cluster' }]);
  });

  it('warns about a static cluster nothing references, in a fully static bootstrap', () => {
    const text = staticBootstrap('web') + '    - name: spare\n      load_assignment: { cluster_name: spare, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } } }] }] }\n';
    const r = bs(text);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([
      { path: 'static_resources.clusters[1]', rule: 'unreferenced', message: 'static cluster "spare" is not referenced by any other resource', value: 'spare' },
    ]);
  });

  it('fails when a static SDS secret name does not resolve', () => {
    const text = staticBootstrap('web').replace(
      '        - filters:',
      '        - transport_socket: { name: tls, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, common_tls_context: { tls_certificate_sds_secret_configs: [{ name: server-cert }] } } }\n          filters:',
    );
    expect(bs(text).errors).toMatchObject([{ path: 'static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name', rule: 'reference.secret', value: 'server-cert' }]);
  });

  it('fails on two static listeners on one address', () => {
    const text = staticBootstrap('web').replace('  clusters:', `    - name: http2
      address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
      filter_chains: [{ filters: [{ name: tcp, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: web } }] }]
  clusters:`);
    expect(bs(text).errors).toMatchObject([{ path: 'static_resources.listeners[1].address', rule: 'listener.address_unique' }]);
  });
});

function kindUrl(kind: string): string {
  return (
    {
      listeners: 'envoy.config.listener.v3.Listener',
      routes: 'envoy.config.route.v3.RouteConfiguration',
      clusters: 'envoy.config.cluster.v3.Cluster',
      endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
      secrets: 'envoy.extensions.transport_sockets.tls.v3.Secret',
    } as Record<string, string>
  )[kind]!;
}
