/**
 * Routes: `routeConfig('local')` (RouteConfiguration, an RDS resource), `virtualHost('api')` and
 * `route()`, with every match and action of Envoy's route API.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto
 */
import {
  RedirectAction_RedirectResponseCode,
  VirtualHost_TlsRequirementType,
  type DirectResponseAction,
  type RedirectAction,
  type RetryPolicy,
  type Route,
  type RouteAction,
  type RouteAction_HashPolicy,
  type RouteAction_RequestMirrorPolicy,
  type RouteAction_UpgradeConfig,
  type RouteAction_UpgradeConfig_ConnectConfig,
  type VirtualHost,
  type WeightedCluster_ClusterWeight,
} from '../gen/envoy/config/route/v3/route_components.js';
import type { RouteConfiguration } from '../gen/envoy/config/route/v3/route.js';
import { RoutingPriority } from '../gen/envoy/config/core/v3/base.js';
import type { MessageOf, TypeRef } from '../registry/codec.js';
import { MessageBuilder, deepCopy, duplicate, fail, packConfig, push, putMap, takeMessage, typed, type Props, type TypedConfig } from './builder.js';
import {
  mergeMetadata,
  runtimeFraction,
  toTextSource,
  toHeaderMatcher,
  toHeaders,
  toStringMatcher,
  type AppendAction,
  type DataSourceInput,
  type HeaderMatchInput,
  type HeadersInput,
  type HeaderValueOption,
  type Metadata,
  type StringMatchInput,
} from './common.js';
import { ConfigSource, type ConfigSourceMessage } from './config-source.js';
import { parseDuration, type DurationInput } from './duration.js';
import { corsPolicy, type CorsInput } from './http-filters.js';
import { setPath, toRouteMatch, type RouteMatchInput } from './route-match.js';
import type { HttpFilter } from './filter.js';

export type { RouteConfiguration, VirtualHost, Route, RouteAction, RetryPolicy };

/** The fields shared by route configurations, virtual hosts, routes and weighted clusters. */
interface HeaderFields {
  requestHeadersToAdd?: HeaderValueOption[] | undefined;
  requestHeadersToRemove?: string[] | undefined;
  responseHeadersToAdd?: HeaderValueOption[] | undefined;
  responseHeadersToRemove?: string[] | undefined;
  typedPerFilterConfig?: { [key: string]: import('../registry/codec.js').Any } | undefined;
}

const FILTER_CONFIG = 'envoy.config.route.v3.FilterConfig';
const CORS_FILTER = 'envoy.filters.http.cors';

/**
 * Header mutations and per-filter configs: the methods route configurations, virtual hosts and
 * routes share. Mutations at each level apply from the most specific (route) to the least
 * (route configuration) unless `most_specific_header_mutations_wins` is set.
 */
export abstract class HeadersBuilder<T extends HeaderFields & object> extends MessageBuilder<T> {
  /**
   * Adds request headers (a record or HeaderValueOption messages).
   * @default append "APPEND_IF_EXISTS_OR_ADD"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-route-request-headers-to-add
   */
  requestHeaders(headers: HeadersInput, append?: AppendAction): this {
    this.draft.requestHeadersToAdd = push(this.draft.requestHeadersToAdd, ...toHeaders(headers, append));
    return this;
  }

  /**
   * Removes request headers before the request goes upstream.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-route-request-headers-to-remove
   */
  removeRequestHeaders(...names: string[]): this {
    this.draft.requestHeadersToRemove = push(this.draft.requestHeadersToRemove, ...names);
    return this;
  }

  /**
   * Adds response headers.
   * @default append "APPEND_IF_EXISTS_OR_ADD"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-route-response-headers-to-add
   */
  responseHeaders(headers: HeadersInput, append?: AppendAction): this {
    this.draft.responseHeadersToAdd = push(this.draft.responseHeadersToAdd, ...toHeaders(headers, append));
    return this;
  }

  /**
   * Removes response headers before the response goes downstream.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-route-response-headers-to-remove
   */
  removeResponseHeaders(...names: string[]): this {
    this.draft.responseHeadersToRemove = push(this.draft.responseHeadersToRemove, ...names);
    return this;
  }

  /**
   * Sets the per-route config of the HTTP filter named `filter` (a filter builder gives its
   * name): a type and message, or a typed config (a builder, {@link typed}). A filter configured
   * twice at one level throws.
   * @default message the type's empty message
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-route-typed-per-filter-config
   */
  perFilterConfig<R extends TypeRef>(filter: string | HttpFilter<any>, type: R, message?: MessageOf<R>): this;
  perFilterConfig(filter: string | HttpFilter<any>, config: TypedConfig): this;
  perFilterConfig(filter: string | HttpFilter<any>, typeOrConfig: TypeRef | TypedConfig, message?: unknown): this {
    const name = typeof filter === 'string' ? filter : filter.name;
    const cfg =
      typeof typeOrConfig === 'object' && typeOrConfig !== null && 'toMessage' in typeOrConfig ? (typeOrConfig as TypedConfig) : typed(typeOrConfig as TypeRef, (message ?? {}) as never);
    if (this.draft.typedPerFilterConfig && Object.prototype.hasOwnProperty.call(this.draft.typedPerFilterConfig, name)) {
      duplicate(this.label, 'typed_per_filter_config', 'per-filter config', name);
    }
    this.draft.typedPerFilterConfig = putMap(this.draft.typedPerFilterConfig, name, packConfig(cfg));
    return this;
  }

  /**
   * Disables the HTTP filter named `filter` here (a `FilterConfig` with `disabled: true`).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-filterconfig
   */
  disableFilter(filter: string | HttpFilter<any>): this {
    return this.perFilterConfig(filter, FILTER_CONFIG, { disabled: true });
  }

  /**
   * Sets the CORS policy here (the per-filter config of `envoy.filters.http.cors`; the HCM needs
   * the `cors()` filter).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/cors/v3/cors.proto#extensions-filters-http-cors-v3-corspolicy
   */
  cors(policy: CorsInput): this {
    return this.perFilterConfig(CORS_FILTER, corsPolicy(policy));
  }
}

// ---------------------------------------------------------------------------------------------
// route

/** A retry policy, as `.retry()` accepts it. */
export interface RetryInput {
  /**
   * Conditions to retry on, e.g. `"5xx,reset,connect-failure"` or `["5xx", "gateway-error"]`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
   */
  retryOn: string | string[];
  /** @default 1 */
  numRetries?: number;
  /** Timeout of each try. @default the route timeout */
  perTryTimeout?: DurationInput;
  /** Idle timeout of each try. @default none */
  perTryIdleTimeout?: DurationInput;
  /** Exponential back-off between tries. @default base "25ms", max 10× base */
  backoff?: { base: DurationInput; max?: DurationInput };
  /** Status codes to retry for `retriable-status-codes`. */
  retriableStatusCodes?: number[];
  /** Attempts at picking a host other than the failed ones. @default 1 */
  hostSelectionRetryMaxAttempts?: number;
}

/** A RetryPolicy message from a {@link RetryInput} (or the message itself). */
export function toRetryPolicy(input: RetryInput | RetryPolicy, path = 'retry_policy'): RetryPolicy {
  if (!('retryOn' in input) || typeof input.retryOn !== 'string' && !Array.isArray(input.retryOn)) return deepCopy(input as RetryPolicy);
  const r = input as RetryInput;
  const p: RetryPolicy = { retryOn: Array.isArray(r.retryOn) ? r.retryOn.join(',') : r.retryOn };
  if (r.numRetries !== undefined) p.numRetries = r.numRetries;
  if (r.perTryTimeout !== undefined) p.perTryTimeout = parseDuration(r.perTryTimeout, `${path}.per_try_timeout`);
  if (r.perTryIdleTimeout !== undefined) p.perTryIdleTimeout = parseDuration(r.perTryIdleTimeout, `${path}.per_try_idle_timeout`);
  if (r.backoff) {
    p.retryBackOff = { baseInterval: parseDuration(r.backoff.base, `${path}.retry_back_off.base_interval`) };
    if (r.backoff.max !== undefined) p.retryBackOff.maxInterval = parseDuration(r.backoff.max, `${path}.retry_back_off.max_interval`);
  }
  if (r.retriableStatusCodes) p.retriableStatusCodes = [...r.retriableStatusCodes];
  if (r.hostSelectionRetryMaxAttempts !== undefined) p.hostSelectionRetryMaxAttempts = String(r.hostSelectionRetryMaxAttempts);
  return p;
}

/**
 * A hash policy (for ring hash and maglev load balancing), as `.hashPolicy()` accepts it.
 * `terminal`: stop at this policy when it produced a hash.
 */
export type HashPolicyInput = (
  | { header: string }
  | { cookie: string; ttl?: DurationInput; path?: string }
  | { sourceIp: true }
  | { queryParameter: string }
  | { filterState: string }
) & { terminal?: boolean };

function toHashPolicy(input: HashPolicyInput | RouteAction_HashPolicy): RouteAction_HashPolicy {
  if ('policySpecifier' in input) return deepCopy(input);
  let h: RouteAction_HashPolicy;
  if ('header' in input) h = { policySpecifier: { $case: 'header', header: { headerName: input.header } } };
  else if ('cookie' in input) {
    h = {
      policySpecifier: {
        $case: 'cookie',
        cookie: {
          name: input.cookie,
          ...(input.ttl !== undefined ? { ttl: parseDuration(input.ttl, 'hash_policy.cookie.ttl') } : {}),
          ...(input.path ? { path: input.path } : {}),
        },
      },
    };
  } else if ('sourceIp' in input) h = { policySpecifier: { $case: 'connectionProperties', connectionProperties: { sourceIp: true } } };
  else if ('queryParameter' in input) h = { policySpecifier: { $case: 'queryParameter', queryParameter: { name: input.queryParameter } } };
  else h = { policySpecifier: { $case: 'filterState', filterState: { key: (input as { filterState: string }).filterState } } };
  if (input.terminal) h.terminal = true;
  return h;
}

/** A redirect, as `.redirect()` accepts it. */
export interface RedirectInput {
  /** Redirect to `https` (same host, path). @default false */
  https?: boolean;
  /** The scheme to redirect to. @default the request's */
  scheme?: string;
  /** The host to redirect to. @default the request's */
  host?: string;
  /** The port to redirect to. @default the request's */
  port?: number;
  /** The whole path to redirect to. @default the request's */
  path?: string;
  /** Replace the matched prefix with this. */
  prefixRewrite?: string;
  /** Rewrite the path with a regex and substitution. */
  regexRewrite?: { pattern: string; substitution: string };
  /** @default 301 */
  responseCode?: 301 | 302 | 303 | 307 | 308;
  /** Drop the query string. @default false */
  stripQuery?: boolean;
}

const REDIRECT_CODES: Record<number, RedirectAction_RedirectResponseCode> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

function toRedirect(input: RedirectInput, label: string): RedirectAction {
  const r: RedirectAction = {};
  if (input.https) r.schemeRewriteSpecifier = { $case: 'httpsRedirect', httpsRedirect: true };
  else if (input.scheme) r.schemeRewriteSpecifier = { $case: 'schemeRedirect', schemeRedirect: input.scheme };
  if (input.host) r.hostRedirect = input.host;
  if (input.port !== undefined) r.portRedirect = input.port;
  const paths = [input.path !== undefined, input.prefixRewrite !== undefined, input.regexRewrite !== undefined].filter(Boolean).length;
  if (paths > 1) fail({ path: 'redirect', rule: 'oneof', message: 'a redirect takes one of path, prefixRewrite and regexRewrite', value: input }, label);
  if (input.path !== undefined) r.pathRewriteSpecifier = { $case: 'pathRedirect', pathRedirect: input.path };
  if (input.prefixRewrite !== undefined) r.pathRewriteSpecifier = { $case: 'prefixRewrite', prefixRewrite: input.prefixRewrite };
  if (input.regexRewrite) {
    r.pathRewriteSpecifier = {
      $case: 'regexRewrite',
      regexRewrite: { pattern: { regex: input.regexRewrite.pattern }, substitution: input.regexRewrite.substitution },
    };
  }
  if (input.responseCode !== undefined && input.responseCode !== 301) {
    const code = REDIRECT_CODES[input.responseCode];
    if (code === undefined) {
      fail({ path: 'redirect.response_code', rule: 'enum', message: `invalid redirect response code ${input.responseCode}: expected 301, 302, 303, 307 or 308`, value: input.responseCode }, label);
    }
    r.responseCode = code;
  }
  if (input.stripQuery) r.stripQuery = true;
  return r;
}

/** Options of one cluster of a weighted split. */
export interface ClusterWeightOptions {
  /** Headers to add to requests sent to this cluster. */
  requestHeaders?: HeadersInput;
  /** Request headers to remove before sending to this cluster. */
  removeRequestHeaders?: string[];
  /** Headers to add to responses from this cluster. */
  responseHeaders?: HeadersInput;
  /** Response headers to remove from this cluster's responses. */
  removeResponseHeaders?: string[];
  /** Endpoint metadata the upstream hosts must match (subset load balancing). */
  metadataMatch?: Record<string, Record<string, unknown>>;
  /** The Host header to send to this cluster. */
  hostRewrite?: string;
}

/** Options of a route's {@link RouteBuilder.upgrade}. */
export interface RouteUpgradeOptions {
  /** Allow (true) or forbid (false) the upgrade on this route. @default true */
  enabled?: boolean;
  /**
   * Terminates CONNECT here: the tunnel's payload goes upstream as raw TCP (`connect_config`;
   * `{}` for the defaults, `{ allowPost: true }` to take POST tunnels too). CONNECT only.
   * @default none: the CONNECT request is proxied upstream as it is
   */
  connectConfig?: RouteAction_UpgradeConfig_ConnectConfig;
}

/**
 * Builds a Route: a match, one action (route to a cluster, redirect, direct response), and the
 * route options.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-route
 */
export class RouteBuilder extends HeadersBuilder<Route> {
  constructor(name?: string) {
    super('envoy.config.route.v3.Route', name ? { name } : {});
  }

  protected get label(): string {
    return this.draft.name ? `route ${JSON.stringify(this.draft.name)}` : 'route';
  }

  /** The route's name (used in stats, logs and RDS updates; unique within a virtual host). */
  get name(): string | undefined {
    return this.draft.name;
  }

  private m() {
    return (this.draft.match ??= {});
  }

  /**
   * Replaces the whole match (a path prefix, a {@link RouteMatchSpec} or a RouteMatch).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routematch
   */
  match(match: RouteMatchInput): this {
    this.draft.match = toRouteMatch(match);
    return this;
  }

  /**
   * Matches paths starting with `prefix` (`"/"` matches everything).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-prefix
   */
  prefix(prefix: string): this {
    setPath(this.m(), 'prefix', prefix);
    return this;
  }

  /**
   * Matches exactly this path (without the query string).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-path
   */
  path(path: string): this {
    setPath(this.m(), 'path', path);
    return this;
  }

  /**
   * Matches paths that match this RE2 regular expression as a whole.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-safe-regex
   */
  regex(regex: string): this {
    setPath(this.m(), 'regex', regex);
    return this;
  }

  /**
   * Matches the path `prefix` and paths continuing with `/`, `?` or `#` after it.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-path-separated-prefix
   */
  pathSeparatedPrefix(prefix: string): this {
    setPath(this.m(), 'pathSeparatedPrefix', prefix);
    return this;
  }

  /**
   * Also requires header `name` to match (see {@link HeaderMatchInput}); `invert` negates.
   * @default invert false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-headers
   */
  header(name: string, match: HeaderMatchInput, invert = false): this {
    const m = this.m();
    m.headers = push(m.headers, toHeaderMatcher(name, match, invert));
    return this;
  }

  /**
   * Also requires query parameter `name` to match (`true`: to be present).
   * @default match true (present)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-query-parameters
   */
  query(name: string, match: StringMatchInput | true = true): this {
    const m = this.m();
    m.queryParameters = push(
      m.queryParameters,
      match === true
        ? { name, queryParameterMatchSpecifier: { $case: 'presentMatch', presentMatch: true } }
        : { name, queryParameterMatchSpecifier: { $case: 'stringMatch', stringMatch: toStringMatcher(match) } },
    );
    return this;
  }

  /**
   * Matches CONNECT requests (they have no path; HTTP/2 extended CONNECT included), e.g. to
   * terminate tunnels with `.upgrade('CONNECT', { connectConfig: {} })`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-connect-matcher
   */
  connectMatcher(): this {
    setPath(this.m(), 'connect', '');
    return this;
  }

  /**
   * Matches only gRPC requests (`content-type: application/grpc`).
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-grpc
   */
  grpc(): this {
    this.m().grpc = {};
    return this;
  }

  /**
   * Matches only `percent` (0-100) of the requests that match otherwise (runtime overridable).
   * @default 100
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-runtime-fraction
   */
  runtimeFraction(percent: number, runtimeKey?: string): this {
    this.m().runtimeFraction = runtimeFraction(percent, runtimeKey);
    return this;
  }

  /**
   * Whether the path match is case sensitive.
   * @default true
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routematch-case-sensitive
   */
  caseSensitive(on = true): this {
    if (on) delete this.m().caseSensitive;
    else this.m().caseSensitive = false;
    return this;
  }

  // -- actions

  private routeAction(what: string): RouteAction {
    const a = this.draft.action;
    if (!a) {
      const route: RouteAction = {};
      this.draft.action = { $case: 'route', route };
      return route;
    }
    if (a.$case !== 'route') {
      fail({ path: what, rule: 'oneof', message: `${what} needs a route action (to a cluster), but this route has a ${a.$case} action`, value: a.$case }, this.label);
    }
    return a.route;
  }

  private otherAction(kind: 'redirect' | 'directResponse'): void {
    const a = this.draft.action;
    if (a && a.$case !== kind) {
      fail({ path: kind === 'redirect' ? 'redirect' : 'direct_response', rule: 'oneof', message: `a route has one action, and this one already has a ${a.$case} action`, value: a.$case }, this.label);
    }
  }

  /**
   * Routes to the cluster `name`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-cluster
   */
  cluster(name: string): this {
    this.routeAction('route.cluster').clusterSpecifier = { $case: 'cluster', cluster: name };
    return this;
  }

  /**
   * Routes to the cluster named by request header `header`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-cluster-header
   */
  clusterHeader(header: string): this {
    this.routeAction('route.cluster_header').clusterSpecifier = { $case: 'clusterHeader', clusterHeader: header };
    return this;
  }

  /**
   * Adds a cluster to a weighted split (a cluster added twice throws). Weights are relative:
   * each cluster gets `weight / sum of weights` of the requests.
   * @default options none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-weightedcluster
   */
  weightedCluster(name: string, weight: number, options: ClusterWeightOptions = {}): this {
    const ra = this.routeAction('route.weighted_clusters');
    let wc = ra.clusterSpecifier?.$case === 'weightedClusters' ? ra.clusterSpecifier.weightedClusters : undefined;
    if (!wc) {
      wc = { clusters: [] };
      ra.clusterSpecifier = { $case: 'weightedClusters', weightedClusters: wc };
    }
    // A split has a few clusters: a scan is cheaper than keeping a Set per route.
    if ((wc.clusters ?? []).some((c) => (c.name ?? '') === name)) duplicate(this.label, 'route.weighted_clusters.clusters', 'weighted cluster', name);
    const c: WeightedCluster_ClusterWeight = { name, weight };
    if (options.requestHeaders) c.requestHeadersToAdd = toHeaders(options.requestHeaders);
    if (options.removeRequestHeaders?.length) c.requestHeadersToRemove = [...options.removeRequestHeaders];
    if (options.responseHeaders) c.responseHeadersToAdd = toHeaders(options.responseHeaders);
    if (options.removeResponseHeaders?.length) c.responseHeadersToRemove = [...options.removeResponseHeaders];
    if (options.metadataMatch) c.metadataMatch = { filterMetadata: deepCopy(options.metadataMatch) };
    if (options.hostRewrite) c.hostRewriteSpecifier = { $case: 'hostRewriteLiteral', hostRewriteLiteral: options.hostRewrite };
    wc.clusters = push(wc.clusters, c);
    return this;
  }

  /**
   * Splits requests between clusters by weight: `{ api: 90, 'api-canary': 10 }`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-weighted-clusters
   */
  weightedClusters(weights: Record<string, number>): this {
    for (const [name, w] of Object.entries(weights)) this.weightedCluster(name, w);
    return this;
  }

  /**
   * Answers with a redirect.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-redirectaction
   */
  redirect(redirect: RedirectInput): this {
    this.otherAction('redirect');
    this.draft.action = { $case: 'redirect', redirect: toRedirect(redirect, this.label) };
    return this;
  }

  /**
   * Answers directly with `status` and an optional body (text, or any data source).
   * @default body none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-directresponseaction
   */
  directResponse(status: number, body?: string | DataSourceInput): this {
    this.otherAction('directResponse');
    const d: DirectResponseAction = { status };
    if (body !== undefined) d.body = toTextSource(body);
    this.draft.action = { $case: 'directResponse', directResponse: d };
    return this;
  }

  // -- route action options

  /**
   * Upstream timeout for the whole request (`"0s"` disables it).
   * @default "15s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-timeout
   */
  timeout(timeout: DurationInput): this {
    this.routeAction('route.timeout').timeout = parseDuration(timeout, 'route.timeout');
    return this;
  }

  /**
   * Stream idle timeout for this route.
   * @default the HCM's stream_idle_timeout
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-idle-timeout
   */
  idleTimeout(timeout: DurationInput): this {
    this.routeAction('route.idle_timeout').idleTimeout = parseDuration(timeout, 'route.idle_timeout');
    return this;
  }

  /**
   * Retries failed requests.
   * @default no retries
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-retrypolicy
   */
  retry(policy: RetryInput | RetryPolicy): this {
    this.routeAction('route.retry_policy').retryPolicy = toRetryPolicy(policy, 'route.retry_policy');
    return this;
  }

  /**
   * Adds a hash policy (consistent hashing for ring hash / maglev clusters).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-hash-policy
   */
  hashPolicy(policy: HashPolicyInput | RouteAction_HashPolicy): this {
    const ra = this.routeAction('route.hash_policy');
    ra.hashPolicy = push(ra.hashPolicy, toHashPolicy(policy));
    return this;
  }

  /**
   * Replaces the matched prefix (or path) with `prefix` before forwarding.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-prefix-rewrite
   */
  prefixRewrite(prefix: string): this {
    this.routeAction('route.prefix_rewrite').prefixRewrite = prefix;
    return this;
  }

  /**
   * Rewrites the path with an RE2 regex and substitution (`\1` for groups) before forwarding.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-regex-rewrite
   */
  regexRewrite(pattern: string, substitution: string): this {
    this.routeAction('route.regex_rewrite').regexRewrite = { pattern: { regex: pattern }, substitution };
    return this;
  }

  /**
   * Sends this Host header upstream.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-host-rewrite-literal
   */
  hostRewrite(host: string): this {
    this.routeAction('route.host_rewrite_literal').hostRewriteSpecifier = { $case: 'hostRewriteLiteral', hostRewriteLiteral: host };
    return this;
  }

  /**
   * Sends the upstream host's hostname as the Host header (strict/logical DNS clusters).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-auto-host-rewrite
   */
  autoHostRewrite(): this {
    this.routeAction('route.auto_host_rewrite').hostRewriteSpecifier = { $case: 'autoHostRewrite', autoHostRewrite: true };
    return this;
  }

  /**
   * Sends the value of request header `header` as the Host header.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-host-rewrite-header
   */
  hostRewriteHeader(header: string): this {
    this.routeAction('route.host_rewrite_header').hostRewriteSpecifier = { $case: 'hostRewriteHeader', hostRewriteHeader: header };
    return this;
  }

  /**
   * Sends a Host header computed from the path with an RE2 regex and substitution.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-host-rewrite-path-regex
   */
  hostRewritePathRegex(pattern: string, substitution: string): this {
    this.routeAction('route.host_rewrite_path_regex').hostRewriteSpecifier = {
      $case: 'hostRewritePathRegex',
      hostRewritePathRegex: { pattern: { regex: pattern }, substitution },
    };
    return this;
  }

  /**
   * Mirrors (shadows) `percent` of the requests to cluster `cluster`, fire and forget.
   * @default percent 100
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-requestmirrorpolicy
   */
  mirror(cluster: string, percent?: number, runtimeKey?: string): this {
    const ra = this.routeAction('route.request_mirror_policies');
    ra.requestMirrorPolicies = push(ra.requestMirrorPolicies, mirrorPolicy(cluster, percent, runtimeKey));
    return this;
  }

  /**
   * Routes with the upstream connection pool of this priority.
   * @default "DEFAULT"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-priority
   */
  priority(priority: 'DEFAULT' | 'HIGH'): this {
    const ra = this.routeAction('route.priority');
    if (priority === 'HIGH') ra.priority = RoutingPriority.HIGH;
    else delete ra.priority;
    return this;
  }

  /**
   * Allows (or forbids, with `false` or `{ enabled: false }`) an upgrade such as `websocket` or
   * `CONNECT` on this route; for CONNECT, `{ connectConfig: {} }` terminates the tunnel here.
   * @default options true (allowed, proxied as it is)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-upgradeconfig
   */
  upgrade(upgradeType: string, options: boolean | RouteUpgradeOptions = true): this {
    const o = typeof options === 'boolean' ? { enabled: options } : options;
    const u: RouteAction_UpgradeConfig = { upgradeType };
    if (o.enabled === false) u.enabled = false;
    if (o.connectConfig) {
      if (upgradeType.toLowerCase() !== 'connect') {
        fail(
          { path: 'route.upgrade_configs.connect_config', rule: 'upgrade', message: `connect_config is for the CONNECT upgrade, not ${JSON.stringify(upgradeType)}`, value: upgradeType },
          this.label,
        );
      }
      u.connectConfig = deepCopy(o.connectConfig);
    }
    const ra = this.routeAction('route.upgrade_configs');
    ra.upgradeConfigs = push(ra.upgradeConfigs, u);
    return this;
  }

  /**
   * Caps the stream duration of requests on this route.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-maxstreamduration
   */
  maxStreamDuration(duration: DurationInput): this {
    this.routeAction('route.max_stream_duration').maxStreamDuration = { maxStreamDuration: parseDuration(duration, 'route.max_stream_duration.max_stream_duration') };
    return this;
  }

  // -- route-level options

  /**
   * Adds metadata (`{ filterName: { key: value } }`), merged with earlier calls.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-route-metadata
   */
  metadata(metadata: Record<string, Record<string, unknown>> | Metadata): this {
    this.draft.metadata = mergeMetadata(this.draft.metadata, metadata);
    return this;
  }

  /**
   * Names the tracing span of requests on this route.
   * @param propagate pass the operation name to the upstream (`x-envoy-decorator-operation`)
   * @default propagate true
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-decorator
   */
  decorator(operation: string, propagate?: boolean): this {
    this.draft.decorator = propagate === undefined ? { operation } : { operation, propagate };
    return this;
  }
}

function mirrorPolicy(cluster: string, percent?: number, runtimeKey?: string): RouteAction_RequestMirrorPolicy {
  const p: RouteAction_RequestMirrorPolicy = { cluster };
  if (percent !== undefined && percent !== 100) p.runtimeFraction = runtimeFraction(percent, runtimeKey);
  else if (runtimeKey) p.runtimeFraction = runtimeFraction(100, runtimeKey);
  return p;
}

/**
 * A route, optionally named (names appear in stats and access logs, and must be unique in a
 * virtual host).
 *
 * @example route().prefix('/api').cluster('api').timeout('5s').retry({ retryOn: '5xx', numRetries: 2 })
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-route
 */
export function route(name?: string, props?: Props<RouteBuilder>): RouteBuilder {
  return new RouteBuilder(name).props(props);
}

// ---------------------------------------------------------------------------------------------
// virtual host

/**
 * Builds a VirtualHost: domains and an ordered list of routes (the first match wins).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-virtualhost
 */
export class VirtualHostBuilder extends HeadersBuilder<VirtualHost> {
  private readonly domainSet = new Set<string>();
  private readonly routeNames = new Set<string>();

  constructor(name: string) {
    super('envoy.config.route.v3.VirtualHost', { name });
  }

  protected get label(): string {
    return `virtual host ${JSON.stringify(this.draft.name)}`;
  }

  /** The virtual host's name. */
  get name(): string {
    return this.draft.name ?? '';
  }

  /**
   * Adds domains (Host/authority values) this virtual host serves: `"api.example.com"`,
   * `"*.example.com"`, `"api.*"`, `"*"`; a port may follow. A domain added twice throws.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-domains
   */
  domains(...domains: string[]): this {
    for (const d of domains) {
      // Envoy compares domains case-insensitively.
      if (this.domainSet.has(d.toLowerCase())) duplicate(this.label, 'domains', 'domain', d);
      this.domainSet.add(d.toLowerCase());
      this.draft.domains = push(this.draft.domains, d);
    }
    return this;
  }

  /** Adds one domain (see {@link domains}). */
  domain(domain: string): this {
    return this.domains(domain);
  }

  /**
   * Appends routes, in match order. A route name used twice throws.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-routes
   */
  routes(...routes: (RouteBuilder | Route)[]): this {
    for (const r of routes) {
      const m = r instanceof RouteBuilder ? takeMessage(r) : deepCopy(r);
      if (m.name) {
        if (this.routeNames.has(m.name)) duplicate(this.label, 'routes', 'route name', m.name);
        this.routeNames.add(m.name);
      }
      this.draft.routes = push(this.draft.routes, m);
    }
    return this;
  }

  /** Appends one route (see {@link routes}). */
  route(route: RouteBuilder | Route): this {
    return this.routes(route);
  }

  /**
   * Requires TLS: `ALL` redirects every plain-HTTP request to HTTPS, `EXTERNAL_ONLY` only
   * requests from outside the mesh.
   * @default "NONE"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-require-tls
   */
  requireTls(requirement: 'ALL' | 'EXTERNAL_ONLY' | 'NONE' = 'ALL'): this {
    if (requirement === 'NONE') delete this.draft.requireTls;
    else this.draft.requireTls = VirtualHost_TlsRequirementType[requirement];
    return this;
  }

  /**
   * The retry policy of routes that have none of their own.
   * @default no retries
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-retry-policy
   */
  retry(policy: RetryInput | RetryPolicy): this {
    this.draft.retryPolicy = toRetryPolicy(policy);
    return this;
  }

  /**
   * Mirrors `percent` of this virtual host's requests to `cluster`.
   * @default percent 100
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-request-mirror-policies
   */
  mirror(cluster: string, percent?: number, runtimeKey?: string): this {
    this.draft.requestMirrorPolicies = push(this.draft.requestMirrorPolicies, mirrorPolicy(cluster, percent, runtimeKey));
    return this;
  }

  /**
   * Adds metadata, merged with earlier calls.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-metadata
   */
  metadata(metadata: Record<string, Record<string, unknown>> | Metadata): this {
    this.draft.metadata = mergeMetadata(this.draft.metadata, metadata);
    return this;
  }

  /**
   * Adds the `x-envoy-attempt-count` header to upstream requests.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-include-request-attempt-count
   */
  includeRequestAttemptCount(on = true): this {
    this.draft.includeRequestAttemptCount = on;
    return this;
  }
}

/**
 * A virtual host.
 *
 * @example virtualHost('api').domains('api.example.com').route(route().prefix('/').cluster('api'))
 */
export function virtualHost(name: string, props?: Props<VirtualHostBuilder>): VirtualHostBuilder {
  return new VirtualHostBuilder(name).props(props);
}

// ---------------------------------------------------------------------------------------------
// route configuration

/**
 * Builds a RouteConfiguration (the RDS resource): virtual hosts, or VHDS.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#config-route-v3-routeconfiguration
 */
export class RouteConfigBuilder extends HeadersBuilder<RouteConfiguration> {
  private readonly vhostNames = new Set<string>();
  private readonly domains = new Map<string, string>();

  constructor(name: string) {
    super('envoy.config.route.v3.RouteConfiguration', { name });
  }

  protected get label(): string {
    return `route configuration ${JSON.stringify(this.draft.name)}`;
  }

  /** The route configuration's name (what an HCM's `rds.route_config_name` refers to). */
  get name(): string {
    return this.draft.name ?? '';
  }

  /**
   * Adds virtual hosts. A virtual host name, or a domain already served by another virtual
   * host, throws.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-virtual-hosts
   */
  virtualHosts(...hosts: (VirtualHostBuilder | VirtualHost)[]): this {
    for (const h of hosts) {
      const m = h instanceof VirtualHostBuilder ? takeMessage(h) : deepCopy(h);
      const name = m.name ?? '';
      if (this.vhostNames.has(name)) duplicate(this.label, 'virtual_hosts', 'virtual host', name);
      for (const d of m.domains ?? []) {
        const other = this.domains.get(d.toLowerCase());
        if (other !== undefined) {
          fail(
            { path: `virtual_hosts[${name}].domains`, rule: 'unique', message: `domain ${JSON.stringify(d)} is already served by virtual host ${JSON.stringify(other)}; each domain must be unique in a route configuration`, value: d },
            this.label,
          );
        }
      }
      this.vhostNames.add(name);
      for (const d of m.domains ?? []) this.domains.set(d.toLowerCase(), name);
      this.draft.virtualHosts = push(this.draft.virtualHosts, m);
    }
    return this;
  }

  /** Adds one virtual host (see {@link virtualHosts}). */
  virtualHost(host: VirtualHostBuilder | VirtualHost): this {
    return this.virtualHosts(host);
  }

  /**
   * Fetches virtual hosts on demand with VHDS from `source`.
   * @default source ConfigSource.ads()
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-vhds
   */
  vhds(source: ConfigSourceMessage = ConfigSource.ads()): this {
    this.draft.vhds = { configSource: deepCopy(source) };
    return this;
  }

  /**
   * Headers that only internal requests may carry: Envoy removes them from external requests.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-internal-only-headers
   */
  internalOnlyHeaders(...names: string[]): this {
    this.draft.internalOnlyHeaders = push(this.draft.internalOnlyHeaders, ...names);
    return this;
  }

  /**
   * Makes Envoy reject the configuration when a route names an unknown cluster.
   * @default false for RDS, true for inline route configs
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-validate-clusters
   */
  validateClusters(on = true): this {
    this.draft.validateClusters = on;
    return this;
  }

  /**
   * Applies the most specific header mutation last (route over virtual host over route config).
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-most-specific-header-mutations-wins
   */
  mostSpecificHeaderMutationsWins(on = true): this {
    this.draft.mostSpecificHeaderMutationsWins = on;
    return this;
  }

  /**
   * Ignores the port in Host when matching domains.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-ignore-port-in-host-matching
   */
  ignorePortInHostMatching(on = true): this {
    this.draft.ignorePortInHostMatching = on;
    return this;
  }

  /**
   * Adds metadata, merged with earlier calls.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-metadata
   */
  metadata(metadata: Record<string, Record<string, unknown>> | Metadata): this {
    this.draft.metadata = mergeMetadata(this.draft.metadata, metadata);
    return this;
  }
}

/**
 * A route configuration (RDS resource) named `name`.
 *
 * @example routeConfig('local').virtualHost(virtualHost('all').domain('*').route(route().prefix('/').cluster('web')))
 */
export function routeConfig(name: string, props?: Props<RouteConfigBuilder>): RouteConfigBuilder {
  return new RouteConfigBuilder(name).props(props);
}
