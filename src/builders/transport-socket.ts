/**
 * Transport sockets: what a filter chain or a cluster wraps its connections in — TLS (from the
 * TLS builders), plain text, or any registered transport socket extension.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-transportsocket
 */
import type { TransportSocket as TransportSocketMessage } from '../gen/envoy/config/core/v3/base.js';
import { packConfig, typed, type TypedConfig } from './builder.js';

export type { TransportSocketMessage };

/** The name of the plaintext transport socket extension. */
export const RAW_BUFFER_TRANSPORT_SOCKET = 'envoy.transport_sockets.raw_buffer';

/**
 * Static factories for TransportSocket messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-transportsocket
 * @example TransportSocket.rawBuffer(); TransportSocket.custom('envoy.transport_sockets.internal_upstream', typed(...))
 */
export const TransportSocket = Object.freeze({
  /**
   * Plain text (`envoy.transport_sockets.raw_buffer`): what a connection uses without a transport
   * socket, written out where one must be named (a transport socket match for plaintext
   * endpoints, the inner socket of another transport).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto
   */
  rawBuffer: (): TransportSocketMessage => transportSocketOf(RAW_BUFFER_TRANSPORT_SOCKET, typed('envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer', {})),
  /** Any transport socket: its extension name and typed config (a builder or {@link typed}). */
  custom: (name: string, config: TypedConfig): TransportSocketMessage => transportSocketOf(name, config),
});

/** A TransportSocket message: `name` with `config` packed into its `typed_config`. */
export function transportSocketOf(name: string, config: TypedConfig): TransportSocketMessage {
  return { name, configType: { $case: 'typedConfig', typedConfig: packConfig(config) } };
}
