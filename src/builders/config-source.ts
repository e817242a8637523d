/**
 * Config sources: where Envoy fetches dynamic resources (RDS routes, EDS endpoints, SDS secrets,
 * LDS/CDS in a bootstrap). Every source built here asks for resource API version V3.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto
 */
import {
  ApiConfigSource_ApiType,
  ApiVersion,
  type ApiConfigSource,
  type ConfigSource as ConfigSourceMessage,
} from '../gen/envoy/config/core/v3/config_source.js';
import { parseDuration, type DurationInput } from './duration.js';

export type { ConfigSourceMessage, ApiConfigSource };

/** Options common to every config source. */
export interface ConfigSourceOptions {
  /**
   * How long Envoy waits for the first response before it stops blocking initialization.
   * @default "15s" (Envoy's default)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#envoy-v3-api-field-config-core-v3-configsource-initial-fetch-timeout
   */
  initialFetchTimeout?: DurationInput;
}

/** Options of a gRPC API config source. */
export interface GrpcSourceOptions extends ConfigSourceOptions {
  /**
   * Use the incremental (delta) xDS protocol instead of state-of-the-world.
   * @default false
   */
  delta?: boolean;
  /**
   * Send the node only on the first request of a stream.
   * @default false
   */
  setNodeOnFirstMessageOnly?: boolean;
}

function withCommon(source: ConfigSourceMessage, options: ConfigSourceOptions | undefined): ConfigSourceMessage {
  source.resourceApiVersion = ApiVersion.V3;
  if (options?.initialFetchTimeout !== undefined) {
    source.initialFetchTimeout = parseDuration(options.initialFetchTimeout, 'initial_fetch_timeout');
  }
  return source;
}

/**
 * An ApiConfigSource for a gRPC xDS server reached through the Envoy cluster `clusterName`:
 * what a bootstrap's `ads_config` holds.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#config-core-v3-apiconfigsource
 */
export function apiConfigSource(clusterName: string, options: { delta?: boolean; ads?: boolean; setNodeOnFirstMessageOnly?: boolean } = {}): ApiConfigSource {
  const apiType = options.ads
    ? options.delta
      ? ApiConfigSource_ApiType.AGGREGATED_DELTA_GRPC
      : ApiConfigSource_ApiType.AGGREGATED_GRPC
    : options.delta
      ? ApiConfigSource_ApiType.DELTA_GRPC
      : ApiConfigSource_ApiType.GRPC;
  const api: ApiConfigSource = {
    apiType,
    transportApiVersion: ApiVersion.V3,
    grpcServices: [{ targetSpecifier: { $case: 'envoyGrpc', envoyGrpc: { clusterName } } }],
  };
  if (options.setNodeOnFirstMessageOnly) api.setNodeOnFirstMessageOnly = true;
  return api;
}

/**
 * Static factories for ConfigSource messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#config-core-v3-configsource
 * @example hcm('ingress').rds('local', ConfigSource.ads())
 */
export const ConfigSource = Object.freeze({
  /**
   * Over the aggregated (ADS) stream the bootstrap's `ads_config` opens.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#envoy-v3-api-field-config-core-v3-configsource-ads
   */
  ads(options?: ConfigSourceOptions): ConfigSourceMessage {
    return withCommon({ configSourceSpecifier: { $case: 'ads', ads: {} } }, options);
  },
  /**
   * Over a gRPC xDS stream of its own to the Envoy cluster `clusterName` (SotW, or delta with
   * `{ delta: true }`).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#envoy-v3-api-field-config-core-v3-configsource-api-config-source
   */
  grpc(clusterName: string, options?: GrpcSourceOptions): ConfigSourceMessage {
    return withCommon(
      { configSourceSpecifier: { $case: 'apiConfigSource', apiConfigSource: apiConfigSource(clusterName, options) } },
      options,
    );
  },
  /**
   * From a file on the Envoy host, watched for changes (a DiscoveryResponse in YAML/JSON).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#envoy-v3-api-field-config-core-v3-configsource-path-config-source
   */
  path(file: string, options?: ConfigSourceOptions): ConfigSourceMessage {
    return withCommon({ configSourceSpecifier: { $case: 'pathConfigSource', pathConfigSource: { path: file } } }, options);
  },
  /**
   * From the same server that sent the resource holding this source (e.g. RDS from the server
   * that sent the listener).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/config_source.proto#envoy-v3-api-field-config-core-v3-configsource-self
   */
  self(options?: ConfigSourceOptions): ConfigSourceMessage {
    return withCommon({ configSourceSpecifier: { $case: 'self', self: {} } }, options);
  },
});
