/**
 * The canonical snapshot fixture shared by the cache, diff and server tests.
 *
 * One listener `ingress` on 0.0.0.0:10000 whose HTTP connection manager takes its routes over
 * RDS (`local_route`, through ADS) and ends with the router; `local_route` sends `/api` to the
 * cluster `api` and everything else to `web`; both clusters take their endpoints over EDS
 * (through ADS), and `api`'s assignment has two endpoints in one weighted locality. It is valid
 * Envoy config (every reference resolves), small, and written as Envoy YAML so tests read it
 * like a config file.
 *
 * `fixtureResources()` returns fresh message objects on each call; `fixtureSnapshot()` a new
 * snapshot of them. Helpers make more resources of the same shapes for tests that need many.
 */
import { Snapshot, type SnapshotOptions } from 'xdskit/cache';
import { loadEnvoyConfig, TypeUrl } from 'xdskit';

/** The names in the fixture. */
export const FIXTURE = Object.freeze({
  listener: 'ingress',
  route: 'local_route',
  clusters: Object.freeze(['api', 'web'] as const),
  endpoints: Object.freeze(['api', 'web'] as const),
  port: 10000,
});

/** The fixture as an Envoy resource file (the shape `xdskit validate/diff/serve` read). */
export const FIXTURE_YAML = `
listeners:
  - name: ingress
    address:
      socket_address: { address: 0.0.0.0, port_value: 10000 }
    filter_chains:
      - filters:
          - name: envoy.filters.network.http_connection_manager
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
              stat_prefix: ingress_http
              rds:
                route_config_name: local_route
                config_source: { ads: {}, resource_api_version: V3 }
              http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
routes:
  - name: local_route
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
          - match: { prefix: /api }
            route: { cluster: api, timeout: 5s }
          - match: { prefix: / }
            route: { cluster: web }
clusters:
  - name: api
    type: EDS
    connect_timeout: 1s
    eds_cluster_config:
      eds_config: { ads: {}, resource_api_version: V3 }
  - name: web
    type: EDS
    connect_timeout: 0.25s
    lb_policy: LEAST_REQUEST
    eds_cluster_config:
      eds_config: { ads: {}, resource_api_version: V3 }
endpoints:
  - cluster_name: api
    endpoints:
      - locality: { region: local, zone: a }
        load_balancing_weight: 1
        lb_endpoints:
          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8081 } } }
          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8082 } } }
  - cluster_name: web
    endpoints:
      - locality: { region: local, zone: a }
        load_balancing_weight: 1
        lb_endpoints:
          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8090 } } }
`;

/** The fixture's resources, by kind, as fresh messages. */
export function fixtureResources(): { listeners: unknown[]; routes: unknown[]; clusters: unknown[]; endpoints: unknown[] } {
  const r = loadEnvoyConfig({ text: FIXTURE_YAML, source: 'fixture' }).resources;
  return {
    listeners: r.get(TypeUrl.Listener) ?? [],
    routes: r.get(TypeUrl.RouteConfiguration) ?? [],
    clusters: r.get(TypeUrl.Cluster) ?? [],
    endpoints: r.get(TypeUrl.ClusterLoadAssignment) ?? [],
  };
}

/** A snapshot of the fixture. */
export function fixtureSnapshot(options: SnapshotOptions = {}): Snapshot {
  return Snapshot.create(fixtureResources(), options);
}

/** An EDS cluster of the fixture's shape. */
export function edsCluster(name: string, connectTimeoutSeconds = 1): Record<string, unknown> {
  return {
    name,
    clusterDiscoveryType: { $case: 'type', type: 3 /* EDS */ },
    connectTimeout: { seconds: String(connectTimeoutSeconds), nanos: 0 },
    edsClusterConfig: { serviceName: '', edsConfig: { configSourceSpecifier: { $case: 'ads', ads: {} }, resourceApiVersion: 2 } },
  };
}

/** A ClusterLoadAssignment with one locality holding endpoints on 127.0.0.1 at the given ports. */
export function assignment(clusterName: string, ports: readonly number[]): Record<string, unknown> {
  return {
    clusterName,
    endpoints: [
      {
        locality: { region: 'local', zone: 'a', subZone: '' },
        loadBalancingWeight: 1,
        lbEndpoints: ports.map((port) => ({
          hostIdentifier: {
            $case: 'endpoint',
            endpoint: { address: { address: { $case: 'socketAddress', socketAddress: { address: '127.0.0.1', portSpecifier: { $case: 'portValue', portValue: port } } } } },
          },
        })),
      },
    ],
  };
}
