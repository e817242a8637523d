/**
 * The example's config, as the files `xdskit serve` reads: the base resources for proxyless gRPC
 * clients, and an `envoy/` override directory for a real Envoy with node id `envoy`.
 *
 * What a gRPC xDS client needs (gRFC A27/A28): a Listener named after the target (`greeter`)
 * with an `api_listener` holding an HttpConnectionManager, routes over RDS through ADS and the
 * router filter last; EDS clusters whose `eds_config` is `ads`; localities with a
 * `load_balancing_weight`; endpoints with IP addresses. The route splits traffic between the
 * two clusters with `weighted_clusters`: the example moves those weights.
 */

/** The target gRPC clients dial: `xds:///greeter`. */
export const TARGET = 'greeter';

/** The node id of the Envoy bootstrap the example prints (its override directory). */
export const ENVOY_NODE = 'envoy';

/** The listener, clusters and endpoints (they never change in the example). */
export function baseYaml(ports: readonly [number, number]): string {
  const cluster = (c: string) => `
  - name: greeter-${c}
    type: EDS
    connect_timeout: 1s
    lb_policy: ROUND_ROBIN
    eds_cluster_config:
      eds_config: { ads: {}, resource_api_version: V3 }`;
  const endpoints = (c: string, port: number) => `
  - cluster_name: greeter-${c}
    endpoints:
      - locality: { region: local, zone: zone-${c} }
        load_balancing_weight: 1
        lb_endpoints:
          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }`;
  return `# Proxyless gRPC clients resolve xds:///${TARGET} through this listener.
listeners:
  - name: ${TARGET}
    api_listener:
      api_listener:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: ${TARGET}
        rds:
          route_config_name: ${TARGET}-routes
          config_source: { ads: {}, resource_api_version: V3 }
        http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
clusters:${cluster('a')}${cluster('b')}
endpoints:${endpoints('a', ports[0])}${endpoints('b', ports[1])}
`;
}

/** The route: what the example edits to shift traffic. */
export function routesYaml(weights: readonly [number, number]): string {
  return `routes:
  - name: ${TARGET}-routes
    virtual_hosts:
      - name: ${TARGET}
        domains: ["*"]
        routes:
          - match: { prefix: "/" }
            route:
              weighted_clusters:
                clusters:
                  - { name: greeter-a, weight: ${weights[0]} }
                  - { name: greeter-b, weight: ${weights[1]} }
`;
}

/**
 * The override for a real Envoy (node id `envoy`): the same listener name, but a socket
 * listener on 127.0.0.1:10000, and clusters that speak HTTP/2 to the gRPC backends. Routes and
 * endpoints are shared with the gRPC clients.
 */
export function envoyOverrideYaml(): string {
  const cluster = (c: string) => `
  - name: greeter-${c}
    type: EDS
    connect_timeout: 1s
    eds_cluster_config:
      eds_config: { ads: {}, resource_api_version: V3 }
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }`;
  return `# Node "${ENVOY_NODE}" (a real Envoy) gets a socket listener instead of the api_listener.
listeners:
  - name: ${TARGET}
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
      - filters:
          - name: envoy.filters.network.http_connection_manager
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
              stat_prefix: ${TARGET}
              codec_type: AUTO
              rds:
                route_config_name: ${TARGET}-routes
                config_source: { ads: {}, resource_api_version: V3 }
              http_filters:
                - name: envoy.filters.http.router
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
clusters:${cluster('a')}${cluster('b')}
`;
}

/** An Envoy bootstrap that takes everything from this control plane over ADS. */
export function envoyBootstrapYaml(port: number): string {
  return `# envoy -c bootstrap.yaml   (then: grpc requests to 127.0.0.1:10000 reach the backends)
node:
  id: ${ENVOY_NODE}
  cluster: example
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services:
      - envoy_grpc: { cluster_name: xds }
  lds_config: { ads: {}, resource_api_version: V3 }
  cds_config: { ads: {}, resource_api_version: V3 }
static_resources:
  clusters:
    - name: xds
      type: STATIC
      connect_timeout: 1s
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config: { http2_protocol_options: {} }
      load_assignment:
        cluster_name: xds
        endpoints:
          - lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }
`;
}
