// bench/builders fixtures: the builder programs that make 10k Clusters and 1k Listeners (each
// with 1–3 filter chains holding an HttpConnectionManager with inline routes), drawn from a
// seeded PRNG so every run builds the same resources.
//
// `clusterPrograms(b, n, seed)` and `listenerPrograms(b, n, seed)` return functions that each
// build one resource from scratch with the builders `b` (the `xdskit/builders` module from dist):
// calling `.build()` builds and validates, `.toMessage()` only builds.

/** The seeded PRNG of bench/codec, so every run measures the same fixture. */
export { rng as prng } from '../codec/fixtures.mjs';
import { rng as prng } from '../codec/fixtures.mjs';

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));

/**
 * 10k cluster programs: 60% EDS over ADS, 40% STATIC or STRICT_DNS with inline endpoints in 1–3
 * localities; connect timeout, a load balancer, circuit breakers on two priorities, an HTTP
 * health check, outlier detection, HTTP/2 or HTTP/1.1 upstream options, metadata; a third with
 * upstream TLS.
 */
export function clusterPrograms(b, n, seed) {
  const r = prng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const eds = r() < 0.6;
    const dns = !eds && r() < 0.5;
    const lb = pick(r, ['roundRobin', 'leastRequest', 'ringHash', 'maglev', 'random']);
    const timeout = `${int(r, 1, 5000)}ms`;
    const localities = eds ? [] : Array.from({ length: int(r, 1, 3) }, (_, l) => ({
      zone: `zone-${l}`,
      endpoints: Array.from({ length: int(r, 1, 6) }, (_, e) => (dns ? `svc-${i}-${e}.internal:8080` : `10.${i % 250}.${l}.${e + 1}:8080`)),
    }));
    const http2 = r() < 0.5;
    const tls = r() < 0.33;
    const maxConnections = int(r, 100, 5000);
    out.push(() => {
      const c = b.cluster(name).connectTimeout(timeout);
      if (eds) c.eds();
      else {
        if (dns) c.strictDns();
        const e = b.endpoints(name);
        for (const l of localities) e.locality({ zone: l.zone }, l.endpoints);
        c.loadAssignment(e);
      }
      c[lb]();
      c.circuitBreakers({ maxConnections, maxPendingRequests: 1024, maxRequests: 4096 }).circuitBreakers({ maxConnections: 100, maxRetries: 5 }, 'HIGH');
      c.healthCheck(b.HealthCheck.http('/healthz', { interval: '5s', timeout: '1s', unhealthyThreshold: 3, healthyThreshold: 2 }));
      c.outlierDetection({ consecutive5xx: 5, interval: '10s', baseEjectionTime: '30s' });
      if (http2) c.http2();
      else c.http1();
      if (tls) c.tls(b.upstreamTls(`${name}.internal`).trustedCa('/etc/ssl/ca.pem'));
      c.metadata({ 'xdskit.io': { team: `team-${i % 17}`, tier: i % 3 } });
      return c;
    });
  }
  return out;
}

/**
 * 1k listener programs: a TLS inspector and 1–3 filter chains (server names, transport protocol,
 * ALPN, destination port), each with an HttpConnectionManager: inline route config of 2–6
 * virtual hosts × 3–8 routes (prefix, path and regex matches, header matches, weighted clusters,
 * timeouts, retries), cors → local_ratelimit → router, an access log, websocket upgrades.
 */
export function listenerPrograms(b, n, seed) {
  const r = prng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const chains = Array.from({ length: int(r, 1, 3) }, (_, c) => ({
      host: `app-${i}-${c}.example.com`,
      port: 8000 + c,
      vhosts: Array.from({ length: int(r, 2, 6) }, (_, v) => ({
        domain: `v${v}.app-${i}-${c}.example.com`,
        routes: Array.from({ length: int(r, 3, 8) }, (_, k) => ({
          kind: pick(r, ['prefix', 'path', 'regex']),
          header: r() < 0.3,
          weighted: r() < 0.3,
          cluster: `svc-${int(r, 0, 9999)}`,
          canary: `svc-${int(r, 0, 9999)}`,
          timeout: `${int(r, 1, 30)}s`,
          retry: r() < 0.5,
          k,
        })),
      })),
    }));
    out.push(() => {
      const l = b.listener(`listener-${i}`).address(`0.0.0.0:${10000 + i}`).listenerFilter(b.tlsInspector());
      for (const ch of chains) {
        const rc = b.routeConfig(`routes-${i}-${ch.port}`);
        for (const vh of ch.vhosts) {
          const v = b.virtualHost(vh.domain).domain(vh.domain);
          for (const rt of vh.routes) {
            const x = b.route();
            if (rt.kind === 'prefix') x.prefix(`/p${rt.k}/`);
            else if (rt.kind === 'path') x.path(`/exact/${rt.k}`);
            else x.regex(`^/r${rt.k}/[a-z]+$`);
            if (rt.header) x.header('x-tenant', b.Match.prefix('t-'));
            if (rt.weighted) x.weightedClusters({ [rt.cluster]: 90, [rt.canary === rt.cluster ? `${rt.canary}-b` : rt.canary]: 10 });
            else x.cluster(rt.cluster);
            x.timeout(rt.timeout);
            if (rt.retry) x.retry({ retryOn: '5xx,reset', numRetries: 2, perTryTimeout: '1s' });
            v.route(x);
          }
          rc.virtualHost(v);
        }
        const manager = b
          .hcm(`hcm-${i}-${ch.port}`)
          .routeConfig(rc)
          .httpFilters(b.cors(), b.localRateLimit(`rl-${i}`, { tokenBucket: { maxTokens: 100, tokensPerFill: 100, fillInterval: '1s' } }), b.router())
          .accessLog(b.AccessLog.file('/var/log/envoy/access.log'))
          .websocket();
        l.filterChain(b.filterChain().serverNames(ch.host).transportProtocol('tls').applicationProtocols('h2', 'http/1.1').destinationPort(ch.port).filter(manager));
      }
      return l;
    });
  }
  return out;
}
