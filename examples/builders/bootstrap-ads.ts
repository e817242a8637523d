/**
 * A bootstrap that starts an Envoy against an xdskit control plane: node identity and
 * locality, admin on localhost, the xDS server as a static HTTP/2 cluster, listeners and
 * clusters over one delta ADS stream, a layered runtime (static defaults, then the admin layer)
 * and overload protection by heap size.
 */
import { bootstrap, xdsCluster } from 'xdskit/builders';
import type { envoy } from 'xdskit';

/** The bootstrap of the `edge-0` Envoy. */
export function bootstrapAds(): envoy.config.bootstrap.v3.Bootstrap {
  return bootstrap()
    .node({ id: 'edge-0', cluster: 'edge', locality: { region: 'eu-west-1', zone: 'eu-west-1a' }, metadata: { team: 'platform', canary: false } })
    .admin('127.0.0.1:9901')
    .cluster(xdsCluster('xds', 'xdskit.control-plane.svc:18000').connectTimeout('1s'))
    .ads('xds', { delta: true })
    .staticRuntime('defaults', { 'overload.global_downstream_max_connections': 50000 })
    .adminRuntime()
    .heapLimit(2 * 1024 ** 3)
    .build();
}
