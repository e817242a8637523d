/**
 * TCP over an HTTP/2 CONNECT tunnel between two Envoys, as a mesh's HBONE does:
 * - the **client side** takes plain TCP for the database on 127.0.0.1:5432 and tunnels it
 *   (`tunneling_config`) in a CONNECT request to the gateway, over HTTP/2 with mTLS;
 * - the **gateway** terminates TLS (client certificate required) and the CONNECT
 *   (`allow_connect`, a CONNECT route with `connect_config`), passes the client's SPIFFE id on
 *   in `x-forwarded-client-cert`, and sends the bytes to the database cluster, whose endpoints
 *   take TLS or plaintext by their metadata (`transport_socket_matches`);
 * - a **TLS router** on the gateway picks a chain by SNI with the unified filter chain matcher,
 *   and sends unknown names on to the connection's original destination (an ORIGINAL_DST
 *   cluster), from a fixed source address (`upstream_bind_config`).
 */
import {
  ChainMatcher,
  TransportSocket,
  cluster,
  downstreamTls,
  endpoints,
  filterChain,
  hcm,
  listener,
  originalDst,
  route,
  routeConfig,
  secret,
  tcpProxy,
  tlsInspector,
  upstreamTls,
  virtualHost,
} from 'xdskit/builders';
import type { ExampleResources } from './resources.js';

/** The client side, the gateway and its TLS router, with their clusters, endpoints and secrets. */
export function httpTunnel(): ExampleResources {
  const client = listener('db-tunnel')
    .address('127.0.0.1:5432')
    .filters(tcpProxy('db-tunnel').cluster('tunnel-gateway').tunnelingConfig('db.internal:5432', { headersToAdd: { 'x-tenant': 'shop' } }));

  const connect = route('connect').connectMatcher().cluster('db').upgrade('CONNECT', { connectConfig: {} });
  const gateway = listener('tunnel-gateway')
    .address('0.0.0.0:15443')
    .filterChain(
      filterChain('connect')
        .tls(downstreamTls().sdsCertificate('gateway').sdsValidation('mesh-ca').requireClientCertificate().alpn('h2'))
        .filter(
          hcm('tunnel-gateway')
            .codec('HTTP2')
            .http2({ allowConnect: true })
            .upgrade('CONNECT')
            .forwardClientCertDetails('SANITIZE_SET')
            .setCurrentClientCertDetails({ uri: true })
            .routeConfig(routeConfig('tunnel').virtualHost(virtualHost('tunnel').domains('db.internal:5432').route(connect))),
        ),
    );

  const router = listener('tls-router')
    .address('0.0.0.0:8443')
    .listenerFilter(tlsInspector())
    .listenerFilter(originalDst())
    .filterChainMatcher(ChainMatcher.exact('server_name', { 'shop.example.com': 'shop', 'blog.example.com': 'blog' }, 'forward'))
    .filterChains(
      filterChain('shop').filter(tcpProxy('shop').cluster('shop-tls')),
      filterChain('blog').filter(tcpProxy('blog').cluster('blog-tls')),
      filterChain('forward').filter(tcpProxy('forward').cluster('forward')),
    );

  return {
    listeners: [client.build(), gateway.build(), router.build()],
    clusters: [
      cluster('tunnel-gateway')
        .strictDns()
        .endpoints('gateway.internal:15443')
        .http2()
        .tls(upstreamTls('gateway.internal').alpn('h2').sdsCertificate('client').sdsValidation('mesh-ca'))
        .build(),
      cluster('db')
        .eds()
        .connectTimeout('2s')
        .transportSocketMatch('tls', { tls: 'on' }, upstreamTls('db.internal').sdsValidation('mesh-ca'))
        .transportSocketMatch('plaintext', {}, TransportSocket.rawBuffer())
        .build(),
      cluster('shop-tls').strictDns().endpoints('shop.internal:443').build(),
      cluster('blog-tls').strictDns().endpoints('blog.internal:443').build(),
      cluster('forward').originalDst().upstreamBindConfig('10.0.0.2').connectTimeout('1s').build(),
    ],
    endpoints: [
      endpoints('db')
        .endpoint('10.0.5.1:5432', { metadata: { 'envoy.transport_socket_match': { tls: 'on' } } })
        .endpoint('10.0.5.2:5432')
        .build(),
    ],
    secrets: [
      secret('gateway').tlsCertificate('/etc/envoy/sds/gateway.crt', '/etc/envoy/sds/gateway.key').build(),
      secret('client').tlsCertificate('/etc/envoy/sds/client.crt', '/etc/envoy/sds/client.key').build(),
      secret('mesh-ca').validationContext({ trustedCa: '/etc/envoy/sds/mesh-ca.pem' }).build(),
    ],
  };
}
