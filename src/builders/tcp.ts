/**
 * The TCP proxy network filter: forwards connections to a cluster (or a weighted split).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto
 */
import type { TcpProxy } from '../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.js';
import { duplicate, fail, push, type Props } from './builder.js';
import { toHeaders, type AccessLogMessage, type HeadersInput } from './common.js';
import { parseDuration, type DurationInput } from './duration.js';
import { NetworkFilter } from './filter.js';

export type { TcpProxy };

/** Options of a TCP proxy's {@link TcpProxyBuilder.tunnelingConfig}. */
export interface TunnelingOptions {
  /** Tunnel with POST instead of CONNECT. @default false (CONNECT) */
  usePost?: boolean;
  /** The path of the POST requests (needs `usePost`). @default "/" */
  postPath?: string;
  /** Headers to add to the CONNECT (or POST) request; values may use format strings. @default none */
  headersToAdd?: HeadersInput;
  /** Save the upstream's response headers in filter state (for access logs). @default false */
  propagateResponseHeaders?: boolean;
  /** Save the upstream's response trailers in filter state. @default false */
  propagateResponseTrailers?: boolean;
}

/**
 * Builds a TcpProxy network filter config.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto
 */
export class TcpProxyBuilder extends NetworkFilter<TcpProxy> {
  private weightedNames?: Set<string>;

  constructor(statPrefix: string) {
    super('envoy.filters.network.tcp_proxy', 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', { statPrefix });
  }

  protected override get label(): string {
    return `tcp proxy ${JSON.stringify(this.draft.statPrefix)}`;
  }

  /**
   * Forwards connections to the cluster `name`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#envoy-v3-api-field-extensions-filters-network-tcp-proxy-v3-tcpproxy-cluster
   */
  cluster(name: string): this {
    if (this.draft.clusterSpecifier?.$case === 'weightedClusters') {
      fail({ path: 'cluster', rule: 'oneof', message: 'a tcp proxy forwards to a cluster or to weighted clusters, and this one already has weighted clusters', value: name }, this.label);
    }
    this.draft.clusterSpecifier = { $case: 'cluster', cluster: name };
    return this;
  }

  /**
   * Adds a cluster to a weighted split (a cluster added twice throws); weights are relative.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#envoy-v3-api-field-extensions-filters-network-tcp-proxy-v3-tcpproxy-weighted-clusters
   */
  weightedCluster(name: string, weight: number): this {
    const cs = this.draft.clusterSpecifier;
    if (cs?.$case === 'cluster') {
      fail({ path: 'weighted_clusters', rule: 'oneof', message: `a tcp proxy forwards to a cluster or to weighted clusters, and this one already has cluster ${JSON.stringify(cs.cluster)}`, value: name }, this.label);
    }
    let wc = cs?.$case === 'weightedClusters' ? cs.weightedClusters : undefined;
    if (!wc) {
      wc = { clusters: [] };
      this.draft.clusterSpecifier = { $case: 'weightedClusters', weightedClusters: wc };
    }
    this.weightedNames ??= new Set((wc.clusters ?? []).map((c) => c.name ?? ''));
    if (this.weightedNames.has(name)) duplicate(this.label, 'weighted_clusters.clusters', 'weighted cluster', name);
    this.weightedNames.add(name);
    wc.clusters = push(wc.clusters, { name, weight });
    return this;
  }

  /**
   * Splits connections between clusters by weight: `{ db: 90, 'db-canary': 10 }`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#extensions-filters-network-tcp-proxy-v3-tcpproxy-weightedcluster
   */
  weightedClusters(weights: Record<string, number>): this {
    for (const [name, w] of Object.entries(weights)) this.weightedCluster(name, w);
    return this;
  }

  /**
   * Closes connections idle (no bytes either way) this long; `"0s"` disables.
   * @default "1h"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#envoy-v3-api-field-extensions-filters-network-tcp-proxy-v3-tcpproxy-idle-timeout
   */
  idleTimeout(timeout: DurationInput): this {
    this.draft.idleTimeout = parseDuration(timeout, 'idle_timeout');
    return this;
  }

  /**
   * Adds an access log (one entry per connection).
   * @default none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#envoy-v3-api-field-extensions-filters-network-tcp-proxy-v3-tcpproxy-access-log
   */
  accessLog(log: AccessLogMessage): this {
    this.draft.accessLog = push(this.draft.accessLog, log);
    return this;
  }

  /**
   * How many times to try connecting upstream.
   * @default 1
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#envoy-v3-api-field-extensions-filters-network-tcp-proxy-v3-tcpproxy-max-connect-attempts
   */
  maxConnectAttempts(n: number): this {
    this.draft.maxConnectAttempts = n;
    return this;
  }

  /**
   * Tunnels the connection over HTTP to the upstream: an HTTP/2 CONNECT (or POST) request for
   * `hostname` (a format string such as `%DOWNSTREAM_LOCAL_ADDRESS%` or `"db.internal:5432"`),
   * the bytes in its body — HBONE-style tunnelling. The upstream cluster must speak HTTP/2
   * (`.http2()`), or HTTP/1.1 for CONNECT.
   * @default options CONNECT, no extra headers
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#extensions-filters-network-tcp-proxy-v3-tcpproxy-tunnelingconfig
   */
  tunnelingConfig(hostname: string, options: TunnelingOptions = {}): this {
    if (options.postPath !== undefined && !options.usePost) {
      fail(
        { path: 'tunneling_config.post_path', rule: 'tunneling', message: `post_path ${JSON.stringify(options.postPath)} needs use_post: true (envoy rejects it with CONNECT)`, value: options.postPath },
        this.label,
      );
    }
    const t: NonNullable<TcpProxy['tunnelingConfig']> = { hostname };
    if (options.usePost) t.usePost = true;
    if (options.postPath !== undefined) t.postPath = options.postPath;
    if (options.headersToAdd) t.headersToAdd = toHeaders(options.headersToAdd);
    if (options.propagateResponseHeaders) t.propagateResponseHeaders = true;
    if (options.propagateResponseTrailers) t.propagateResponseTrailers = true;
    this.draft.tunnelingConfig = t;
    return this;
  }

  /**
   * Closes connections after this long, whatever their activity.
   * @default unlimited
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto#envoy-v3-api-field-extensions-filters-network-tcp-proxy-v3-tcpproxy-max-downstream-connection-duration
   */
  maxDownstreamConnectionDuration(duration: DurationInput): this {
    this.draft.maxDownstreamConnectionDuration = parseDuration(duration, 'max_downstream_connection_duration');
    return this;
  }
}

/**
 * A TCP proxy (`envoy.filters.network.tcp_proxy`) with stat prefix `statPrefix`.
 *
 * @example tcpProxy('db').cluster('postgres').idleTimeout('10m')
 */
export function tcpProxy(statPrefix: string, props?: Props<TcpProxyBuilder>): TcpProxyBuilder {
  return new TcpProxyBuilder(statPrefix).props(props);
}
