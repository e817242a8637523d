/**
 * Listener filters: they inspect a new connection before a filter chain is chosen — TLS
 * inspector (SNI, ALPN), HTTP inspector, original destination, original source, PROXY protocol —
 * and the generic {@link listenerFilter}.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/listener_filters
 */
import type { MessageOf, TypeRef } from '../registry/codec.js';
import type { TypedConfig } from './builder.js';
import { ListenerFilter, configArgs, type ConfigOf, type Msg } from './filter.js';

/**
 * The TLS inspector (`envoy.filters.listener.tls_inspector`): detects TLS and reads SNI and ALPN
 * for filter chain matching.
 *
 * @param options e.g. `{ enableJa3Fingerprinting: true }`
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto
 */
export function tlsInspector(options: Msg<'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'> = {}): ListenerFilter<Msg<'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'>> {
  return new ListenerFilter('envoy.filters.listener.tls_inspector', 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', { ...options });
}

/**
 * The HTTP inspector (`envoy.filters.listener.http_inspector`): detects HTTP/1.x and h2c for
 * `application_protocols` matching.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/listener/http_inspector/v3/http_inspector.proto
 */
export function httpInspector(): ListenerFilter<Msg<'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'>> {
  return new ListenerFilter('envoy.filters.listener.http_inspector', 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector', {});
}

/**
 * The original destination filter (`envoy.filters.listener.original_dst`): restores the address a
 * redirected (iptables) connection was sent to.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/listener/original_dst/v3/original_dst.proto
 */
export function originalDst(): ListenerFilter<Msg<'envoy.extensions.filters.listener.original_dst.v3.OriginalDst'>> {
  return new ListenerFilter('envoy.filters.listener.original_dst', 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst', {});
}

/**
 * The original source filter (`envoy.filters.listener.original_src`): connects upstream from the
 * downstream's source address (transparent proxying).
 *
 * @param options `mark` (SO_MARK for routing the return traffic), `bindPort`
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/listener/original_src/v3/original_src.proto
 */
export function originalSrc(options: Msg<'envoy.extensions.filters.listener.original_src.v3.OriginalSrc'> = {}): ListenerFilter<Msg<'envoy.extensions.filters.listener.original_src.v3.OriginalSrc'>> {
  return new ListenerFilter('envoy.filters.listener.original_src', 'envoy.extensions.filters.listener.original_src.v3.OriginalSrc', { ...options });
}

/**
 * The PROXY protocol filter (`envoy.filters.listener.proxy_protocol`): reads the PROXY protocol
 * header (v1 or v2) a load balancer sends, restoring the client's addresses.
 *
 * @param options e.g. `{ allowRequestsWithoutProxyProtocol: true }`
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.proto
 */
export function proxyProtocol(options: Msg<'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol'> = {}): ListenerFilter<Msg<'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol'>> {
  return new ListenerFilter('envoy.filters.listener.proxy_protocol', 'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol', { ...options });
}

/**
 * Any listener filter: its name and typed config, as a type and message or a typed config.
 *
 * @example listenerFilter('envoy.filters.listener.local_ratelimit', 'envoy.extensions.filters.listener.local_ratelimit.v3.LocalRateLimit', { statPrefix: 'l', tokenBucket: { maxTokens: 10, fillInterval: { seconds: '1' } } })
 */
export function listenerFilter<R extends TypeRef>(name: string, type: R, message?: MessageOf<R>): ListenerFilter<ConfigOf<R>>;
export function listenerFilter<T>(name: string, config: TypedConfig<T>): ListenerFilter<T & object>;
export function listenerFilter(name: string, typeOrConfig: TypeRef | TypedConfig, message?: unknown): ListenerFilter {
  const { typeName, draft } = configArgs(typeOrConfig, message);
  return new ListenerFilter(name, typeName, draft);
}
