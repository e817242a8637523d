/**
 * The HTTP connection manager (HCM) network filter: the route source (RDS, inline or scoped),
 * the HTTP filters with the router kept last, and the connection-level HTTP options.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
 */
import {
  HttpConnectionManager_CodecType,
  HttpConnectionManager_ForwardClientCertDetails,
  HttpConnectionManager_PathWithEscapedSlashesAction,
  HttpConnectionManager_ServerHeaderTransformation,
  type HttpConnectionManager,
  type HttpConnectionManager_SetCurrentClientCertDetails,
  type ScopedRoutes,
} from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js';
import type { RouteConfiguration } from '../gen/envoy/config/route/v3/route.js';
import type { Http2ProtocolOptions, HttpProtocolOptions } from '../gen/envoy/config/core/v3/protocol.js';
import { HttpProtocolOptions_HeadersWithUnderscoresAction } from '../gen/envoy/config/core/v3/protocol.js';
import { deepCopy, fail, packConfig, push, takeMessage, type Props, type TypedConfig } from './builder.js';
import { enumValue, type AccessLogMessage, type EnumName } from './common.js';
import { ConfigSource, type ConfigSourceMessage } from './config-source.js';
import { parseDuration, type DurationInput } from './duration.js';
import { HttpFilter, NetworkFilter, checkKind, filterEntry, type HttpFilterMessage } from './filter.js';
import { HttpFilterTypes, router } from './http-filters.js';
import { RouteConfigBuilder } from './route.js';

export type { HttpConnectionManager };

/**
 * Which details of the client certificate go into `x-forwarded-client-cert`: `subject`, `cert`
 * (PEM), `chain` (PEM), `dns` and `uri` SANs (the SPIFFE id).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-setcurrentclientcertdetails
 */
export type ClientCertDetails = HttpConnectionManager_SetCurrentClientCertDetails;

const ROUTER_URL = `type.googleapis.com/${HttpFilterTypes.router}`;

/** Tracing options of an HCM, as `.tracing()` accepts them. */
export interface TracingInput {
  /** Share of requests traced at random (0-100). @default 100 */
  randomSampling?: number;
  /** Share of requests with `x-client-trace-id` traced (0-100). @default 100 */
  clientSampling?: number;
  /** Share of all requests traced after the other decisions (0-100). @default 100 */
  overallSampling?: number;
  /** Annotate spans with more detail. @default false */
  verbose?: boolean;
  /** The tracer: its extension name and typed config (e.g. OpenTelemetry, Zipkin). */
  provider?: { name: string; config: TypedConfig };
}

/**
 * Builds an HttpConnectionManager network filter config.
 *
 * The router is kept last: `build()` moves router filters (recognised by their type URL) to the
 * end of `http_filters` and appends a default `router()` when there is none, since Envoy and gRPC
 * clients need a terminal router filter.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
 */
export class HcmBuilder extends NetworkFilter<HttpConnectionManager> {
  private readonly filterNames = new Set<string>();

  constructor(statPrefix: string) {
    super('envoy.filters.network.http_connection_manager', 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', { statPrefix });
  }

  protected override get label(): string {
    return `http connection manager ${JSON.stringify(this.draft.statPrefix)}`;
  }

  private routeSource(kind: string): void {
    const cur = this.draft.routeSpecifier;
    if (cur && cur.$case !== kind) {
      fail({ path: 'route_specifier', rule: 'oneof', message: `an http connection manager has one route source, and this one already has ${cur.$case}`, value: kind }, this.label);
    }
  }

  /**
   * Takes routes from RDS: the route configuration `name`, from `source`.
   * @default source ConfigSource.ads()
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-rds
   */
  rds(name: string, source: ConfigSourceMessage = ConfigSource.ads()): this {
    this.routeSource('rds');
    this.draft.routeSpecifier = { $case: 'rds', rds: { routeConfigName: name, configSource: deepCopy(source) } };
    return this;
  }

  /**
   * Uses an inline route configuration (a builder or message).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-route-config
   */
  routeConfig(config: RouteConfigBuilder | RouteConfiguration): this {
    this.routeSource('routeConfig');
    this.draft.routeSpecifier = { $case: 'routeConfig', routeConfig: config instanceof RouteConfigBuilder ? takeMessage(config) : deepCopy(config) };
    return this;
  }

  /**
   * Uses scoped routes: a ScopedRoutes message (scope key builder, and scoped RDS or an inline
   * list of scopes).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-scopedroutes
   */
  scopedRoutes(scoped: ScopedRoutes): this {
    this.routeSource('scopedRoutes');
    this.draft.routeSpecifier = { $case: 'scopedRoutes', scopedRoutes: deepCopy(scoped) };
    return this;
  }

  /**
   * Uses scoped RDS: the scope key is built from request header `header` (the element at
   * `index` when split by `separator`), scopes come from SRDS and their routes from RDS. For a
   * key of several fragments, or inline scopes, give a ScopedRoutes message to
   * {@link scopedRoutes}.
   * @default source ConfigSource.ads() for both SRDS and RDS
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-scopedrds
   */
  scopedRds(name: string, key: { header: string; separator?: string; index?: number }, source: ConfigSourceMessage = ConfigSource.ads()): this {
    return this.scopedRoutes({
      name,
      scopeKeyBuilder: {
        fragments: [
          {
            type: {
              $case: 'headerValueExtractor',
              headerValueExtractor: {
                name: key.header,
                ...(key.separator !== undefined ? { elementSeparator: key.separator } : {}),
                extractType: { $case: 'index', index: key.index ?? 0 },
              },
            },
          },
        ],
      },
      rdsConfigSource: deepCopy(source),
      configSpecifier: { $case: 'scopedRds', scopedRds: { scopedRdsConfigSource: deepCopy(source) } },
    });
  }

  /**
   * Adds HTTP filters, in order (the router is kept last). A filter name used twice throws.
   * Only HTTP filters are accepted: a network filter here does not compile.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-http-filters
   */
  httpFilters(...filters: HttpFilter<any>[]): this {
    for (const f of filters) this.draft.httpFilters = push(this.draft.httpFilters, filterEntry(f, HttpFilter, this, 'http_filters', this.filterNames));
    return this;
  }

  /** Adds one HTTP filter (see {@link httpFilters}). */
  httpFilter(filter: HttpFilter<any>): this {
    return this.httpFilters(filter);
  }

  /**
   * The HTTP codec: `AUTO` detects HTTP/1.1 or HTTP/2 (h2c, or ALPN with TLS).
   * @default "AUTO"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-codec-type
   */
  codec(codec: EnumName<typeof HttpConnectionManager_CodecType>): this {
    const v = enumValue(HttpConnectionManager_CodecType, codec, 'codec type', 'codec_type');
    if (v === HttpConnectionManager_CodecType.AUTO) delete this.draft.codecType;
    else this.draft.codecType = v;
    return this;
  }

  /**
   * Uses the connection's remote address (not `x-forwarded-for`) as the client address, and
   * sets `x-forwarded-for` / `x-envoy-external-address`: right for an edge proxy.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-use-remote-address
   */
  useRemoteAddress(on = true): this {
    this.draft.useRemoteAddress = on;
    return this;
  }

  /**
   * How many trusted proxies in front of Envoy append to `x-forwarded-for`.
   * @default 0
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-xff-num-trusted-hops
   */
  xffNumTrustedHops(hops: number): this {
    this.draft.xffNumTrustedHops = hops;
    return this;
  }

  /**
   * Adds an access log (one entry per request).
   * @default none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-access-log
   */
  accessLog(log: AccessLogMessage): this {
    this.draft.accessLog = push(this.draft.accessLog, log);
    return this;
  }

  /**
   * Enables tracing (the tracer itself is the `provider`, or the bootstrap's).
   * @default tracing off
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-tracing
   */
  tracing(tracing: TracingInput = {}): this {
    const t: NonNullable<HttpConnectionManager['tracing']> = {};
    if (tracing.randomSampling !== undefined) t.randomSampling = { value: tracing.randomSampling };
    if (tracing.clientSampling !== undefined) t.clientSampling = { value: tracing.clientSampling };
    if (tracing.overallSampling !== undefined) t.overallSampling = { value: tracing.overallSampling };
    if (tracing.verbose) t.verbose = true;
    if (tracing.provider) t.provider = { name: tracing.provider.name, configType: { $case: 'typedConfig', typedConfig: packConfig(tracing.provider.config) } };
    this.draft.tracing = t;
    return this;
  }

  /**
   * Allows an upgrade (`websocket`, `CONNECT`...), optionally through its own HTTP filters.
   * @default enabled true, the HCM's own HTTP filters
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-upgradeconfig
   */
  upgrade(upgradeType: string, options: { enabled?: boolean; filters?: HttpFilter<any>[] } = {}): this {
    const u: NonNullable<HttpConnectionManager['upgradeConfigs']>[number] = { upgradeType };
    if (options.enabled === false) u.enabled = false;
    if (options.filters?.length) {
      u.filters = options.filters.map((f) => {
        checkKind(f, HttpFilter, this, 'upgrade_configs.filters');
        return f.toFilter();
      });
    }
    this.draft.upgradeConfigs = push(this.draft.upgradeConfigs, u);
    return this;
  }

  /** Allows WebSocket upgrades (see {@link upgrade}). */
  websocket(): this {
    return this.upgrade('websocket');
  }

  private common(): HttpProtocolOptions {
    return (this.draft.commonHttpProtocolOptions ??= {});
  }

  /**
   * Closes downstream connections with no active stream for this long.
   * @default "1h"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto#envoy-v3-api-field-config-core-v3-httpprotocoloptions-idle-timeout
   */
  idleTimeout(timeout: DurationInput): this {
    this.common().idleTimeout = parseDuration(timeout, 'common_http_protocol_options.idle_timeout');
    return this;
  }

  /**
   * Closes streams (requests) with no activity for this long.
   * @default "5m"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-stream-idle-timeout
   */
  streamIdleTimeout(timeout: DurationInput): this {
    this.draft.streamIdleTimeout = parseDuration(timeout, 'stream_idle_timeout');
    return this;
  }

  /**
   * Time allowed to receive the whole request.
   * @default no limit
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-request-timeout
   */
  requestTimeout(timeout: DurationInput): this {
    this.draft.requestTimeout = parseDuration(timeout, 'request_timeout');
    return this;
  }

  /**
   * Time allowed to receive the request headers.
   * @default no limit
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-request-headers-timeout
   */
  requestHeadersTimeout(timeout: DurationInput): this {
    this.draft.requestHeadersTimeout = parseDuration(timeout, 'request_headers_timeout');
    return this;
  }

  /**
   * Time between the GOAWAY that starts a drain and closing the connection (HTTP/2, HTTP/3).
   * @default "5s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-drain-timeout
   */
  drainTimeout(timeout: DurationInput): this {
    this.draft.drainTimeout = parseDuration(timeout, 'drain_timeout');
    return this;
  }

  /**
   * Closes downstream connections after this long, active or not.
   * @default unlimited
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto#envoy-v3-api-field-config-core-v3-httpprotocoloptions-max-connection-duration
   */
  maxConnectionDuration(duration: DurationInput): this {
    this.common().maxConnectionDuration = parseDuration(duration, 'common_http_protocol_options.max_connection_duration');
    return this;
  }

  /**
   * What to do with request headers whose names contain underscores.
   * @default "ALLOW"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto#envoy-v3-api-field-config-core-v3-httpprotocoloptions-headers-with-underscores-action
   */
  headersWithUnderscores(action: EnumName<typeof HttpProtocolOptions_HeadersWithUnderscoresAction>): this {
    this.common().headersWithUnderscoresAction = enumValue(HttpProtocolOptions_HeadersWithUnderscoresAction, action, 'headers with underscores action');
    return this;
  }

  /**
   * HTTP/2 options of downstream connections (max concurrent streams, window sizes,
   * `allowConnect` for extended CONNECT tunnels such as HBONE...).
   * @default Envoy's HTTP/2 defaults
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto#config-core-v3-http2protocoloptions
   */
  http2(options: Http2ProtocolOptions = {}): this {
    this.draft.http2ProtocolOptions = deepCopy(options);
    return this;
  }

  /**
   * Normalizes paths (RFC 3986: `.`/`..` segments, percent-encoding) before routing and filters.
   * @default false (unless the runtime says otherwise)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-normalize-path
   */
  normalizePath(on = true): this {
    this.draft.normalizePath = on;
    return this;
  }

  /**
   * Merges adjacent slashes in paths (`//a///b` → `/a/b`).
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-merge-slashes
   */
  mergeSlashes(on = true): this {
    this.draft.mergeSlashes = on;
    return this;
  }

  /**
   * What to do with escaped slashes (`%2F`, `%5C`) in paths.
   * @default "IMPLEMENTATION_SPECIFIC_DEFAULT" (keep unchanged)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-path-with-escaped-slashes-action
   */
  pathWithEscapedSlashes(action: EnumName<typeof HttpConnectionManager_PathWithEscapedSlashesAction>): this {
    this.draft.pathWithEscapedSlashesAction = enumValue(HttpConnectionManager_PathWithEscapedSlashesAction, action, 'escaped slashes action');
    return this;
  }

  /**
   * The `server` response header value.
   * @default "envoy"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-server-name
   */
  serverName(name: string): this {
    this.draft.serverName = name;
    return this;
  }

  /**
   * Whether Envoy overwrites, adds if absent, or passes through the upstream `server` header.
   * @default "OVERWRITE"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-server-header-transformation
   */
  serverHeaderTransformation(t: EnumName<typeof HttpConnectionManager_ServerHeaderTransformation>): this {
    this.draft.serverHeaderTransformation = enumValue(HttpConnectionManager_ServerHeaderTransformation, t, 'server header transformation');
    return this;
  }

  /**
   * How the client certificate is passed upstream in `x-forwarded-client-cert`.
   * @default "SANITIZE"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-forward-client-cert-details
   */
  forwardClientCertDetails(mode: EnumName<typeof HttpConnectionManager_ForwardClientCertDetails>): this {
    this.draft.forwardClientCertDetails = enumValue(HttpConnectionManager_ForwardClientCertDetails, mode, 'forward client cert details mode');
    return this;
  }

  /**
   * Which details of the client certificate Envoy adds to `x-forwarded-client-cert` (e.g.
   * `{ uri: true }` for the peer's SPIFFE id). Envoy reads them only when
   * {@link forwardClientCertDetails} is `APPEND_FORWARD` or `SANITIZE_SET`: with another mode
   * the finished HCM throws.
   * @default none: only the certificate's hash (`By` and `Hash`)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-set-current-client-cert-details
   */
  setCurrentClientCertDetails(details: ClientCertDetails): this {
    this.draft.setCurrentClientCertDetails = deepCopy(details);
    return this;
  }

  /**
   * Generates `x-request-id` for requests without one.
   * @default true
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-generate-request-id
   */
  generateRequestId(on = true): this {
    this.draft.generateRequestId = on;
    return this;
  }

  protected override finish(m: HttpConnectionManager): HttpConnectionManager {
    if (m.setCurrentClientCertDetails) {
      const mode = m.forwardClientCertDetails ?? HttpConnectionManager_ForwardClientCertDetails.SANITIZE;
      if (mode !== HttpConnectionManager_ForwardClientCertDetails.APPEND_FORWARD && mode !== HttpConnectionManager_ForwardClientCertDetails.SANITIZE_SET) {
        fail(
          {
            path: 'set_current_client_cert_details',
            rule: 'forward_client_cert_details',
            message: `is only read with forward_client_cert_details APPEND_FORWARD or SANITIZE_SET, and this one is ${HttpConnectionManager_ForwardClientCertDetails[mode]}`,
            value: m.setCurrentClientCertDetails,
          },
          this.label,
        );
      }
    }
    const filters: HttpFilterMessage[] = m.httpFilters ?? [];
    const isRouter = (f: HttpFilterMessage) => f.configType?.$case === 'typedConfig' && f.configType.typedConfig.typeUrl === ROUTER_URL;
    const routers = filters.filter(isRouter);
    const others = filters.filter((f) => !isRouter(f));
    if (routers.length === 0) routers.push(router().toFilter());
    m.httpFilters = [...others, ...routers];
    return m;
  }
}

/**
 * An HTTP connection manager (`envoy.filters.network.http_connection_manager`) with stat
 * prefix `statPrefix`.
 *
 * @example hcm('ingress').rds('local').httpFilter(cors()).useRemoteAddress()
 */
export function hcm(statPrefix: string, props?: Props<HcmBuilder>): HcmBuilder {
  return new HcmBuilder(statPrefix).props(props);
}
