/**
 * Builders: fluent, typed factories for Envoy resources — listeners, filter chains, HTTP and
 * network filters, routes, clusters, endpoints, TLS and secrets, bootstraps. Each `build()`
 * returns a fresh plain generated message, validated with `assertValid`; nested typed configs
 * are packed for you (never write an Any by hand).
 *
 * Generated message types are not re-exported here: use the `envoy` namespace
 * (`envoy.config.cluster.v3.Cluster`) or `MessageOf<'envoy.config.cluster.v3.Cluster'>`.
 *
 * @module
 */
export { MessageBuilder, typed, packConfig, args, type TypedConfig, type Props, type Args } from './builder.js';
export { Duration } from './duration.js';
export { parseDuration, type DurationInput } from '../registry/duration.js';
export { Address, toAddress, toCidr, type AddressInput, type SocketOptions } from './address.js';
export {
  Match,
  DataSource,
  AccessLog,
  headerValue,
  runtimeFraction,
  toFractionalPercent,
  toHeaderMatcher,
  toStringMatcher,
  toDataSource,
  toMetadata,
  type MatchOptions,
  type StringMatchInput,
  type HeaderMatchInput,
  type HeadersInput,
  type AppendAction,
  type DataSourceInput,
  type EnumName,
} from './common.js';
export { ConfigSource, apiConfigSource, type ConfigSourceOptions, type GrpcSourceOptions } from './config-source.js';
export { FilterBuilder, HttpFilter, NetworkFilter, ListenerFilter } from './filter.js';
export { ChainMatcher, ListenerPredicate, CHAIN_ACTION_TYPE, type ChainTarget, type NetworkInput } from './matcher.js';
export { TransportSocket, RAW_BUFFER_TRANSPORT_SOCKET } from './transport-socket.js';
export { Permission, Principal, type PolicyInput, type RbacAction } from './rbac.js';
export { toRouteMatch, type RouteMatchInput, type RouteMatchSpec } from './route-match.js';
export {
  HttpFilterTypes,
  RouterFilter,
  router,
  HttpRbacFilter,
  httpRbac,
  CorsFilter,
  cors,
  corsPolicy,
  FaultFilter,
  fault,
  LocalRateLimitFilter,
  localRateLimit,
  ExtAuthzFilter,
  extAuthz,
  JwtAuthnFilter,
  jwtAuthn,
  LuaFilter,
  lua,
  GrpcWebFilter,
  grpcWeb,
  CompressorFilter,
  compressor,
  HealthCheckFilter,
  healthCheckFilter,
  HeaderMutationFilter,
  headerMutation,
  BufferFilter,
  buffer,
  httpFilter,
  type CorsInput,
  type TokenBucketInput,
  type JwtProviderInput,
  type JwtRequirementInput,
  type CompressionOptions,
} from './http-filters.js';
export { HcmBuilder, hcm, type TracingInput, type ClientCertDetails } from './http.js';
export { TcpProxyBuilder, tcpProxy, type TunnelingOptions } from './tcp.js';
export { NetworkRbacFilter, networkRbac, networkFilter } from './network-filters.js';
export { tlsInspector, httpInspector, originalDst, originalSrc, proxyProtocol, listenerFilter } from './listener-filters.js';
export { FilterChainBuilder, filterChain, toFilterChainMatch, type FilterChainMatchInput } from './filter-chain.js';
export { ListenerBuilder, listener } from './listener.js';
export {
  HeadersBuilder,
  RouteBuilder,
  route,
  VirtualHostBuilder,
  virtualHost,
  RouteConfigBuilder,
  routeConfig,
  toRetryPolicy,
  type RetryInput,
  type HashPolicyInput,
  type RedirectInput,
  type ClusterWeightOptions,
  type RouteUpgradeOptions,
} from './route.js';
export {
  HealthCheck,
  type HealthCheckTiming,
  type HttpHealthCheckOptions,
  type TcpHealthCheckOptions,
  type GrpcHealthCheckOptions,
} from './health-check.js';
export { EndpointsBuilder, endpoints, lbEndpoint, type EndpointOptions, type EndpointInput, type LocalityInput, type HealthStatusName } from './endpoint.js';
export {
  ClusterBuilder,
  cluster,
  HTTP_PROTOCOL_OPTIONS,
  type CircuitBreakerInput,
  type OutlierDetectionInput,
  type UpstreamHttpOptions,
  type OriginalDstLbOptions,
  type UpstreamBindOptions,
  type TransportSocketMatchSocket,
} from './cluster.js';
export {
  TLS_TRANSPORT_SOCKET,
  San,
  tlsCertificate,
  TlsContextBuilder,
  DownstreamTlsBuilder,
  downstreamTls,
  UpstreamTlsBuilder,
  upstreamTls,
  SecretBuilder,
  secret,
  type TlsVersion,
  type SanType,
  type ValidationInput,
  type CertificateOptions,
} from './tls.js';
export { BootstrapBuilder, bootstrap, xdsCluster, INTERNAL_LISTENER_EXTENSION, type NodeInput, type AdsOptions, type HeapLimitOptions } from './bootstrap.js';
