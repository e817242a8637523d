// Fixtures of bench/codec, generated from a seed: realistic Clusters, Listeners with an
// HttpConnectionManager (packed in Any, inline route config) and the HCMs themselves.
//
// The objects are plain ts-proto messages. ts-proto 1.x and 2.x, run with the same options,
// declare identical message types (bench/codec/shapes-check.mjs verifies it on the whole set),
// so one fixture object serves both runtimes. Nested Any payloads (typed_config,
// typed_extension_protocol_options) are packed once here with xdskit's `pack`, as a control
// plane does when it builds a resource; encoding the outer message then copies their bytes.

/** mulberry32: a small seeded PRNG, so every run measures the same fixture. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const dur = (seconds, nanos = 0) => ({ seconds: String(seconds), nanos });
const ip = (r) => `10.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
const socket = (address, port) => ({
  address: { $case: 'socketAddress', socketAddress: { address, portSpecifier: { $case: 'portValue', portValue: port } } },
});
const typed = (any) => ({ $case: 'typedConfig', typedConfig: any });

/**
 * Builds the fixtures.
 *
 * @param {{ envoy: any, pack: (type: string, msg: object) => { typeUrl: string, value: Uint8Array } }} x
 *   the compiled xdskit (dist/index.js): enums come from its `envoy` namespace, Any from `pack`.
 * @param {{ seed?: number, clusters?: number, listeners?: number }} [options]
 */
export function buildFixtures(x, { seed = 20240601, clusters = 10_000, listeners = 1_000 } = {}) {
  const { envoy, pack } = x;
  const core = envoy.config.core.v3;
  const Cluster = envoy.config.cluster.v3;
  const hcmNs = envoy.extensions.filters.network.http_connection_manager.v3;
  const r = rng(seed);

  function httpProtocolOptions() {
    const h2 = r() < 0.7;
    return pack('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      commonHttpProtocolOptions: { idleTimeout: dur(int(r, 60, 3600)), maxRequestsPerConnection: int(r, 100, 10_000) },
      upstreamProtocolOptions: {
        $case: 'explicitHttpConfig',
        explicitHttpConfig: {
          protocolConfig: h2
            ? { $case: 'http2ProtocolOptions', http2ProtocolOptions: { maxConcurrentStreams: int(r, 64, 1024), initialStreamWindowSize: 65536 } }
            : { $case: 'httpProtocolOptions', httpProtocolOptions: {} },
        },
      },
    });
  }

  function cluster(i) {
    const ns = `ns-${i % 97}`;
    const svc = `svc-${i}`;
    const port = pick(r, [80, 8080, 9090, 443, 5000]);
    const name = `outbound|${port}||${svc}.${ns}.svc.cluster.local`;
    const eds = r() < 0.6;
    const c = {
      name,
      clusterDiscoveryType: { $case: 'type', type: eds ? Cluster.Cluster_DiscoveryType.EDS : Cluster.Cluster_DiscoveryType.STATIC },
      connectTimeout: dur(int(r, 0, 5), pick(r, [0, 250_000_000, 500_000_000])),
      lbPolicy: pick(r, [Cluster.Cluster_LbPolicy.ROUND_ROBIN, Cluster.Cluster_LbPolicy.LEAST_REQUEST, Cluster.Cluster_LbPolicy.RING_HASH]),
      circuitBreakers: {
        thresholds: [
          { priority: core.RoutingPriority.DEFAULT, maxConnections: int(r, 1024, 100_000), maxPendingRequests: int(r, 1024, 100_000), maxRequests: int(r, 1024, 100_000), maxRetries: int(r, 3, 10), trackRemaining: true },
          { priority: core.RoutingPriority.HIGH, maxConnections: 4294967295, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295 },
        ],
      },
      healthChecks: [
        {
          timeout: dur(1),
          interval: dur(int(r, 5, 30)),
          intervalJitter: dur(0, 100_000_000),
          unhealthyThreshold: int(r, 2, 5),
          healthyThreshold: int(r, 1, 3),
          healthChecker: { $case: 'httpHealthCheck', httpHealthCheck: { path: pick(r, ['/healthz', '/ready', '/status']), host: `${svc}.${ns}` } },
        },
      ],
      typedExtensionProtocolOptions: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': httpProtocolOptions() },
      metadata: {
        filterMetadata: {
          istio: {
            config: `/apis/networking.istio.io/v1/namespaces/${ns}/destination-rule/${svc}`,
            services: [{ host: `${svc}.${ns}.svc.cluster.local`, name: svc, namespace: ns }],
          },
          'envoy.lb': { canary: r() < 0.1, version: `v${int(r, 1, 4)}`, weight: int(r, 1, 100) },
        },
      },
      commonLbConfig: { healthyPanicThreshold: { value: 50 } },
    };
    if (eds) {
      c.edsClusterConfig = {
        edsConfig: { configSourceSpecifier: { $case: 'ads', ads: {} }, resourceApiVersion: core.ApiVersion.V3, initialFetchTimeout: dur(0) },
        serviceName: name,
      };
    } else {
      const zones = int(r, 1, 3);
      c.loadAssignment = {
        clusterName: name,
        endpoints: Array.from({ length: zones }, (_, z) => ({
          locality: { region: 'eu-west-1', zone: `eu-west-1${'abc'[z]}` },
          lbEndpoints: Array.from({ length: int(r, 1, 6) }, () => ({
            hostIdentifier: { $case: 'endpoint', endpoint: { address: socket(ip(r), port) } },
            healthStatus: core.HealthStatus.HEALTHY,
            loadBalancingWeight: int(r, 1, 10),
          })),
          loadBalancingWeight: 100,
          priority: 0,
        })),
      };
    }
    return c;
  }

  function route(vh, k) {
    const kind = r();
    const match =
      kind < 0.6
        ? { pathSpecifier: { $case: 'prefix', prefix: `/api/v${int(r, 1, 3)}/${vh}-${k}` } }
        : kind < 0.85
          ? { pathSpecifier: { $case: 'path', path: `/exact/${vh}/${k}` } }
          : { pathSpecifier: { $case: 'safeRegex', safeRegex: { regex: `^/re/${vh}/[0-9]+/item-${k}$` } } };
    if (r() < 0.3) {
      match.headers = [{ name: 'x-canary', headerMatchSpecifier: { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: 'true' } } } }];
    }
    const weighted = r() < 0.2;
    return {
      name: `${vh}-r${k}`,
      match,
      action: {
        $case: 'route',
        route: {
          clusterSpecifier: weighted
            ? {
                $case: 'weightedClusters',
                weightedClusters: { clusters: [{ name: `outbound|80||${vh}-v1.svc`, weight: 90 }, { name: `outbound|80||${vh}-v2.svc`, weight: 10 }] },
              }
            : { $case: 'cluster', cluster: `outbound|80||${vh}.svc.cluster.local` },
          timeout: dur(int(r, 1, 60)),
          retryPolicy: { retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', numRetries: 2, perTryTimeout: dur(2) },
        },
      },
    };
  }

  function hcm(i) {
    const vhosts = int(r, 2, 6);
    return {
      statPrefix: `ingress_http_${i}`,
      codecType: hcmNs.HttpConnectionManager_CodecType.AUTO,
      routeSpecifier: {
        $case: 'routeConfig',
        routeConfig: {
          name: `route-${i}`,
          validateClusters: false,
          virtualHosts: Array.from({ length: vhosts }, (_, v) => {
            const vh = `app${i}-${v}`;
            return {
              name: vh,
              domains: [`${vh}.example.com`, `${vh}.example.com:*`],
              routes: Array.from({ length: int(r, 3, 8) }, (_, k) => route(vh, k)),
            };
          }),
        },
      },
      httpFilters: [
        { name: 'envoy.filters.http.cors', configType: typed(pack('envoy.extensions.filters.http.cors.v3.Cors', {})) },
        {
          name: 'envoy.filters.http.local_ratelimit',
          configType: typed(
            pack('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {
              statPrefix: 'http_local_rate_limiter',
              tokenBucket: { maxTokens: int(r, 100, 10_000), tokensPerFill: 100, fillInterval: dur(1) },
            }),
          ),
        },
        { name: 'envoy.filters.http.router', configType: typed(pack('envoy.extensions.filters.http.router.v3.Router', {})) },
      ],
      accessLog: [
        {
          name: 'envoy.access_loggers.file',
          configType: typed(pack('envoy.extensions.access_loggers.file.v3.FileAccessLog', { path: '/dev/stdout' })),
        },
      ],
      useRemoteAddress: true,
      streamIdleTimeout: dur(300),
      upgradeConfigs: [{ upgradeType: 'websocket' }],
    };
  }

  function listener(i, firstHcm) {
    const chains = int(r, 1, 3);
    return {
      name: `listener-${i}`,
      address: socket('0.0.0.0', 10_000 + i),
      trafficDirection: core.TrafficDirection.INBOUND,
      listenerFilters: [
        {
          name: 'envoy.filters.listener.tls_inspector',
          configType: typed(pack('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', {})),
        },
      ],
      filterChains: Array.from({ length: chains }, (_, j) => ({
        name: `chain-${i}-${j}`,
        filterChainMatch: {
          destinationPort: 10_000 + i,
          serverNames: [`app${i}-${j}.example.com`, `*.app${i}-${j}.example.com`],
          transportProtocol: j === 0 ? 'raw_buffer' : 'tls',
          applicationProtocols: ['h2', 'http/1.1'],
          prefixRanges: [{ addressPrefix: '10.0.0.0', prefixLen: 8 }],
        },
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            configType: typed(
              pack('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', j === 0 ? firstHcm : hcm(i)),
            ),
          },
        ],
      })),
    };
  }

  const clusterList = Array.from({ length: clusters }, (_, i) => cluster(i));
  const hcmList = Array.from({ length: listeners }, (_, i) => hcm(i));
  const listenerList = hcmList.map((h, i) => listener(i, h));
  return { clusters: clusterList, listeners: listenerList, hcms: hcmList };
}
