/**
 * The static part of a mesh proxy's configuration: its node identity, the admin interface on
 * localhost, the Prometheus (15090) and health (15021) listeners, the `xds-grpc` cluster, and
 * ADS for everything else. The waypoint's also enables internal listeners.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
import { bootstrap, cluster, hcm, listener, route, routeConfig, virtualHost, xdsCluster, type AddressInput, type NodeInput } from '../builders/index.js';
import type { Bootstrap } from '../gen/envoy/config/bootstrap/v3/bootstrap.js';
import { MeshNames } from './names.js';
import { resolveMeshOptions, type MeshOptions, type MeshOptionsInput } from './options.js';

/** Options of {@link sidecarBootstrap} and {@link waypointBootstrap}; ports are shared with the other presets. */
export interface MeshBootstrapOptions extends MeshOptionsInput {
  /** The node identity (Istio's form is `sidecar~IP~POD.NS~NS.svc.cluster.local`). */
  node: NodeInput | string;
  /** The control plane's address (`"xdskit.mesh-system:15010"`, `{ address, port }`). */
  xds: AddressInput;
}

/** Envoy's internal listener bootstrap extension (the builders' constant, kept here for the mesh's users). */
export { INTERNAL_LISTENER_EXTENSION } from '../builders/index.js';

function meshBootstrap(options: MeshBootstrapOptions, mesh: MeshOptions) {
  const { ports } = mesh;
  const admin = `127.0.0.1:${ports.admin}`;
  const stats = hcm('stats_prometheus').routeConfig(
    routeConfig('prometheus').virtualHost(
      virtualHost('prometheus').domains('*').route(route('prometheus').path('/stats/prometheus').cluster(MeshNames.prometheusStats)),
    ),
  );
  // Without Istio's agent, readiness is Envoy's own: /healthz/ready → admin /ready.
  const health = hcm('agent').routeConfig(
    routeConfig('health').virtualHost(
      virtualHost('health').domains('*').route(route('ready').path('/healthz/ready').prefixRewrite('/ready').cluster(MeshNames.prometheusStats)),
    ),
  );
  return bootstrap()
    .node(options.node)
    .admin(admin, false)
    .listener(listener(`0.0.0.0_${ports.stats}`).address(`0.0.0.0:${ports.stats}`).filters(stats))
    .listener(listener(`0.0.0.0_${ports.health}`).address(`0.0.0.0:${ports.health}`).filters(health))
    .cluster(xdsCluster(MeshNames.xdsCluster, options.xds).connectTimeout('1s'))
    .cluster(cluster(MeshNames.prometheusStats).static().connectTimeout('0.250s').endpoint(admin))
    .ads(MeshNames.xdsCluster);
}

/**
 * A sidecar's bootstrap: node, admin on 127.0.0.1:15000, the Prometheus listener (15090,
 * `/stats/prometheus`), the health listener (15021, `/healthz/ready`), the `xds-grpc` cluster
 * and ADS. Its ports come from the same options as {@link sidecar} and {@link sidecarIptables}.
 *
 * @example sidecarBootstrap({ node: 'sidecar~10.4.2.17~reviews-v2.bookinfo~bookinfo.svc.cluster.local', xds: 'xdskit.mesh-system:15010' })
 */
export function sidecarBootstrap(options: MeshBootstrapOptions): Bootstrap {
  return meshBootstrap(options, resolveMeshOptions(options)).build();
}

/**
 * A waypoint's bootstrap: as {@link sidecarBootstrap}, plus the internal listener extension
 * (`envoy.bootstrap.internal_listener`) that `main_internal` and `connect_originate` need.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/other_features/internal_listener
 */
export function waypointBootstrap(options: MeshBootstrapOptions): Bootstrap {
  return meshBootstrap(options, resolveMeshOptions(options)).internalListener().build();
}
