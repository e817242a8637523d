/**
 * Type URLs: the one prefix, the xDS resource types, and conversions.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-types
 */

/** The prefix of every type URL xdskit writes. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

const url = <N extends string>(name: N) => `${TYPE_URL_PREFIX}${name}` as `type.googleapis.com/${N}`;

/** Type URLs of the xDS resource types, built from {@link TYPE_URL_PREFIX}. */
export const TypeUrl = Object.freeze({
  Listener: url('envoy.config.listener.v3.Listener'),
  RouteConfiguration: url('envoy.config.route.v3.RouteConfiguration'),
  ScopedRouteConfiguration: url('envoy.config.route.v3.ScopedRouteConfiguration'),
  VirtualHost: url('envoy.config.route.v3.VirtualHost'),
  Cluster: url('envoy.config.cluster.v3.Cluster'),
  ClusterLoadAssignment: url('envoy.config.endpoint.v3.ClusterLoadAssignment'),
  LbEndpoint: url('envoy.config.endpoint.v3.LbEndpoint'),
  Secret: url('envoy.extensions.transport_sockets.tls.v3.Secret'),
  Runtime: url('envoy.service.runtime.v3.Runtime'),
  TypedExtensionConfig: url('envoy.config.core.v3.TypedExtensionConfig'),
});

/** One of the xDS resource type URLs in {@link TypeUrl}. */
export type ResourceTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/**
 * The keys of a resource file (`listeners:`, `clusters:`...) and the type each holds.
 *
 * These are the keys `loadEnvoyConfig`, `xdskit validate`, `diff` and `serve` read.
 */
export const RESOURCE_KINDS = Object.freeze({
  listeners: TypeUrl.Listener,
  routes: TypeUrl.RouteConfiguration,
  scoped_routes: TypeUrl.ScopedRouteConfiguration,
  virtual_hosts: TypeUrl.VirtualHost,
  clusters: TypeUrl.Cluster,
  endpoints: TypeUrl.ClusterLoadAssignment,
  secrets: TypeUrl.Secret,
  runtimes: TypeUrl.Runtime,
  extension_configs: TypeUrl.TypedExtensionConfig,
});

/** A key of a resource file: `listeners`, `routes`, `clusters`... */
export type ResourceKind = keyof typeof RESOURCE_KINDS;

/** The resource file key for a type URL (`clusters` for CDS), if it is an xDS resource type. */
export function resourceKindOf(typeUrl: string): ResourceKind | undefined {
  for (const [kind, u] of Object.entries(RESOURCE_KINDS)) if (u === typeUrl) return kind as ResourceKind;
  return undefined;
}

/** The full message name in a type URL: everything after the last `/`. */
export function typeNameOfUrl(typeUrl: string): string {
  const i = typeUrl.lastIndexOf('/');
  return i < 0 ? typeUrl : typeUrl.slice(i + 1);
}

/**
 * The xDS name of a resource: `cluster_name` for a ClusterLoadAssignment, `name` otherwise.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-names
 */
export function resourceName(typeUrl: string, resource: unknown): string {
  const r = resource as { clusterName?: string; name?: string } | null | undefined;
  if (typeNameOfUrl(typeUrl) === 'envoy.config.endpoint.v3.ClusterLoadAssignment') return r?.clusterName ?? '';
  return r?.name ?? '';
}
