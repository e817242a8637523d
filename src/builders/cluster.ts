/**
 * Clusters (the CDS resource): discovery type, connect timeout, load balancing, health checks,
 * circuit breakers, outlier detection, upstream HTTP protocol, upstream TLS, DNS, inline
 * endpoints, metadata.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto
 */
import {
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
  Cluster_LbPolicy,
  Cluster_RingHashLbConfig_HashFunction,
  type Cluster,
  type Cluster_CommonLbConfig,
  type Cluster_OriginalDstLbConfig,
} from '../gen/envoy/config/cluster/v3/cluster.js';
import { isIP } from 'node:net';
import type { CircuitBreakers_Thresholds } from '../gen/envoy/config/cluster/v3/circuit_breaker.js';
import type { OutlierDetection } from '../gen/envoy/config/cluster/v3/outlier_detection.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint.js';
import { RoutingPriority } from '../gen/envoy/config/core/v3/base.js';
import type { Http1ProtocolOptions, Http2ProtocolOptions, HttpProtocolOptions as CoreHttpProtocolOptions } from '../gen/envoy/config/core/v3/protocol.js';
import type { HttpProtocolOptions } from '../gen/envoy/extensions/upstreams/http/v3/http_protocol_options.js';
import { pack } from '../registry/codec.js';
import { MessageBuilder, deepCopy, duplicate, fail, packConfig, packMessage, push, putMap, takeMessage, type Props, type TypedConfig } from './builder.js';
import type { AddressInput } from './address.js';
import { mergeMetadata, type EnumName, type Metadata } from './common.js';
import { ConfigSource, type ConfigSourceMessage } from './config-source.js';
import { parseDuration, type DurationInput } from './duration.js';
import { EndpointsBuilder, lbEndpoint, type EndpointOptions } from './endpoint.js';
import type { HealthCheckMessage } from './health-check.js';
import { UpstreamTlsBuilder, tlsTransportSocket, type UpstreamTlsContext } from './tls.js';
import { transportSocketOf, type TransportSocketMessage } from './transport-socket.js';

export type { Cluster };

/**
 * The options of the ORIGINAL_DST load balancer (`original_dst_lb_config`), in the generated
 * message's shape: `upstreamPortOverride` (connect to this port instead of the original one),
 * `useHttpHeader` and `httpHeaderName` (take the destination from a request header, default
 * `x-envoy-original-dst-host`), `metadataKey` (take it from metadata).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-originaldstlbconfig
 */
export type OriginalDstLbOptions = Cluster_OriginalDstLbConfig;

/** Options of {@link ClusterBuilder.upstreamBindConfig} besides the source address. */
export interface UpstreamBindOptions {
  /** The source port. @default 0 (an ephemeral port) */
  port?: number;
  /** Sets IP_FREEBIND on upstream sockets (bind an address not yet on the host). @default false */
  freebind?: boolean;
  /**
   * Source addresses of the other IP family (`extra_source_addresses`, port 0): Envoy binds the
   * one whose family is the upstream's (e.g. `127.0.0.6` with `["::6"]` for a dual-stack
   * pod). With Envoy's default local address selector: at most one, of the other family.
   * @default none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto#envoy-v3-api-field-config-core-v3-bindconfig-extra-source-addresses
   */
  extraSourceAddresses?: string[];
}

/**
 * What a transport socket match uses for the endpoints it selects: an upstream TLS context (a
 * builder or message), or any TransportSocket message (`TransportSocket.rawBuffer()` for
 * plaintext, `TransportSocket.custom(name, config)`).
 */
export type TransportSocketMatchSocket = UpstreamTlsBuilder | UpstreamTlsContext | TransportSocketMessage;

/** The key of upstream HTTP options in `typed_extension_protocol_options`. */
export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Circuit breaker thresholds of one routing priority. */
export interface CircuitBreakerInput {
  /** @default 1024 */
  maxConnections?: number;
  /** @default 1024 */
  maxPendingRequests?: number;
  /** @default 1024 */
  maxRequests?: number;
  /** @default 3 */
  maxRetries?: number;
  /** Limit retries to a share of active requests instead of `maxRetries`. */
  retryBudget?: { budgetPercent?: number; minRetryConcurrency?: number };
  /** Publish the remaining capacity as stats. @default false */
  trackRemaining?: boolean;
  /** Limit on connection pools (for clusters that create many). @default unlimited */
  maxConnectionPools?: number;
}

type OutlierDurations = 'interval' | 'baseEjectionTime' | 'maxEjectionTime' | 'maxEjectionTimeJitter';

/**
 * Outlier detection settings: the OutlierDetection fields, durations as `"10s"` or ms.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto
 */
export type OutlierDetectionInput = Omit<OutlierDetection, OutlierDurations> & { [K in OutlierDurations]?: DurationInput };

const OUTLIER_DURATION_FIELDS: Record<OutlierDurations, string> = {
  interval: 'interval',
  baseEjectionTime: 'base_ejection_time',
  maxEjectionTime: 'max_ejection_time',
  maxEjectionTimeJitter: 'max_ejection_time_jitter',
};

const OUTLIER_DURATIONS = Object.entries(OUTLIER_DURATION_FIELDS) as [OutlierDurations, string][];

/** Upstream HTTP options shared by every protocol choice. */
export interface UpstreamHttpOptions {
  /** Close upstream connections idle this long. @default "1h" */
  idleTimeout?: DurationInput;
  /** Close upstream connections after this many requests. @default unlimited */
  maxRequestsPerConnection?: number;
  /** Close upstream connections after this long. @default unlimited */
  maxConnectionDuration?: DurationInput;
}

/**
 * Builds a Cluster.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster
 */
export class ClusterBuilder extends MessageBuilder<Cluster> {
  private httpOptions?: HttpProtocolOptions;
  private readonly breakerPriorities = new Set<number>();

  constructor(name: string) {
    super('envoy.config.cluster.v3.Cluster', { name });
  }

  protected get label(): string {
    return `cluster ${JSON.stringify(this.draft.name)}`;
  }

  /** The cluster's name. */
  get name(): string {
    return this.draft.name ?? '';
  }

  // -- discovery type

  /**
   * The service discovery type by name.
   * @default "STATIC"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-enum-config-cluster-v3-cluster-discoverytype
   */
  type(type: EnumName<typeof Cluster_DiscoveryType>): this {
    const v = Cluster_DiscoveryType[type];
    if (v === undefined) {
      fail({ path: 'type', rule: 'enum', message: `unknown discovery type ${JSON.stringify(type)}: expected STATIC, STRICT_DNS, LOGICAL_DNS, EDS or ORIGINAL_DST`, value: type }, this.label);
    }
    if (v === Cluster_DiscoveryType.STATIC) delete this.draft.clusterDiscoveryType;
    else this.draft.clusterDiscoveryType = { $case: 'type', type: v };
    return this;
  }

  /**
   * Endpoints listed in the cluster (its `load_assignment`), by IP.
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#static
   */
  static(): this {
    return this.type('STATIC');
  }

  /**
   * Endpoints are every address the listed hostnames resolve to, re-resolved periodically.
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#strict-dns
   */
  strictDns(): this {
    return this.type('STRICT_DNS');
  }

  /**
   * One hostname; new connections go to the first address it resolves to (for large web
   * services behind DNS).
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#logical-dns
   */
  logicalDns(): this {
    return this.type('LOGICAL_DNS');
  }

  /**
   * Endpoints come from EDS: the ClusterLoadAssignment named `serviceName` (default: the
   * cluster's name), from `source`.
   * @default source ConfigSource.ads()
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-edsclusterconfig
   */
  eds(source: ConfigSourceMessage = ConfigSource.ads(), serviceName?: string): this {
    this.type('EDS');
    this.draft.edsClusterConfig = { edsConfig: deepCopy(source), ...(serviceName ? { serviceName } : {}) };
    return this;
  }

  /**
   * Connects to the original destination of the downstream connection (transparent proxying);
   * sets the load balancer to `CLUSTER_PROVIDED` as Envoy requires. `options` are those of
   * {@link originalDstLbConfig}.
   * @default options none (the original destination, its port unchanged)
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#original-destination
   */
  originalDst(options?: OriginalDstLbOptions): this {
    this.type('ORIGINAL_DST');
    this.draft.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
    return options === undefined ? this : this.originalDstLbConfig(options);
  }

  /**
   * Options of the ORIGINAL_DST load balancer: `upstreamPortOverride` (e.g. a tunnel port such
   * as HBONE's 15008 instead of the original port), `useHttpHeader` / `httpHeaderName` (the
   * destination from a request header), `metadataKey`. Only for ORIGINAL_DST clusters.
   * @default Envoy's: the connection's original destination, its port unchanged
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-original-dst-lb-config
   */
  originalDstLbConfig(options: OriginalDstLbOptions): this {
    if (options.httpHeaderName !== undefined && !options.useHttpHeader) {
      fail(
        {
          path: 'original_dst_lb_config.http_header_name',
          rule: 'original_dst',
          message: `http_header_name ${JSON.stringify(options.httpHeaderName)} is only read with use_http_header: true`,
          value: options.httpHeaderName,
        },
        this.label,
      );
    }
    this.draft.lbConfig = { $case: 'originalDstLbConfig', originalDstLbConfig: deepCopy(options) };
    return this;
  }

  // -- connection

  /**
   * Timeout for new upstream connections.
   * @default "5s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-connect-timeout
   */
  connectTimeout(timeout: DurationInput): this {
    this.draft.connectTimeout = parseDuration(timeout, 'connect_timeout');
    return this;
  }

  /**
   * Soft limit on the buffers of each upstream connection.
   * @default 1048576 (1 MiB)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-per-connection-buffer-limit-bytes
   */
  perConnectionBufferLimit(bytes: number): this {
    this.draft.perConnectionBufferLimitBytes = bytes;
    return this;
  }

  // -- load balancing

  private lb(policy: Cluster_LbPolicy, config?: Cluster['lbConfig']): this {
    if (policy === Cluster_LbPolicy.ROUND_ROBIN) delete this.draft.lbPolicy;
    else this.draft.lbPolicy = policy;
    this.draft.lbConfig = config;
    delete this.draft.loadBalancingPolicy;
    return this;
  }

  /**
   * Round robin load balancing (weighted by endpoint weights).
   * @default this is the default policy
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#weighted-round-robin
   */
  roundRobin(): this {
    return this.lb(Cluster_LbPolicy.ROUND_ROBIN);
  }

  /**
   * Least request: picks the host with fewer active requests among `choiceCount` random ones.
   * @param choiceCount @default 2
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-leastrequestlbconfig
   */
  leastRequest(choiceCount?: number): this {
    return this.lb(
      Cluster_LbPolicy.LEAST_REQUEST,
      choiceCount === undefined ? undefined : { $case: 'leastRequestLbConfig', leastRequestLbConfig: { choiceCount } },
    );
  }

  /**
   * Ring hash (consistent hashing on the route's hash policy).
   * @default minimumRingSize 1024, maximumRingSize 8388608, hashFunction "XX_HASH"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-ringhashlbconfig
   */
  ringHash(options: { minimumRingSize?: number; maximumRingSize?: number; hashFunction?: 'XX_HASH' | 'MURMUR_HASH_2' } = {}): this {
    const c: NonNullable<Cluster['lbConfig']> & { $case: 'ringHashLbConfig' } = { $case: 'ringHashLbConfig', ringHashLbConfig: {} };
    if (options.minimumRingSize !== undefined) c.ringHashLbConfig.minimumRingSize = String(options.minimumRingSize);
    if (options.maximumRingSize !== undefined) c.ringHashLbConfig.maximumRingSize = String(options.maximumRingSize);
    if (options.hashFunction === 'MURMUR_HASH_2') c.ringHashLbConfig.hashFunction = Cluster_RingHashLbConfig_HashFunction.MURMUR_HASH_2;
    return this.lb(Cluster_LbPolicy.RING_HASH, Object.keys(c.ringHashLbConfig).length ? c : undefined);
  }

  /**
   * Maglev (consistent hashing with a lookup table).
   * @param tableSize a prime @default 65537
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-maglevlbconfig
   */
  maglev(tableSize?: number): this {
    return this.lb(Cluster_LbPolicy.MAGLEV, tableSize === undefined ? undefined : { $case: 'maglevLbConfig', maglevLbConfig: { tableSize: String(tableSize) } });
  }

  /**
   * Random load balancing.
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#random
   */
  random(): this {
    return this.lb(Cluster_LbPolicy.RANDOM);
  }

  /**
   * Appends a policy to the typed `load_balancing_policy` (the first one Envoy supports is
   * used); replaces `lb_policy`. E.g.
   * `.loadBalancingPolicy('envoy.load_balancing_policies.round_robin', typed('envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin', {}))`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-load-balancing-policy
   */
  loadBalancingPolicy(name: string, config: TypedConfig): this {
    delete this.draft.lbPolicy;
    delete this.draft.lbConfig;
    const p = (this.draft.loadBalancingPolicy ??= {});
    p.policies = push(p.policies, { typedExtensionConfig: { name, typedConfig: packConfig(config) } });
    return this;
  }

  /**
   * Config common to every load balancer (panic threshold, zone aware / locality weighted,
   * update merge window...).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#config-cluster-v3-cluster-commonlbconfig
   */
  commonLbConfig(config: Cluster_CommonLbConfig): this {
    this.draft.commonLbConfig = { ...(this.draft.commonLbConfig ?? {}), ...deepCopy(config) };
    return this;
  }

  /**
   * Below this share (0-100) of healthy hosts, balance over all hosts (panic mode).
   * @default 50
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-commonlbconfig-healthy-panic-threshold
   */
  healthyPanicThreshold(percent: number): this {
    return this.commonLbConfig({ healthyPanicThreshold: { value: percent } });
  }

  /**
   * Weights localities by their EDS `load_balancing_weight`.
   * @default zone aware routing
   * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/locality_weight
   */
  localityWeightedLb(): this {
    return this.commonLbConfig({ localityConfigSpecifier: { $case: 'localityWeightedLbConfig', localityWeightedLbConfig: {} } });
  }

  // -- health

  /**
   * Adds an active health check (`HealthCheck.http(...)`, `.tcp(...)`, `.grpc(...)`).
   * @default no active health checking
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto
   */
  healthCheck(check: HealthCheckMessage): this {
    this.draft.healthChecks = push(this.draft.healthChecks, deepCopy(check));
    return this;
  }

  /**
   * Circuit breaker thresholds for a routing priority (each priority once).
   * @default priority "DEFAULT"; Envoy's thresholds are 1024 connections, pending and active
   *   requests and 3 retries
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto
   */
  circuitBreakers(thresholds: CircuitBreakerInput, priority: 'DEFAULT' | 'HIGH' = 'DEFAULT'): this {
    const p = RoutingPriority[priority];
    if (this.breakerPriorities.has(p)) {
      fail({ path: 'circuit_breakers.thresholds', rule: 'unique', message: `circuit breaker thresholds for priority ${priority} are already added; each priority must be unique`, value: priority }, this.label);
    }
    this.breakerPriorities.add(p);
    const t: CircuitBreakers_Thresholds = {};
    if (p !== RoutingPriority.DEFAULT) t.priority = p;
    if (thresholds.maxConnections !== undefined) t.maxConnections = thresholds.maxConnections;
    if (thresholds.maxPendingRequests !== undefined) t.maxPendingRequests = thresholds.maxPendingRequests;
    if (thresholds.maxRequests !== undefined) t.maxRequests = thresholds.maxRequests;
    if (thresholds.maxRetries !== undefined) t.maxRetries = thresholds.maxRetries;
    if (thresholds.retryBudget) {
      t.retryBudget = {};
      if (thresholds.retryBudget.budgetPercent !== undefined) t.retryBudget.budgetPercent = { value: thresholds.retryBudget.budgetPercent };
      if (thresholds.retryBudget.minRetryConcurrency !== undefined) t.retryBudget.minRetryConcurrency = thresholds.retryBudget.minRetryConcurrency;
    }
    if (thresholds.trackRemaining) t.trackRemaining = true;
    if (thresholds.maxConnectionPools !== undefined) t.maxConnectionPools = thresholds.maxConnectionPools;
    const cb = (this.draft.circuitBreakers ??= {});
    cb.thresholds = push(cb.thresholds, t);
    return this;
  }

  /**
   * Ejects misbehaving hosts (consecutive 5xx, gateway errors, success rate, failure
   * percentage). Only the fields given are written; Envoy's defaults apply to the rest
   * (5 consecutive 5xx, interval 10s, base ejection time 30s, at most 10% ejected).
   * @default options {} (outlier detection on, with Envoy's defaults)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto
   */
  outlierDetection(options: OutlierDetectionInput = {}): this {
    const o = deepCopy(options) as OutlierDetection;
    for (const [k, snake] of OUTLIER_DURATIONS) {
      const v = options[k];
      if (v !== undefined) o[k] = parseDuration(v, `outlier_detection.${snake}`);
    }
    this.draft.outlierDetection = o;
    return this;
  }

  // -- upstream HTTP protocol

  /**
   * The upstream HTTP options to set a field of: a new object each time (fields are replaced,
   * never changed in place), so the options an earlier build packed stay as they were packed.
   */
  private http(): HttpProtocolOptions {
    return (this.httpOptions = { ...this.httpOptions });
  }

  /**
   * Speaks HTTP/2 to the upstream (gRPC needs it).
   * @default HTTP/1.1
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/upstreams/http/v3/http_protocol_options.proto
   */
  http2(options: Http2ProtocolOptions = {}): this {
    this.http().upstreamProtocolOptions = { $case: 'explicitHttpConfig', explicitHttpConfig: { protocolConfig: { $case: 'http2ProtocolOptions', http2ProtocolOptions: deepCopy(options) } } };
    return this;
  }

  /**
   * Speaks HTTP/1.1 to the upstream, with options.
   * @default HTTP/1.1 with default options
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/upstreams/http/v3/http_protocol_options.proto
   */
  http1(options: Http1ProtocolOptions = {}): this {
    this.http().upstreamProtocolOptions = { $case: 'explicitHttpConfig', explicitHttpConfig: { protocolConfig: { $case: 'httpProtocolOptions', httpProtocolOptions: deepCopy(options) } } };
    return this;
  }

  /**
   * Picks HTTP/2 or HTTP/1.1 per connection by ALPN (needs upstream TLS offering both).
   * @default options the protocols' default options
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/upstreams/http/v3/http_protocol_options.proto#extensions-upstreams-http-v3-httpprotocoloptions-autohttpconfig
   */
  autoHttp(options: { http2?: Http2ProtocolOptions; http1?: Http1ProtocolOptions } = {}): this {
    this.http().upstreamProtocolOptions = {
      $case: 'autoConfig',
      autoConfig: { http2ProtocolOptions: deepCopy(options.http2 ?? {}), ...(options.http1 ? { httpProtocolOptions: deepCopy(options.http1) } : {}) },
    };
    return this;
  }

  /**
   * Uses the downstream request's protocol upstream.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/upstreams/http/v3/http_protocol_options.proto#extensions-upstreams-http-v3-httpprotocoloptions-usedownstreamhttpconfig
   */
  useDownstreamProtocol(): this {
    this.http().upstreamProtocolOptions = { $case: 'useDownstreamProtocolConfig', useDownstreamProtocolConfig: { httpProtocolOptions: {}, http2ProtocolOptions: {} } };
    return this;
  }

  /**
   * Upstream HTTP connection options (idle timeout, max requests per connection...).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto#config-core-v3-httpprotocoloptions
   */
  upstreamHttpOptions(options: UpstreamHttpOptions): this {
    const c: CoreHttpProtocolOptions = { ...(this.http().commonHttpProtocolOptions ?? {}) };
    if (options.idleTimeout !== undefined) c.idleTimeout = parseDuration(options.idleTimeout, `typed_extension_protocol_options.${HTTP_PROTOCOL_OPTIONS}.common_http_protocol_options.idle_timeout`);
    if (options.maxRequestsPerConnection !== undefined) c.maxRequestsPerConnection = options.maxRequestsPerConnection;
    if (options.maxConnectionDuration !== undefined) {
      c.maxConnectionDuration = parseDuration(options.maxConnectionDuration, `typed_extension_protocol_options.${HTTP_PROTOCOL_OPTIONS}.common_http_protocol_options.max_connection_duration`);
    }
    this.http().commonHttpProtocolOptions = c;
    return this;
  }

  /**
   * Sets any typed extension protocol options (keyed by the extension or filter name).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-typed-extension-protocol-options
   */
  typedExtensionProtocolOptions(name: string, config: TypedConfig): this {
    this.draft.typedExtensionProtocolOptions = putMap(this.draft.typedExtensionProtocolOptions, name, packConfig(config));
    return this;
  }

  // -- TLS

  /**
   * Originates TLS to the endpoints with this upstream TLS context (a builder or message).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-transport-socket
   */
  tls(tls: UpstreamTlsBuilder | UpstreamTlsContext): this {
    this.draft.transportSocket = tlsTransportSocket(tls, 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    return this;
  }

  /**
   * Any transport socket: its name and typed config.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-transportsocket
   */
  transportSocket(name: string, config: TypedConfig): this {
    this.draft.transportSocket = transportSocketOf(name, config);
    return this;
  }

  /**
   * Adds a transport socket match: endpoints whose `envoy.transport_socket_match` metadata
   * contains every key and value of `match` connect with `socket` (an upstream TLS context, or
   * `TransportSocket.rawBuffer()` for plaintext). Envoy tries the matches in order and takes the
   * first; an empty `match` takes every endpoint, so nothing may follow it. Endpoints no match
   * takes use the cluster's `transport_socket`. A match name used twice throws.
   * @example .transportSocketMatch('mtls', { tlsMode: 'istio' }, upstreamTls(sni)).transportSocketMatch('plaintext', {}, TransportSocket.rawBuffer())
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-transport-socket-matches
   */
  transportSocketMatch(name: string, match: Record<string, unknown>, socket: TransportSocketMatchSocket): this {
    const matches = this.draft.transportSocketMatches ?? [];
    const at = `transport_socket_matches[${matches.length}]`;
    if (matches.some((m) => m.name === name)) duplicate(this.label, 'transport_socket_matches', 'transport socket match', name);
    const catchAll = matches.findIndex((m) => Object.keys(m.match ?? {}).length === 0);
    if (catchAll >= 0) {
      fail(
        {
          path: at,
          rule: 'unreachable',
          message: `transport socket match ${JSON.stringify(name)} is never used: transport_socket_matches[${catchAll}] (${JSON.stringify(matches[catchAll]!.name)}) has an empty match and takes every endpoint`,
          value: name,
        },
        this.label,
      );
    }
    const ts =
      socket instanceof UpstreamTlsBuilder || !('configType' in socket || 'name' in socket)
        ? tlsTransportSocket(socket as UpstreamTlsBuilder | UpstreamTlsContext, 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext')
        : deepCopy(socket as TransportSocketMessage);
    // Replace the list: it may be shared with an earlier build.
    this.draft.transportSocketMatches = [...matches, { name, match: deepCopy(match), transportSocket: ts }];
    return this;
  }

  /**
   * Binds upstream connections to the source IP `address` (e.g. `127.0.0.6`, which a sidecar's
   * iptables rules leave alone, so inbound traffic it forwards is not captured again).
   * @default options port 0 (ephemeral), no freebind; Envoy's default is the bootstrap's
   *   cluster_manager.upstream_bind_config, else no bind
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-upstream-bind-config
   */
  upstreamBindConfig(address: string, options: UpstreamBindOptions = {}): this {
    if (!isIP(address)) {
      fail(
        { path: 'upstream_bind_config.source_address', rule: 'ip', message: `invalid source address ${JSON.stringify(address)}: expected an IP address such as "127.0.0.6" (the port goes in options.port)`, value: address },
        this.label,
      );
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      fail({ path: 'upstream_bind_config.source_address.port_value', rule: 'port', message: `invalid port ${JSON.stringify(port)}: expected an integer from 0 to 65535`, value: port }, this.label);
    }
    const extra = options.extraSourceAddresses ?? [];
    extra.forEach((a, i) => {
      const path = `upstream_bind_config.extra_source_addresses[${i}].address`;
      if (!isIP(a)) fail({ path, rule: 'ip', message: `invalid source address ${JSON.stringify(a)}: expected an IP address such as "::6"`, value: a }, this.label);
      // Envoy's default local address selector: two addresses at most, of different IP families.
      const why =
        i > 0
          ? 'takes at most one extra source address'
          : isIP(a) === isIP(address)
            ? `takes one source address per IP family, and ${JSON.stringify(address)} is already the ${isIP(address) === 4 ? 'IPv4' : 'IPv6'} one`
            : undefined;
      if (why) fail({ path, rule: 'upstream_bind', message: `extra source address ${JSON.stringify(a)}: envoy's default local address selector ${why}`, value: a }, this.label);
    });
    this.draft.upstreamBindConfig = {
      sourceAddress: { address, portSpecifier: { $case: 'portValue', portValue: port } },
      ...(options.freebind ? { freebind: true } : {}),
      ...(extra.length ? { extraSourceAddresses: extra.map((a) => ({ address: { address: a, portSpecifier: { $case: 'portValue' as const, portValue: 0 } } })) } : {}),
    };
    return this;
  }

  // -- DNS

  /**
   * Which address families DNS lookups return.
   * @default "AUTO" (IPv6 first, IPv4 if none)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-dns-lookup-family
   */
  dnsLookupFamily(family: EnumName<typeof Cluster_DnsLookupFamily>): this {
    const v = Cluster_DnsLookupFamily[family];
    if (v === undefined) fail({ path: 'dns_lookup_family', rule: 'enum', message: `unknown dns lookup family ${JSON.stringify(family)}: expected AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED or ALL`, value: family }, this.label);
    if (v === Cluster_DnsLookupFamily.AUTO) delete this.draft.dnsLookupFamily;
    else this.draft.dnsLookupFamily = v;
    return this;
  }

  /**
   * Time between DNS refreshes (STRICT_DNS, LOGICAL_DNS).
   * @default "5s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-dns-refresh-rate
   */
  dnsRefreshRate(rate: DurationInput): this {
    this.draft.dnsRefreshRate = parseDuration(rate, 'dns_refresh_rate');
    return this;
  }

  /**
   * Back-off of DNS refreshes after failures.
   * @default the dns refresh rate
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-dns-failure-refresh-rate
   */
  dnsFailureRefreshRate(base: DurationInput, max?: DurationInput): this {
    this.draft.dnsFailureRefreshRate = {
      baseInterval: parseDuration(base, 'dns_failure_refresh_rate.base_interval'),
      ...(max !== undefined ? { maxInterval: parseDuration(max, 'dns_failure_refresh_rate.max_interval') } : {}),
    };
    return this;
  }

  /**
   * Refreshes DNS at the records' TTL instead of the refresh rate.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-respect-dns-ttl
   */
  respectDnsTtl(on = true): this {
    this.draft.respectDnsTtl = on;
    return this;
  }

  // -- endpoints

  /**
   * The inline endpoints (STATIC, STRICT_DNS, LOGICAL_DNS clusters): an `endpoints()` builder or
   * a ClusterLoadAssignment. Its cluster name defaults to this cluster's.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-load-assignment
   */
  loadAssignment(assignment: EndpointsBuilder | ClusterLoadAssignment): this {
    const m = assignment instanceof EndpointsBuilder ? takeMessage(assignment) : deepCopy(assignment);
    if (!m.clusterName) m.clusterName = this.draft.name;
    this.draft.loadAssignment = m;
    return this;
  }

  /**
   * Adds inline endpoints by address (`"10.0.0.1:8080"`, `"api.internal:443"`), in the
   * locality-less group at priority 0.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint_components.proto#config-endpoint-v3-lbendpoint
   */
  endpoints(...addresses: AddressInput[]): this {
    for (const a of addresses) this.endpoint(a);
    return this;
  }

  /**
   * Adds one inline endpoint with options (weight, hostname, health status, metadata).
   * @default options weight 1, health status UNKNOWN
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint_components.proto#config-endpoint-v3-lbendpoint
   */
  endpoint(address: AddressInput, options: EndpointOptions = {}): this {
    const e = lbEndpoint(address, options, 'load_assignment.endpoints.lb_endpoints');
    // The assignment may be shared with the endpoints builder it came from: replace, never change.
    const cla = this.draft.loadAssignment ?? { clusterName: this.draft.name };
    const groups = [...(cla.endpoints ?? [])];
    const i = groups.findIndex((g) => !g.locality && !g.priority);
    if (i < 0) groups.push({ lbEndpoints: [e] });
    else groups[i] = { ...groups[i], lbEndpoints: [...(groups[i]!.lbEndpoints ?? []), e] };
    this.draft.loadAssignment = { ...cla, endpoints: groups };
    return this;
  }

  /**
   * Adds metadata (`{ filterName: { key: value } }`), merged with earlier calls.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-metadata
   */
  metadata(metadata: Record<string, Record<string, unknown>> | Metadata): this {
    this.draft.metadata = mergeMetadata(this.draft.metadata, metadata);
    return this;
  }

  /**
   * How often to clean up stale hosts of an ORIGINAL_DST cluster.
   * @default "5s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-cleanup-interval
   */
  cleanupInterval(interval: DurationInput): this {
    this.draft.cleanupInterval = parseDuration(interval, 'cleanup_interval');
    return this;
  }

  protected override finish(m: Cluster): Cluster {
    if (m.lbConfig?.$case === 'originalDstLbConfig' && !(m.clusterDiscoveryType?.$case === 'type' && m.clusterDiscoveryType.type === Cluster_DiscoveryType.ORIGINAL_DST)) {
      fail({ path: 'original_dst_lb_config', rule: 'original_dst', message: 'original_dst_lb_config needs an ORIGINAL_DST cluster: call .originalDst()', value: m.lbConfig.originalDstLbConfig }, this.label);
    }
    if (this.httpOptions) {
      m.typedExtensionProtocolOptions = { ...m.typedExtensionProtocolOptions, [HTTP_PROTOCOL_OPTIONS]: packMessage(HTTP_PROTOCOL_OPTIONS, this.httpOptions) };
    }
    return m;
  }
}

/**
 * A cluster named `name`.
 *
 * @example cluster('api', { connectTimeout: '1s' }).eds().roundRobin().http2()
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto
 */
export function cluster(name: string, props?: Props<ClusterBuilder>): ClusterBuilder {
  return new ClusterBuilder(name).props(props);
}
