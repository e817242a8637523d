/**
 * The xDS resources a proxyless gRPC client needs to reach two backends, as YAML (what
 * `xdskit serve` reads) and as loaded messages by type URL (what a test puts in the cache).
 *
 * What gRPC requires (gRFC A27/A28): an LDS `Listener` named after the target with an
 * `api_listener` holding an HttpConnectionManager whose routes come from RDS over ADS and whose
 * last HTTP filter is the router; EDS clusters whose `eds_config` is `ads`; localities with a
 * `load_balancing_weight`; endpoints with IP addresses. The route splits traffic between the
 * two clusters with `weighted_clusters`.
 */
import { loadEnvoyConfig } from 'xdskit';

/** Where the backends listen and how traffic is split. */
export interface MeshOptions {
  /** The target name: clients dial `xds:///NAME`. */
  name: string;
  /** Ports of backend a and backend b on 127.0.0.1. */
  ports: [number, number];
  /** Route weights of cluster a and b. @default [50, 50] */
  weights?: [number, number];
  /** Address of backend b's endpoint (a DNS name here makes gRPC NACK the EDS update). */
  addressB?: string;
  /** lb_policy of cluster b (`MAGLEV`: valid for Envoy, NACKed by gRPC). @default ROUND_ROBIN */
  lbPolicyB?: string;
}

/** The listener, route, clusters and endpoints as one YAML document of resources by kind. */
export function meshYaml(o: MeshOptions): string {
  const [wa, wb] = o.weights ?? [50, 50];
  const cluster = (c: string) => `
- name: ${o.name}-${c}
  type: EDS
  connect_timeout: 1s
  lb_policy: ${c === 'b' ? (o.lbPolicyB ?? 'ROUND_ROBIN') : 'ROUND_ROBIN'}
  eds_cluster_config:
    eds_config: { ads: {}, resource_api_version: V3 }`;
  const endpoint = (c: string, address: string, port: number) => `
- cluster_name: ${o.name}-${c}
  endpoints:
  - locality: { zone: zone-${c} }
    load_balancing_weight: 1
    lb_endpoints:
    - endpoint: { address: { socket_address: { address: ${address}, port_value: ${port} } } }`;
  return `listeners:
- name: ${o.name}
  api_listener:
    api_listener:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: ${o.name}
      rds:
        route_config_name: ${o.name}-routes
        config_source: { ads: {}, resource_api_version: V3 }
      http_filters:
      - name: envoy.filters.http.router
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
routes:
- name: ${o.name}-routes
  virtual_hosts:
  - name: ${o.name}
    domains: ["*"]
    routes:
    - match: { prefix: "/" }
      route:
        weighted_clusters:
          clusters:
          - { name: ${o.name}-a, weight: ${wa} }
          - { name: ${o.name}-b, weight: ${wb} }
clusters:${cluster('a')}${cluster('b')}
endpoints:${endpoint('a', '127.0.0.1', o.ports[0])}${endpoint('b', o.addressB ?? '127.0.0.1', o.ports[1])}
`;
}

/** The same resources, loaded: type URL → messages. */
export function meshResources(o: MeshOptions): Map<string, unknown[]> {
  return loadEnvoyConfig({ text: meshYaml(o), source: 'mesh.yaml' }).resources;
}
