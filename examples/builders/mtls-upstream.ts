/**
 * Mutual TLS to upstreams. A local egress listener (127.0.0.1:15001) routes by path to two
 * services: `payments`, with certificates from files (client certificate, trusted CA, SAN
 * pinned to its SPIFFE ID, SNI, HTTP/2 or HTTP/1.1 by ALPN), and `ledger`, with its client
 * certificate and CA served over SDS and the SAN matcher kept inline (a combined validation
 * context). The SDS secrets are part of the resource set.
 */
import {
  DataSource,
  Match,
  San,
  cluster,
  hcm,
  listener,
  route,
  routeConfig,
  secret,
  upstreamTls,
  virtualHost,
} from 'xdskit/builders';
import type { ExampleResources } from './resources.js';

/** The egress listener, mTLS clusters and their SDS secrets. */
export function mtlsUpstream(): ExampleResources {
  const egress = listener('egress')
    .address('127.0.0.1:15001')
    .trafficDirection('OUTBOUND')
    .filters(
      hcm('egress').routeConfig(
        routeConfig('egress').virtualHost(
          virtualHost('services')
            .domain('*')
            .routes(route().prefix('/payments/').cluster('payments').timeout('3s'), route().prefix('/ledger/').cluster('ledger').hostRewrite('ledger.internal')),
        ),
      ),
    );

  const payments = cluster('payments')
    .strictDns()
    .connectTimeout('1s')
    .endpoints('payments.internal:8443')
    .autoHttp()
    .tls(
      upstreamTls('payments.internal')
        .alpn('h2', 'http/1.1')
        .clientCertificate('/etc/envoy/mtls/client.crt', '/etc/envoy/mtls/client.key')
        .trustedCa('/etc/envoy/mtls/ca.pem')
        .matchSan(San.uri('spiffe://example.com/ns/payments/sa/payments'))
        .tlsVersions('TLSv1_2', 'TLSv1_3'),
    );

  const ledger = cluster('ledger')
    .strictDns()
    .endpoints('ledger.internal:443')
    .http2({ maxConcurrentStreams: 100 })
    .tls(
      upstreamTls('ledger.internal')
        .sdsCertificate('ledger-client')
        .sdsValidation('mesh-ca')
        .matchSan(San.uri(Match.prefix('spiffe://example.com/ns/ledger/'))),
    );

  return {
    listeners: [egress.build()],
    clusters: [payments.build(), ledger.build()],
    secrets: [
      secret('ledger-client').tlsCertificate('/etc/envoy/sds/ledger.crt', '/etc/envoy/sds/ledger.key').build(),
      secret('mesh-ca').validationContext({ trustedCa: DataSource.file('/etc/envoy/sds/mesh-ca.pem') }).build(),
    ],
  };
}
