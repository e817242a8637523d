/**
 * Proxyless gRPC: what a gRPC client with the xDS resolver reads for the target
 * `xds:///greeter`. The listener is an API listener (no socket) holding an HTTP connection
 * manager whose routes come over ADS; the route retries UNAVAILABLE and sends 5% of traffic to
 * a canary; the cluster gets its endpoints from EDS (two localities, a fallback priority).
 *
 * gRPC clients read the listener named exactly as the target's host (`greeter`), need the
 * router as the last HTTP filter, and accept round robin or ring hash load balancing.
 *
 * @see https://github.com/grpc/proposal/blob/master/A27-xds-global-load-balancing.md
 */
import { ConfigSource, cluster, endpoints, hcm, listener, route, routeConfig, router, virtualHost } from 'xdskit/builders';
import type { ExampleResources } from './resources.js';

/** The LDS, RDS, CDS and EDS resources of the `greeter` service for gRPC xDS clients. */
export function grpcMeshClient(): ExampleResources {
  const greeter = listener('greeter').apiListener(hcm('greeter').rds('greeter-routes', ConfigSource.ads()).httpFilter(router()));

  const routes = routeConfig('greeter-routes').virtualHost(
    virtualHost('greeter')
      .domain('greeter')
      .routes(
        route('say-hello')
          .path('/helloworld.Greeter/SayHello')
          .weightedClusters({ greeter: 95, 'greeter-canary': 5 })
          .timeout('2s')
          .retry({ retryOn: 'unavailable,resource-exhausted', numRetries: 3, backoff: { base: '100ms', max: '1s' } }),
        route('default').prefix('').cluster('greeter').timeout('10s'),
      ),
  );

  return {
    listeners: [greeter.build()],
    routes: [routes.build()],
    clusters: [cluster('greeter').eds().roundRobin().build(), cluster('greeter-canary').eds(ConfigSource.ads(), 'greeter-canary-v2').build()],
    endpoints: [
      endpoints('greeter')
        .locality({ region: 'us-central1', zone: 'us-central1-a', weight: 3 }, ['10.8.0.4:50051', '10.8.0.5:50051'])
        .locality({ region: 'us-central1', zone: 'us-central1-b', weight: 1 }, ['10.8.1.4:50051'])
        .locality({ region: 'us-east1', zone: 'us-east1-b', priority: 1, weight: 1 }, ['10.9.0.4:50051'])
        .overprovisioningFactor(140)
        .build(),
      endpoints('greeter-canary-v2').endpoint('10.8.2.4:50051', { weight: 1 }).build(),
    ],
  };
}
