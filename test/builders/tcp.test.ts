import { describe, expect, it } from 'vitest';
import { toJson } from 'xdskit';
import { tcpProxy } from 'xdskit/builders';

const T = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const json = (t: unknown) => toJson(T, t as never, { keys: 'proto' });

describe('tcp proxies', () => {
  it('forward to a cluster or a weighted split, with timeouts and attempts', () => {
    expect(json(tcpProxy('db').cluster('pg').idleTimeout('10m').maxConnectAttempts(3).maxDownstreamConnectionDuration('1h').build())).toEqual({
      stat_prefix: 'db',
      cluster: 'pg',
      idle_timeout: '600s',
      max_connect_attempts: 3,
      max_downstream_connection_duration: '3600s',
    });
    expect(json(tcpProxy('db').weightedClusters({ pg: 90, 'pg-next': 10 }).build()).weighted_clusters).toEqual({
      clusters: [
        { name: 'pg', weight: 90 },
        { name: 'pg-next', weight: 10 },
      ],
    });
  });

  it('tunnel over HTTP CONNECT, or POST to a path, with headers', () => {
    expect(json(tcpProxy('out').cluster('connect_originate').tunnelingConfig('%DOWNSTREAM_LOCAL_ADDRESS%').build()).tunneling_config).toEqual({
      hostname: '%DOWNSTREAM_LOCAL_ADDRESS%',
    });
    const post = tcpProxy('out')
      .cluster('tunnel')
      .tunnelingConfig('db.internal:5432', { usePost: true, postPath: '/tunnel', headersToAdd: { 'x-tenant': 'a' }, propagateResponseHeaders: true, propagateResponseTrailers: true })
      .build();
    expect(json(post).tunneling_config).toEqual({
      hostname: 'db.internal:5432',
      use_post: true,
      post_path: '/tunnel',
      headers_to_add: [{ header: { key: 'x-tenant', value: 'a' } }],
      propagate_response_headers: true,
      propagate_response_trailers: true,
    });
  });

  it('rejects a POST path without use_post, and an empty tunnel hostname', () => {
    expect(() => tcpProxy('out').cluster('c').tunnelingConfig('h:1', { postPath: '/x' })).toThrow(
      'tcp proxy "out": tunneling_config.post_path: post_path "/x" needs use_post: true (envoy rejects it with CONNECT) (rule: tunneling)',
    );
    expect(() => tcpProxy('out').cluster('c').tunnelingConfig('').build()).toThrow('tunneling_config.hostname');
  });
});
