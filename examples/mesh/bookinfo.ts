/**
 * Bookinfo's `reviews` workload with an Istio-shaped sidecar, without Istio: one options object
 * gives the iptables rules for its init container, the bootstrap Envoy starts with, and the
 * resources a control plane serves it over ADS. Its inbound authorization is an RBAC model:
 * `productpage` may read reviews, `ops` may also reach the admin port; `explain` says why a
 * request is allowed or denied.
 *
 * `test/mesh/examples.test.ts` runs it: the bootstrap validates, the resources form a consistent
 * snapshot with it, and the decisions below hold.
 */
import { sidecar, sidecarBootstrap, sidecarIptables, type MeshResources, type RbacModel, type SidecarOptions } from 'xdskit/mesh';
import type { envoy } from 'xdskit';

/** Who may call `reviews`. */
export const reviewsAuthz: RbacModel = {
  model: 'RBAC1',
  users: {
    productpage: { principals: { spiffe: 'cluster.local/ns/bookinfo/sa/bookinfo-productpage' }, roles: ['reader'] },
    ops: { principals: { spiffe: 'cluster.local/ns/ops/*' }, roles: ['operator'] },
  },
  roles: {
    reader: { permissions: [{ methods: ['GET'], paths: ['/reviews/*', '/health'] }] },
    operator: { inherits: ['reader'], permissions: [{ ports: [9901] }] },
  },
};

/** The `reviews-v2` sidecar: inbound 9080 (HTTP) and 9901 (TCP admin), calling `ratings`. */
export const reviewsOptions: SidecarOptions = {
  mtls: 'STRICT',
  namespace: 'bookinfo',
  identity: {
    certificateChain: '/etc/certs/cert-chain.pem',
    privateKey: '/etc/certs/key.pem',
    rootCertificate: '/etc/certs/root-cert.pem',
  },
  capture: { excludeOutboundCidrs: ['169.254.169.254/32'] },
  inbound: [
    { port: 9080, protocol: 'http' },
    { port: 9901, protocol: 'tcp' },
  ],
  outbound: [
    {
      host: 'ratings.bookinfo.svc.cluster.local',
      port: 9080,
      protocol: 'http',
      vip: '10.96.14.212',
      serviceAccounts: ['spiffe://cluster.local/ns/bookinfo/sa/bookinfo-ratings'],
      endpoints: [{ address: '10.4.1.1' }, { address: '10.4.1.2' }],
    },
  ],
  authorization: { model: reviewsAuthz, options: { tcpHttpFields: 'istio' } },
};

/** Everything the workload needs: iptables script, bootstrap, and the ADS resources. */
export function bookinfoReviews(): { iptables: string; bootstrap: envoy.config.bootstrap.v3.Bootstrap; resources: MeshResources } {
  return {
    iptables: sidecarIptables(reviewsOptions),
    bootstrap: sidecarBootstrap({
      ...reviewsOptions,
      node: { id: 'sidecar~10.4.2.17~reviews-v2-5b4d9c8f6-kq2lt.bookinfo~bookinfo.svc.cluster.local', cluster: 'reviews.bookinfo' },
      xds: 'xdskit.mesh-system:15010',
    }),
    resources: sidecar(reviewsOptions),
  };
}
