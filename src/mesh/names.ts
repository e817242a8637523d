/**
 * Istio's names for the mesh resources, so `istioctl proxy-config`-style tools and dashboards
 * built for Istio read xdskit's output naturally.
 *
 * @see https://istio.io/latest/docs/ops/diagnostic-tools/proxy-cmd/
 */

/** Well-known cluster, listener and secret names. */
export const MeshNames = Object.freeze({
  /** ORIGINAL_DST cluster for outbound traffic to destinations outside the registry. */
  passthroughCluster: 'PassthroughCluster',
  /** STATIC cluster without endpoints: connections to it fail. */
  blackHoleCluster: 'BlackHoleCluster',
  /** ORIGINAL_DST cluster for inbound traffic to undeclared ports, bound to 127.0.0.6. */
  inboundPassthroughCluster: 'InboundPassthroughCluster',
  /** The outbound capture listener (15001). */
  virtualOutbound: 'virtualOutbound',
  /** The inbound capture listener (15006). */
  virtualInbound: 'virtualInbound',
  /** The default chain of the outbound listeners. */
  passthroughFilterChain: 'PassthroughFilterChain',
  /** The catch-all virtual host of an outbound route with ALLOW_ANY. */
  allowAny: 'allow_any',
  /** The catch-all virtual host of an outbound route with REGISTRY_ONLY. */
  blockAll: 'block_all',
  /** SDS secret of the workload certificate and key. */
  workloadSecret: 'default',
  /** SDS secret of the mesh root certificate. */
  rootSecret: 'ROOTCA',
  /** The admin cluster Prometheus scrapes through (15090) and health checks read (15021). */
  prometheusStats: 'prometheus_stats',
  /** The control plane cluster. */
  xdsCluster: 'xds-grpc',
  /** Waypoint: the HBONE terminating listener (15008). */
  connectTerminate: 'connect_terminate',
  /** Waypoint: the internal listener (and cluster) the CONNECT payload is handed to. */
  mainInternal: 'main_internal',
  /** Waypoint: the internal listener that re-tunnels to the destination (and the ORIGINAL_DST cluster it uses). */
  connectOriginate: 'connect_originate',
  /** Waypoint: the internal cluster into `connect_originate`, for passthrough destinations. */
  encap: 'encap',
});

/** ALPN values a sidecar's client offers over mTLS, by protocol (what `istio.alpn` sets in Istio). */
export const IstioAlpn = Object.freeze({
  /** HTTP/1.x over mTLS. */
  http1: ['istio-http/1.1'] as readonly string[],
  /** HTTP/2 (and gRPC) over mTLS. */
  http2: ['istio-h2'] as readonly string[],
  /** Opaque TCP over mTLS. */
  tcp: ['istio-peer-exchange', 'istio'] as readonly string[],
  /** What the inbound side matches to treat an mTLS connection as HTTP. */
  httpAny: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'] as readonly string[],
  /** What the HTTP inspector reports for plaintext HTTP. */
  plaintextHttp: ['http/1.0', 'http/1.1', 'h2c'] as readonly string[],
});

/** `outbound|PORT|SUBSET|HOST`: the cluster of a service port (and subset). */
export function outboundClusterName(port: number, host: string, subset = ''): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** `inbound|PORT||`: the cluster of an inbound (container) port. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** `outbound_.PORT_.SUBSET_.HOST`: the SNI a sidecar sends to a service port (and subset). */
export function outboundSni(port: number, host: string, subset = ''): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

/** `inbound-vip|PORT|PROTOCOL|HOST`: a waypoint's per-service chain, route and cluster. */
export function inboundVipName(port: number, protocol: 'http' | 'tcp', host: string): string {
  return `inbound-vip|${port}|${protocol}|${host}`;
}

/** The SPIFFE id of a service account: `spiffe://TRUST_DOMAIN/ns/NS/sa/SA`. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
