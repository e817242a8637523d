/**
 * An edge proxy: HTTPS on 8443 (certificate over SDS, HTTP/2 and HTTP/1.1 by ALPN) and plain HTTP
 * on 8080 redirecting to HTTPS. Requests pass health checking, rate limiting, CORS, compression
 * and an RBAC filter (with shadow rules being tried out) before the router; `/api` is split 90/10
 * between a stable and a canary cluster, with retries; static assets come from a DNS cluster.
 */
import {
  AccessLog,
  Match,
  Permission,
  Principal,
  compressor,
  cors,
  filterChain,
  hcm,
  healthCheckFilter,
  httpRbac,
  listener,
  localRateLimit,
  proxyProtocol,
  route,
  routeConfig,
  router,
  tlsInspector,
  virtualHost,
  downstreamTls,
  cluster,
  endpoints,
  secret,
  HealthCheck,
} from 'xdskit/builders';
import type { ExampleResources } from './resources.js';

/** The edge proxy's listeners, routes, clusters, endpoints and secrets. */
export function edgeProxy(): ExampleResources {
  const https = listener('https')
    .address('0.0.0.0:8443')
    .listenerFilters(proxyProtocol({ allowRequestsWithoutProxyProtocol: true }), tlsInspector())
    .perConnectionBufferLimit(32_768)
    .filterChain(
      filterChain('shop')
        .serverNames('shop.example.com', 'www.shop.example.com')
        .tls(downstreamTls().sdsCertificate('shop-cert').alpn('h2', 'http/1.1').tlsVersions('TLSv1_2'))
        .filter(
          hcm('https')
            .rds('edge-routes')
            .useRemoteAddress()
            .xffNumTrustedHops(1)
            .accessLog(AccessLog.stdout())
            .normalizePath()
            .mergeSlashes()
            .pathWithEscapedSlashes('UNESCAPE_AND_REDIRECT')
            .streamIdleTimeout('30s')
            .requestHeadersTimeout('10s')
            .idleTimeout('5m')
            .serverName('edge')
            .httpFilters(
              healthCheckFilter('/healthz'),
              localRateLimit('edge', { tokenBucket: { maxTokens: 1000, tokensPerFill: 1000, fillInterval: '1s' } }),
              httpRbac()
                .action('DENY')
                .policy('block-admin', { permissions: [Permission.path(Match.prefix('/admin'))], principals: [Principal.not(Principal.remoteIp('10.0.0.0/8'))] })
                .shadowAction('DENY')
                .shadowPolicy('block-debug', { permissions: [Permission.path(Match.prefix('/debug'))], principals: [Principal.any()] })
                .shadowRulesStatPrefix('shadow_'),
              cors(),
              compressor('gzip', { memoryLevel: 9 }).minContentLength(256).contentTypes('application/json', 'text/html'),
              router({ suppressEnvoyHeaders: true }),
            ),
        ),
    );

  const http = listener('http')
    .address('0.0.0.0:8080')
    .filters(
      hcm('http').routeConfig(
        routeConfig('https-redirect').virtualHost(virtualHost('all').domain('*').route(route('to-https').prefix('/').redirect({ https: true, port: 443 }))),
      ),
    );

  const routes = routeConfig('edge-routes')
    .responseHeaders({ 'strict-transport-security': 'max-age=31536000' })
    .virtualHost(
      virtualHost('shop')
        .domains('shop.example.com', 'www.shop.example.com')
        .cors({ allowOrigins: ['https://shop.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], maxAge: 600 })
        .routes(
          route('api')
            .prefix('/api/')
            .weightedCluster('api', 90)
            .weightedCluster('api-canary', 10, { requestHeaders: { 'x-canary': 'true' } })
            .timeout('5s')
            .retry({ retryOn: ['5xx', 'reset', 'connect-failure'], numRetries: 2, perTryTimeout: '1s', backoff: { base: '25ms', max: '250ms' } })
            .hashPolicy({ header: 'x-user-id' }),
          route('legacy').path('/checkout.php').redirect({ path: '/checkout', responseCode: 308 }),
          route('static').pathSeparatedPrefix('/static').cluster('web').prefixRewrite('/assets').autoHostRewrite(),
          route('web').prefix('/').cluster('web').timeout('15s').removeResponseHeaders('x-powered-by'),
        ),
    )
    .virtualHost(virtualHost('fallback').domain('*').route(route('not-found').prefix('/').directResponse(404, 'no such site\n')));

  const api = cluster('api')
    .eds()
    .connectTimeout('250ms')
    .leastRequest()
    .healthCheck(HealthCheck.http('/ready', { interval: '5s', timeout: '1s', unhealthyThreshold: 3, healthyThreshold: 2 }))
    .circuitBreakers({ maxConnections: 2048, maxPendingRequests: 512, maxRequests: 4096, maxRetries: 8 })
    .outlierDetection({ consecutive5xx: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 20 });
  const canary = cluster('api-canary').eds().connectTimeout('250ms').leastRequest();
  const web = cluster('web').strictDns().dnsLookupFamily('V4_ONLY').connectTimeout('1s').endpoints('web.internal:80');

  return {
    listeners: [https.build(), http.build()],
    routes: [routes.build()],
    clusters: [api.build(), canary.build(), web.build()],
    endpoints: [
      endpoints('api')
        .locality({ region: 'eu-west-1', zone: 'eu-west-1a' }, ['10.1.0.10:8080', '10.1.0.11:8080'])
        .locality({ region: 'eu-west-1', zone: 'eu-west-1b' }, ['10.1.1.10:8080', ['10.1.1.11:8080', { healthStatus: 'DRAINING' }]])
        .build(),
      endpoints('api-canary').endpoint('10.1.2.10:8080', { hostname: 'api-canary-0' }).build(),
    ],
    secrets: [secret('shop-cert').tlsCertificate('/etc/envoy/certs/shop.crt', '/etc/envoy/certs/shop.key').build()],
  };
}
