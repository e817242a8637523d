/**
 * What each builder example returns: resources by kind, the shape of an xdskit resource file
 * (`listeners:`, `routes:`, `clusters:`, `endpoints:`, `secrets:`).
 */
import type { envoy } from 'xdskit';

/** Resources by kind, as built by an example. */
export interface ExampleResources {
  listeners?: envoy.config.listener.v3.Listener[];
  routes?: envoy.config.route.v3.RouteConfiguration[];
  clusters?: envoy.config.cluster.v3.Cluster[];
  endpoints?: envoy.config.endpoint.v3.ClusterLoadAssignment[];
  secrets?: envoy.extensions.transport_sockets.tls.v3.Secret[];
}
