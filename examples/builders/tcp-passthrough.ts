/**
 * TCP: TLS passthrough on 443 (the TLS inspector reads the SNI, each name goes to its own
 * backends without terminating TLS, unknown names go to a default chain), and a database
 * listener guarded by network RBAC that splits connections between a primary and a replica set.
 * An internal listener shows Envoy internal addresses: the `audit` cluster's endpoint is the
 * `audit-sink` internal listener of the same Envoy.
 */
import {
  AccessLog,
  Address,
  Match,
  Permission,
  Principal,
  cluster,
  filterChain,
  listener,
  networkRbac,
  tcpProxy,
  tlsInspector,
} from 'xdskit/builders';
import type { ExampleResources } from './resources.js';

/** The passthrough, database and internal listeners and their clusters. */
export function tcpPassthrough(): ExampleResources {
  const passthrough = listener('tls-passthrough')
    .address('[::]:443')
    .additionalAddress('0.0.0.0:443')
    .listenerFilter(tlsInspector())
    .listenerFiltersTimeout('5s')
    .continueOnListenerFiltersTimeout()
    .filterChains(
      filterChain('shop').serverNames('shop.example.com').transportProtocol('tls').filter(tcpProxy('shop').cluster('shop-tls').idleTimeout('10m')),
      filterChain('blog').serverNames('blog.example.com', '*.blog.example.com').transportProtocol('tls').filter(tcpProxy('blog').cluster('blog-tls')),
    )
    .defaultFilterChain(filterChain('unknown').filter(tcpProxy('unknown').cluster('sorry-tls')));

  const database = listener('postgres')
    .address('0.0.0.0:5432')
    .filterChain(
      filterChain('postgres')
        .sourcePrefixRanges('10.0.0.0/8', '192.168.0.0/16')
        .filters(
          networkRbac('postgres')
            .policy('apps', { permissions: [Permission.destinationPort(5432)], principals: [Principal.remoteIp('10.20.0.0/16'), Principal.authenticated(Match.prefix('spiffe://example.com/ns/apps/'))] })
            .shadowPolicy('batch', { permissions: [Permission.any()], principals: [Principal.remoteIp('10.30.0.0/16')] }),
          tcpProxy('postgres').weightedClusters({ 'pg-primary': 80, 'pg-replica': 20 }).accessLog(AccessLog.stdout('[%START_TIME%] %UPSTREAM_HOST% %BYTES_SENT%\n')).maxConnectAttempts(3),
        ),
    );

  const sink = listener('audit-sink').internal().filters(tcpProxy('audit-sink').cluster('audit-store'));

  return {
    listeners: [passthrough.build(), database.build(), sink.build()],
    clusters: [
      cluster('shop-tls').strictDns().endpoints('shop-1.internal:443', 'shop-2.internal:443').build(),
      cluster('blog-tls').strictDns().endpoints('blog.internal:443').build(),
      cluster('sorry-tls').endpoints('10.0.9.9:443').build(),
      cluster('pg-primary').endpoints('10.0.5.1:5432').connectTimeout('2s').build(),
      cluster('pg-replica').endpoints('10.0.5.2:5432', '10.0.5.3:5432').connectTimeout('2s').random().build(),
      cluster('audit').endpoint(Address.internal('audit-sink')).build(),
      cluster('audit-store').logicalDns().endpoints('audit.internal:6514').build(),
    ],
  };
}
