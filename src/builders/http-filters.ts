/**
 * HTTP filters for the HttpConnectionManager: router, rbac (with shadow rules), cors, fault,
 * local_ratelimit, ext_authz, jwt_authn, lua, grpc_web, compressor (gzip, brotli, zstd),
 * health_check, header_mutation, buffer, and the generic {@link httpFilter}.
 *
 * Each factory gives an {@link HttpFilter} builder named after the extension's canonical name
 * (`.named()` renames it); `build()` gives the filter's config message, `toFilter()` the
 * `http_filters` entry with the config packed.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/http_filters
 */
import { pack, type MessageOf, type TypeRef } from '../registry/codec.js';
import { deepCopy, fail, push, typed, type Props, type TypedConfig } from './builder.js';
import {
  AccessLog,
  headerValue,
  runtimeFraction,
  toDataSource,
  toTextSource,
  toFractionalPercent,
  toHeaderMatcher,
  type AccessLogMessage,
  type AppendAction,
  type DataSourceInput,
  type FractionalPercent,
  type HeaderMatchInput,
} from './common.js';
import { parseDuration, type DurationInput } from './duration.js';
import { HttpFilter, configArgs, type ConfigOf, type Msg } from './filter.js';
import { rulesWithAction, rulesWithPolicy, type PolicyInput, type RbacAction } from './rbac.js';
import type { RouteMatchInput } from './route-match.js';
import { toRouteMatch } from './route-match.js';

export { AccessLog };

/** Full proto names of the HTTP filter configs built here. */
export const HttpFilterTypes = Object.freeze({
  router: 'envoy.extensions.filters.http.router.v3.Router',
  rbac: 'envoy.extensions.filters.http.rbac.v3.RBAC',
  cors: 'envoy.extensions.filters.http.cors.v3.Cors',
  corsPolicy: 'envoy.extensions.filters.http.cors.v3.CorsPolicy',
  fault: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  localRateLimit: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  extAuthz: 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  jwtAuthn: 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  lua: 'envoy.extensions.filters.http.lua.v3.Lua',
  grpcWeb: 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb',
  compressor: 'envoy.extensions.filters.http.compressor.v3.Compressor',
  healthCheck: 'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  headerMutation: 'envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
  buffer: 'envoy.extensions.filters.http.buffer.v3.Buffer',
} as const);

// ---------------------------------------------------------------------------------------------
// router

type Router = Msg<'envoy.extensions.filters.http.router.v3.Router'>;

/**
 * The router filter: forwards requests to the upstream the route chose. The HCM builder keeps it
 * last (and adds one when none is given).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/router/v3/router.proto
 */
export class RouterFilter extends HttpFilter<Router> {
  /**
   * Leaves out the `x-envoy-*` headers the router adds to requests and responses.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/router/v3/router.proto#envoy-v3-api-field-extensions-filters-http-router-v3-router-suppress-envoy-headers
   */
  suppressEnvoyHeaders(on = true): this {
    this.draft.suppressEnvoyHeaders = on;
    return this;
  }

  /**
   * Generates dynamic cluster statistics.
   * @default true
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/router/v3/router.proto#envoy-v3-api-field-extensions-filters-http-router-v3-router-dynamic-stats
   */
  dynamicStats(on = true): this {
    this.draft.dynamicStats = on;
    return this;
  }

  /**
   * Adds an upstream access log (one entry per upstream request).
   * @default none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/router/v3/router.proto#envoy-v3-api-field-extensions-filters-http-router-v3-router-upstream-log
   */
  upstreamLog(log: AccessLogMessage): this {
    this.draft.upstreamLog = push(this.draft.upstreamLog, log);
    return this;
  }

  /**
   * Honours `x-envoy-expected-rq-timeout-ms` from a trusted downstream Envoy.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/router/v3/router.proto#envoy-v3-api-field-extensions-filters-http-router-v3-router-respect-expected-rq-timeout
   */
  respectExpectedRqTimeout(on = true): this {
    this.draft.respectExpectedRqTimeout = on;
    return this;
  }
}

/**
 * The router filter (`envoy.filters.http.router`).
 *
 * @example hcm('ingress').httpFilter(router({ suppressEnvoyHeaders: true }))
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/router/v3/router.proto
 */
export function router(props?: Props<RouterFilter>): RouterFilter {
  return new RouterFilter('envoy.filters.http.router', HttpFilterTypes.router, {}).props(props);
}

// ---------------------------------------------------------------------------------------------
// rbac

type HttpRbac = Msg<'envoy.extensions.filters.http.rbac.v3.RBAC'>;

/**
 * The HTTP RBAC filter: allows or denies requests by policies of permissions and principals,
 * with optional shadow rules that are only evaluated and reported (stats, dynamic metadata).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto
 */
export class HttpRbacFilter extends HttpFilter<HttpRbac> {
  /**
   * The action of the enforced rules. Setting it (or adding a policy) enables enforcement; with
   * `ALLOW` and no policy every request is denied.
   * @default "ALLOW"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto#envoy-v3-api-field-config-rbac-v3-rbac-action
   */
  action(action: RbacAction): this {
    this.draft.rules = rulesWithAction(this.draft.rules, action);
    return this;
  }

  /**
   * Adds an enforced policy (a policy name used twice throws).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto#envoy-v3-api-field-config-rbac-v3-rbac-policies
   */
  policy(name: string, policy: PolicyInput): this {
    this.draft.rules = rulesWithPolicy(this.draft.rules, this.label, 'rules.policies', name, policy);
    return this;
  }

  /**
   * The action of the shadow rules.
   * @default "ALLOW"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-http-rbac-v3-rbac-shadow-rules
   */
  shadowAction(action: RbacAction): this {
    this.draft.shadowRules = rulesWithAction(this.draft.shadowRules, action);
    return this;
  }

  /**
   * Adds a shadow policy: evaluated and reported, never enforced.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-http-rbac-v3-rbac-shadow-rules
   */
  shadowPolicy(name: string, policy: PolicyInput): this {
    this.draft.shadowRules = rulesWithPolicy(this.draft.shadowRules, this.label, 'shadow_rules.policies', name, policy);
    return this;
  }

  /**
   * Prefix of the shadow rules' stats and dynamic metadata keys.
   * @default ""
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-http-rbac-v3-rbac-shadow-rules-stat-prefix
   */
  shadowRulesStatPrefix(prefix: string): this {
    this.draft.shadowRulesStatPrefix = prefix;
    return this;
  }

  /**
   * Prefix of the enforced rules' stats.
   * @default ""
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-http-rbac-v3-rbac-rules-stat-prefix
   */
  rulesStatPrefix(prefix: string): this {
    this.draft.rulesStatPrefix = prefix;
    return this;
  }

  /**
   * Keeps stats per policy.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-http-rbac-v3-rbac-track-per-rule-stats
   */
  trackPerRuleStats(on = true): this {
    this.draft.trackPerRuleStats = on;
    return this;
  }
}

/**
 * The HTTP RBAC filter (`envoy.filters.http.rbac`).
 *
 * @example httpRbac().action('DENY').policy('no-admin', { permissions: [Permission.path(Match.prefix('/admin'))], principals: [Principal.any()] })
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto
 */
export function httpRbac(props?: Props<HttpRbacFilter>): HttpRbacFilter {
  return new HttpRbacFilter('envoy.filters.http.rbac', HttpFilterTypes.rbac, {}).props(props);
}

// ---------------------------------------------------------------------------------------------
// cors

type Cors = Msg<'envoy.extensions.filters.http.cors.v3.Cors'>;
type CorsPolicyMessage = Msg<'envoy.extensions.filters.http.cors.v3.CorsPolicy'>;

/**
 * The CORS filter; the policies are set per virtual host or route (`.cors()` on
 * {@link VirtualHostBuilder} and {@link RouteBuilder}).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/cors/v3/cors.proto
 */
export class CorsFilter extends HttpFilter<Cors> {}

/** The CORS filter (`envoy.filters.http.cors`). */
export function cors(): CorsFilter {
  return new CorsFilter('envoy.filters.http.cors', HttpFilterTypes.cors, {});
}

/**
 * A CORS policy, as `.cors()` on virtual hosts and routes accepts it.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/cors/v3/cors.proto#extensions-filters-http-cors-v3-corspolicy
 */
export interface CorsInput {
  /** Allowed origins: strings match exactly, or StringMatchers (`Match.suffix('.example.com')`). */
  allowOrigins: (string | import('./common.js').StringMatcher)[];
  /** `access-control-allow-methods`, e.g. `["GET", "POST"]`. */
  allowMethods?: string[];
  /** `access-control-allow-headers`. */
  allowHeaders?: string[];
  /** `access-control-expose-headers`. */
  exposeHeaders?: string[];
  /** `access-control-max-age`, in seconds. */
  maxAge?: number;
  /**
   * `access-control-allow-credentials: true`.
   * @default false
   */
  allowCredentials?: boolean;
}

/** The CorsPolicy message of a {@link CorsInput}. */
export function corsPolicy(input: CorsInput | CorsPolicyMessage): TypedConfig<CorsPolicyMessage> {
  if (!('allowOrigins' in input)) return typed(HttpFilterTypes.corsPolicy, input);
  const p: CorsPolicyMessage = {
    allowOriginStringMatch: input.allowOrigins.map((o) => (typeof o === 'string' ? { matchPattern: { $case: 'exact', exact: o } } : o)),
  };
  if (input.allowMethods) p.allowMethods = input.allowMethods.join(',');
  if (input.allowHeaders) p.allowHeaders = input.allowHeaders.join(',');
  if (input.exposeHeaders) p.exposeHeaders = input.exposeHeaders.join(',');
  if (input.maxAge !== undefined) p.maxAge = String(input.maxAge);
  if (input.allowCredentials) p.allowCredentials = true;
  return typed(HttpFilterTypes.corsPolicy, p);
}

// ---------------------------------------------------------------------------------------------
// fault

type Fault = Msg<'envoy.extensions.filters.http.fault.v3.HTTPFault'>;

/**
 * The fault injection filter: delays and aborts a share of requests.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto
 */
export class FaultFilter extends HttpFilter<Fault> {
  /**
   * Delays `percent` of requests by `delay`.
   * @param percent share of requests, 0 to 100
   * @default percent 100
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto#envoy-v3-api-field-extensions-filters-http-fault-v3-httpfault-delay
   */
  delay(delay: DurationInput, percent: number | FractionalPercent = 100): this {
    this.draft.delay = {
      faultDelaySecifier: { $case: 'fixedDelay', fixedDelay: parseDuration(delay, 'delay.fixed_delay') },
      percentage: toFractionalPercent(percent, 'delay.percentage'),
    };
    return this;
  }

  /**
   * Aborts `percent` of requests with HTTP status `status`.
   * @default percent 100
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto#envoy-v3-api-field-extensions-filters-http-fault-v3-httpfault-abort
   */
  abort(status: number, percent: number | FractionalPercent = 100): this {
    this.draft.abort = { errorType: { $case: 'httpStatus', httpStatus: status }, percentage: toFractionalPercent(percent, 'abort.percentage') };
    return this;
  }

  /**
   * Aborts `percent` of gRPC requests with gRPC status `code`.
   * @default percent 100
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto#envoy-v3-api-field-extensions-filters-http-fault-v3-faultabort-grpc-status
   */
  grpcAbort(code: number, percent: number | FractionalPercent = 100): this {
    this.draft.abort = { errorType: { $case: 'grpcStatus', grpcStatus: code }, percentage: toFractionalPercent(percent, 'abort.percentage') };
    return this;
  }

  /**
   * Injects faults only into requests with this header.
   * @default every request
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto#envoy-v3-api-field-extensions-filters-http-fault-v3-httpfault-headers
   */
  header(name: string, match: HeaderMatchInput): this {
    this.draft.headers = push(this.draft.headers, toHeaderMatcher(name, match));
    return this;
  }

  /**
   * Injects faults only into requests to this upstream cluster.
   * @default any cluster
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto#envoy-v3-api-field-extensions-filters-http-fault-v3-httpfault-upstream-cluster
   */
  upstreamCluster(name: string): this {
    this.draft.upstreamCluster = name;
    return this;
  }

  /**
   * The most faults active at once.
   * @default unlimited
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/fault/v3/fault.proto#envoy-v3-api-field-extensions-filters-http-fault-v3-httpfault-max-active-faults
   */
  maxActiveFaults(n: number): this {
    this.draft.maxActiveFaults = n;
    return this;
  }
}

/** The fault injection filter (`envoy.filters.http.fault`). */
export function fault(props?: Props<FaultFilter>): FaultFilter {
  return new FaultFilter('envoy.filters.http.fault', HttpFilterTypes.fault, {}).props(props);
}

// ---------------------------------------------------------------------------------------------
// local_ratelimit

type LocalRateLimit = Msg<'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'>;

/** A token bucket: `maxTokens`, refilled with `tokensPerFill` every `fillInterval`. */
export interface TokenBucketInput {
  maxTokens: number;
  /** @default 1 */
  tokensPerFill?: number;
  fillInterval: DurationInput;
}

/**
 * The local rate limit filter: a token bucket per Envoy (or per connection).
 *
 * Envoy enables and enforces it for 0% of requests unless told otherwise, so the factory writes
 * 100% for both; `.enabled()` and `.enforced()` change that.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto
 */
export class LocalRateLimitFilter extends HttpFilter<LocalRateLimit> {
  /**
   * The token bucket.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto#envoy-v3-api-field-extensions-filters-http-local-ratelimit-v3-localratelimit-token-bucket
   */
  tokenBucket(bucket: TokenBucketInput): this {
    this.draft.tokenBucket = {
      maxTokens: bucket.maxTokens,
      fillInterval: parseDuration(bucket.fillInterval, 'token_bucket.fill_interval'),
      ...(bucket.tokensPerFill !== undefined ? { tokensPerFill: bucket.tokensPerFill } : {}),
    };
    return this;
  }

  /**
   * Share of requests the filter checks (runtime key optional).
   * @default 100 (written by the factory; Envoy's own default is 0)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto#envoy-v3-api-field-extensions-filters-http-local-ratelimit-v3-localratelimit-filter-enabled
   */
  enabled(percent: number, runtimeKey?: string): this {
    this.draft.filterEnabled = runtimeFraction(percent, runtimeKey);
    return this;
  }

  /**
   * Share of checked requests that are actually limited (the others are only counted).
   * @default 100 (written by the factory; Envoy's own default is 0)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto#envoy-v3-api-field-extensions-filters-http-local-ratelimit-v3-localratelimit-filter-enforced
   */
  enforced(percent: number, runtimeKey?: string): this {
    this.draft.filterEnforced = runtimeFraction(percent, runtimeKey);
    return this;
  }

  /**
   * HTTP status of limited requests.
   * @default 429
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto#envoy-v3-api-field-extensions-filters-http-local-ratelimit-v3-localratelimit-status
   */
  status(code: number): this {
    this.draft.status = { code };
    return this;
  }

  /**
   * Adds a response header to limited responses.
   * @default append "APPEND_IF_EXISTS_OR_ADD"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto#envoy-v3-api-field-extensions-filters-http-local-ratelimit-v3-localratelimit-response-headers-to-add
   */
  responseHeader(key: string, value: string, append?: AppendAction): this {
    this.draft.responseHeadersToAdd = push(this.draft.responseHeadersToAdd, headerValue(key, value, append));
    return this;
  }

  /**
   * One bucket per downstream connection instead of one per Envoy worker set.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto#envoy-v3-api-field-extensions-filters-http-local-ratelimit-v3-localratelimit-local-rate-limit-per-downstream-connection
   */
  perConnection(on = true): this {
    this.draft.localRateLimitPerDownstreamConnection = on;
    return this;
  }
}

/**
 * The local rate limit filter (`envoy.filters.http.local_ratelimit`).
 *
 * @param statPrefix prefix of the filter's stats
 * @example localRateLimit('ingress', { tokenBucket: { maxTokens: 100, tokensPerFill: 100, fillInterval: '1s' } })
 */
export function localRateLimit(statPrefix: string, props?: Props<LocalRateLimitFilter>): LocalRateLimitFilter {
  return new LocalRateLimitFilter('envoy.filters.http.local_ratelimit', HttpFilterTypes.localRateLimit, {
    statPrefix,
    filterEnabled: runtimeFraction(100),
    filterEnforced: runtimeFraction(100),
  }).props(props);
}

// ---------------------------------------------------------------------------------------------
// ext_authz

type ExtAuthz = Msg<'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz'>;

/**
 * The external authorization filter: asks a gRPC or HTTP service whether to let each request
 * through.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto
 */
export class ExtAuthzFilter extends HttpFilter<ExtAuthz> {
  /**
   * Uses the gRPC Authorization service in cluster `clusterName`.
   * @param timeout per-check timeout
   * @default timeout none (the gRPC service's default)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto#envoy-v3-api-field-extensions-filters-http-ext-authz-v3-extauthz-grpc-service
   */
  grpc(clusterName: string, timeout?: DurationInput): this {
    this.draft.services = {
      $case: 'grpcService',
      grpcService: {
        targetSpecifier: { $case: 'envoyGrpc', envoyGrpc: { clusterName } },
        ...(timeout !== undefined ? { timeout: parseDuration(timeout, 'grpc_service.timeout') } : {}),
      },
    };
    return this;
  }

  /**
   * Uses an HTTP authorization service at `uri` (in cluster `clusterName`).
   * @param options `timeout`: per-check timeout; `pathPrefix`: prefix of the check request's path
   * @default options timeout "1s", no path prefix
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto#envoy-v3-api-field-extensions-filters-http-ext-authz-v3-extauthz-http-service
   */
  http(uri: string, clusterName: string, options: { timeout?: DurationInput; pathPrefix?: string } = {}): this {
    this.draft.services = {
      $case: 'httpService',
      httpService: {
        serverUri: {
          uri,
          httpUpstreamType: { $case: 'cluster', cluster: clusterName },
          timeout: parseDuration(options.timeout ?? '1s', 'http_service.server_uri.timeout'),
        },
        ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
      },
    };
    return this;
  }

  /**
   * Lets requests through when the authorization service fails.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto#envoy-v3-api-field-extensions-filters-http-ext-authz-v3-extauthz-failure-mode-allow
   */
  failureModeAllow(on = true): this {
    this.draft.failureModeAllow = on;
    return this;
  }

  /**
   * Sends (up to `maxRequestBytes` of) the request body to the service.
   * @default the body is not sent
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto#envoy-v3-api-field-extensions-filters-http-ext-authz-v3-extauthz-with-request-body
   */
  withRequestBody(maxRequestBytes: number, allowPartialMessage = false): this {
    this.draft.withRequestBody = { maxRequestBytes, ...(allowPartialMessage ? { allowPartialMessage } : {}) };
    return this;
  }

  /**
   * HTTP status returned when the service fails (and failure mode does not allow).
   * @default 403
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto#envoy-v3-api-field-extensions-filters-http-ext-authz-v3-extauthz-status-on-error
   */
  statusOnError(code: number): this {
    this.draft.statusOnError = { code };
    return this;
  }

  /**
   * Sends the peer certificate to the service.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto#envoy-v3-api-field-extensions-filters-http-ext-authz-v3-extauthz-include-peer-certificate
   */
  includePeerCertificate(on = true): this {
    this.draft.includePeerCertificate = on;
    return this;
  }
}

/**
 * The external authorization filter (`envoy.filters.http.ext_authz`).
 *
 * @example extAuthz().grpc('authz', '250ms').failureModeAllow(false)
 */
export function extAuthz(props?: Props<ExtAuthzFilter>): ExtAuthzFilter {
  return new ExtAuthzFilter('envoy.filters.http.ext_authz', HttpFilterTypes.extAuthz, {}).props(props);
}

// ---------------------------------------------------------------------------------------------
// jwt_authn

type JwtAuthentication = Msg<'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication'>;
type JwtProvider = Msg<'envoy.extensions.filters.http.jwt_authn.v3.JwtProvider'>;
type JwtRequirement = Msg<'envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement'>;

/** A JWT provider, as `.provider()` accepts it. */
export interface JwtProviderInput {
  /** The `iss` claim tokens must carry. @default any issuer */
  issuer?: string;
  /** Accepted `aud` values. @default any audience */
  audiences?: string[];
  /** Fetch the JWKS from `uri` through cluster `cluster`, caching it for `cacheDuration`. */
  remoteJwks?: { uri: string; cluster: string; timeout?: DurationInput; cacheDuration?: DurationInput };
  /** The JWKS itself (file, inline or env). */
  localJwks?: DataSourceInput;
  /** Keep the token in the forwarded request. @default false */
  forward?: boolean;
  /** Headers to read the token from. @default `Authorization: Bearer <token>` */
  fromHeaders?: { name: string; valuePrefix?: string }[];
  /** Query parameters to read the token from. */
  fromParams?: string[];
  /** Write the verified payload into dynamic metadata under this key. */
  payloadInMetadata?: string;
  /** Forward the payload (base64url) in this header. */
  forwardPayloadHeader?: string;
}

/**
 * What a rule requires: a provider name, `{ any: [...] }` (one of), `{ all: [...] }` (each of),
 * `"allow_missing"`, `"allow_missing_or_failed"`, or a JwtRequirement message.
 */
export type JwtRequirementInput =
  | string
  | { any: JwtRequirementInput[] }
  | { all: JwtRequirementInput[] }
  | 'allow_missing'
  | 'allow_missing_or_failed'
  | JwtRequirement;

function toJwtRequirement(r: JwtRequirementInput): JwtRequirement {
  if (r === 'allow_missing') return { requiresType: { $case: 'allowMissing', allowMissing: {} } };
  if (r === 'allow_missing_or_failed') return { requiresType: { $case: 'allowMissingOrFailed', allowMissingOrFailed: {} } };
  if (typeof r === 'string') return { requiresType: { $case: 'providerName', providerName: r } };
  if ('any' in r && Array.isArray(r.any)) return { requiresType: { $case: 'requiresAny', requiresAny: { requirements: r.any.map(toJwtRequirement) } } };
  if ('all' in r && Array.isArray(r.all)) return { requiresType: { $case: 'requiresAll', requiresAll: { requirements: r.all.map(toJwtRequirement) } } };
  return deepCopy(r as JwtRequirement);
}

/**
 * The JWT authentication filter: verifies JWTs against providers, per route rules.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto
 */
export class JwtAuthnFilter extends HttpFilter<JwtAuthentication> {
  /**
   * Adds a provider (a name used twice throws).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto#extensions-filters-http-jwt-authn-v3-jwtprovider
   */
  provider(name: string, input: JwtProviderInput): this {
    this.draft.providers ??= {};
    if (Object.prototype.hasOwnProperty.call(this.draft.providers, name)) {
      fail({ path: 'providers', rule: 'unique', message: `provider ${JSON.stringify(name)} is already added; each provider must be unique`, value: name }, this.label);
    }
    const p: JwtProvider = {};
    if (input.issuer) p.issuer = input.issuer;
    if (input.audiences) p.audiences = [...input.audiences];
    if (input.remoteJwks) {
      const r = input.remoteJwks;
      p.jwksSourceSpecifier = {
        $case: 'remoteJwks',
        remoteJwks: {
          httpUri: { uri: r.uri, httpUpstreamType: { $case: 'cluster', cluster: r.cluster }, timeout: parseDuration(r.timeout ?? '1s', `providers.${name}.remote_jwks.http_uri.timeout`) },
          ...(r.cacheDuration !== undefined ? { cacheDuration: parseDuration(r.cacheDuration, `providers.${name}.remote_jwks.cache_duration`) } : {}),
        },
      };
    } else if (input.localJwks !== undefined) {
      p.jwksSourceSpecifier = { $case: 'localJwks', localJwks: toDataSource(input.localJwks) };
    }
    if (input.forward) p.forward = true;
    if (input.fromHeaders) p.fromHeaders = input.fromHeaders.map((h) => ({ name: h.name, ...(h.valuePrefix ? { valuePrefix: h.valuePrefix } : {}) }));
    if (input.fromParams) p.fromParams = [...input.fromParams];
    if (input.payloadInMetadata) p.payloadInMetadata = input.payloadInMetadata;
    if (input.forwardPayloadHeader) p.forwardPayloadHeader = input.forwardPayloadHeader;
    this.draft.providers[name] = p;
    return this;
  }

  /**
   * Adds a rule: requests matching `match` (a path prefix string or a RouteMatch) require
   * `requires`. Rules are tried in order; the first match applies.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto#extensions-filters-http-jwt-authn-v3-requirementrule
   */
  rule(match: RouteMatchInput, requires: JwtRequirementInput): this {
    this.draft.rules = push(this.draft.rules, { match: toRouteMatch(match), requirementType: { $case: 'requires', requires: toJwtRequirement(requires) } });
    return this;
  }

  /**
   * Adds a named requirement routes can refer to with per-route config.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto#envoy-v3-api-field-extensions-filters-http-jwt-authn-v3-jwtauthentication-requirement-map
   */
  requirement(name: string, requires: JwtRequirementInput): this {
    this.draft.requirementMap ??= {};
    this.draft.requirementMap[name] = toJwtRequirement(requires);
    return this;
  }

  /**
   * Lets CORS preflight requests through without a JWT.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto#envoy-v3-api-field-extensions-filters-http-jwt-authn-v3-jwtauthentication-bypass-cors-preflight
   */
  bypassCorsPreflight(on = true): this {
    this.draft.bypassCorsPreflight = on;
    return this;
  }
}

/**
 * The JWT authentication filter (`envoy.filters.http.jwt_authn`).
 *
 * @example jwtAuthn().provider('auth0', { issuer: 'https://x.auth0.com/', remoteJwks: { uri: 'https://x.auth0.com/.well-known/jwks.json', cluster: 'auth0' } }).rule('/api', 'auth0')
 */
export function jwtAuthn(props?: Props<JwtAuthnFilter>): JwtAuthnFilter {
  return new JwtAuthnFilter('envoy.filters.http.jwt_authn', HttpFilterTypes.jwtAuthn, {}).props(props);
}

// ---------------------------------------------------------------------------------------------
// lua

type Lua = Msg<'envoy.extensions.filters.http.lua.v3.Lua'>;

/**
 * The Lua filter: runs Lua code on requests and responses.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/lua/v3/lua.proto
 */
export class LuaFilter extends HttpFilter<Lua> {
  /**
   * The code every route runs unless it names another source.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/lua/v3/lua.proto#envoy-v3-api-field-extensions-filters-http-lua-v3-lua-default-source-code
   */
  code(source: DataSourceInput): this {
    this.draft.defaultSourceCode = toTextSource(source);
    return this;
  }

  /**
   * A named source routes can select with `LuaPerRoute`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/lua/v3/lua.proto#envoy-v3-api-field-extensions-filters-http-lua-v3-lua-source-codes
   */
  source(name: string, source: DataSourceInput): this {
    this.draft.sourceCodes ??= {};
    this.draft.sourceCodes[name] = toDataSource(source);
    return this;
  }
}

/**
 * The Lua filter (`envoy.filters.http.lua`), with `code` inline Lua (or any data source).
 *
 * @example lua('function envoy_on_request(h) h:headers():add("x-lua", "1") end')
 */
export function lua(code?: DataSourceInput): LuaFilter {
  const f = new LuaFilter('envoy.filters.http.lua', HttpFilterTypes.lua, {});
  return code === undefined ? f : f.code(code);
}

// ---------------------------------------------------------------------------------------------
// grpc_web

/** The gRPC-Web filter: bridges gRPC-Web clients to gRPC upstreams. */
export class GrpcWebFilter extends HttpFilter<Msg<'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb'>> {}

/**
 * The gRPC-Web filter (`envoy.filters.http.grpc_web`).
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/grpc_web/v3/grpc_web.proto
 */
export function grpcWeb(): GrpcWebFilter {
  return new GrpcWebFilter('envoy.filters.http.grpc_web', HttpFilterTypes.grpcWeb, {});
}

// ---------------------------------------------------------------------------------------------
// compressor

type Compressor = Msg<'envoy.extensions.filters.http.compressor.v3.Compressor'>;

/** The compression libraries: their extension names and config types. */
const COMPRESSION_LIBRARIES = {
  gzip: { name: 'envoy.compression.gzip.compressor', type: 'envoy.extensions.compression.gzip.compressor.v3.Gzip' },
  brotli: { name: 'envoy.compression.brotli.compressor', type: 'envoy.extensions.compression.brotli.compressor.v3.Brotli' },
  zstd: { name: 'envoy.compression.zstd.compressor', type: 'envoy.extensions.compression.zstd.compressor.v3.Zstd' },
} as const;

/** Options of each compression library, by library. */
export interface CompressionOptions {
  gzip: Msg<'envoy.extensions.compression.gzip.compressor.v3.Gzip'>;
  brotli: Msg<'envoy.extensions.compression.brotli.compressor.v3.Brotli'>;
  zstd: Msg<'envoy.extensions.compression.zstd.compressor.v3.Zstd'>;
}

/**
 * The compressor filter: compresses responses (and optionally requests).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/compressor/v3/compressor.proto
 */
export class CompressorFilter extends HttpFilter<Compressor> {
  private response(): NonNullable<Compressor['responseDirectionConfig']> {
    return (this.draft.responseDirectionConfig ??= {});
  }

  /**
   * Compresses only responses at least this long.
   * @default 30
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/compressor/v3/compressor.proto#envoy-v3-api-field-extensions-filters-http-compressor-v3-compressor-commondirectionconfig-min-content-length
   */
  minContentLength(bytes: number): this {
    const r = this.response();
    r.commonConfig = { ...(r.commonConfig ?? {}), minContentLength: bytes };
    return this;
  }

  /**
   * Compresses only these content types.
   * @default Envoy's list of text, JSON, JavaScript, XML and SVG types
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/compressor/v3/compressor.proto#envoy-v3-api-field-extensions-filters-http-compressor-v3-compressor-commondirectionconfig-content-type
   */
  contentTypes(...types: string[]): this {
    const r = this.response();
    r.commonConfig = { ...(r.commonConfig ?? {}), contentType: types };
    return this;
  }

  /**
   * Skips responses with an `etag` header.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/compressor/v3/compressor.proto#envoy-v3-api-field-extensions-filters-http-compressor-v3-compressor-responsedirectionconfig-disable-on-etag-header
   */
  disableOnEtag(on = true): this {
    this.response().disableOnEtagHeader = on;
    return this;
  }

  /**
   * Also compresses request bodies.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/compressor/v3/compressor.proto#envoy-v3-api-field-extensions-filters-http-compressor-v3-compressor-request-direction-config
   */
  compressRequests(on = true): this {
    this.draft.requestDirectionConfig = on ? { commonConfig: { enabled: { defaultValue: true, runtimeKey: 'compressor.request.enabled' } } } : undefined;
    return this;
  }

  /**
   * Picks this compressor over later ones when the client accepts several encodings equally.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/compressor/v3/compressor.proto#envoy-v3-api-field-extensions-filters-http-compressor-v3-compressor-choose-first
   */
  chooseFirst(on = true): this {
    this.draft.chooseFirst = on;
    return this;
  }
}

/**
 * The compressor filter (`envoy.filters.http.compressor`) with the gzip, brotli or zstd library.
 * Two compressors in one HCM need distinct names: `compressor('brotli').named('brotli')`.
 *
 * @param options the library's own options
 * @example compressor('gzip', { compressionLevel: 9 }).minContentLength(256)
 */
export function compressor<L extends keyof CompressionOptions>(library: L, options: CompressionOptions[L] = {}): CompressorFilter {
  const lib = COMPRESSION_LIBRARIES[library];
  if (!lib) fail({ path: 'compressor_library', rule: 'enum', message: `unknown compression library ${JSON.stringify(library)}: expected gzip, brotli or zstd`, value: library });
  return new CompressorFilter('envoy.filters.http.compressor', HttpFilterTypes.compressor, {
    compressorLibrary: { name: lib.name, typedConfig: pack(lib.type, options as never) },
  });
}

// ---------------------------------------------------------------------------------------------
// health_check

type HealthCheckFilterConfig = Msg<'envoy.extensions.filters.http.health_check.v3.HealthCheck'>;

/**
 * The health check filter: answers health checks (from load balancers, other Envoys) itself or
 * passes them through.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/health_check/v3/health_check.proto
 */
export class HealthCheckFilter extends HttpFilter<HealthCheckFilterConfig> {
  /**
   * Passes health checks to the upstream (and caches the answer for `cacheTime`).
   * @default false (Envoy answers itself)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/health_check/v3/health_check.proto#envoy-v3-api-field-extensions-filters-http-health-check-v3-healthcheck-pass-through-mode
   */
  passThrough(cacheTime?: DurationInput): this {
    this.draft.passThroughMode = true;
    if (cacheTime !== undefined) this.draft.cacheTime = parseDuration(cacheTime, 'cache_time');
    return this;
  }

  /**
   * Answers unhealthy (503) unless cluster `cluster` has at least `percent`% healthy hosts.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/health_check/v3/health_check.proto#envoy-v3-api-field-extensions-filters-http-health-check-v3-healthcheck-cluster-min-healthy-percentages
   */
  minHealthy(cluster: string, percent: number): this {
    this.draft.clusterMinHealthyPercentages ??= {};
    this.draft.clusterMinHealthyPercentages[cluster] = { value: percent };
    return this;
  }
}

/**
 * The health check filter (`envoy.filters.http.health_check`) answering requests to `path`.
 *
 * @example healthCheckFilter('/healthz')
 */
export function healthCheckFilter(path: string): HealthCheckFilter {
  return new HealthCheckFilter('envoy.filters.http.health_check', HttpFilterTypes.healthCheck, {
    passThroughMode: false,
    headers: [toHeaderMatcher(':path', path)],
  });
}

// ---------------------------------------------------------------------------------------------
// header_mutation

type HeaderMutationConfig = Msg<'envoy.extensions.filters.http.header_mutation.v3.HeaderMutation'>;

/**
 * The header mutation filter: adds and removes request and response headers.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/header_mutation/v3/header_mutation.proto
 */
export class HeaderMutationFilter extends HttpFilter<HeaderMutationConfig> {
  private mutations() {
    return (this.draft.mutations ??= {});
  }

  /**
   * Adds a request header.
   * @default append "APPEND_IF_EXISTS_OR_ADD"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/header_mutation/v3/header_mutation.proto#extensions-filters-http-header-mutation-v3-mutations
   */
  requestAdd(key: string, value: string, append?: AppendAction): this {
    const m = this.mutations();
    m.requestMutations = push(m.requestMutations, { action: { $case: 'append', append: headerValue(key, value, append) } });
    return this;
  }

  /**
   * Removes a request header.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/header_mutation/v3/header_mutation.proto#extensions-filters-http-header-mutation-v3-mutations
   */
  requestRemove(key: string): this {
    const m = this.mutations();
    m.requestMutations = push(m.requestMutations, { action: { $case: 'remove', remove: key } });
    return this;
  }

  /**
   * Adds a response header.
   * @default append "APPEND_IF_EXISTS_OR_ADD"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/header_mutation/v3/header_mutation.proto#extensions-filters-http-header-mutation-v3-mutations
   */
  responseAdd(key: string, value: string, append?: AppendAction): this {
    const m = this.mutations();
    m.responseMutations = push(m.responseMutations, { action: { $case: 'append', append: headerValue(key, value, append) } });
    return this;
  }

  /**
   * Removes a response header.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/header_mutation/v3/header_mutation.proto#extensions-filters-http-header-mutation-v3-mutations
   */
  responseRemove(key: string): this {
    const m = this.mutations();
    m.responseMutations = push(m.responseMutations, { action: { $case: 'remove', remove: key } });
    return this;
  }
}

/**
 * The header mutation filter (`envoy.filters.http.header_mutation`).
 *
 * @example headerMutation().requestAdd('x-mesh', 'on').responseRemove('server')
 */
export function headerMutation(): HeaderMutationFilter {
  return new HeaderMutationFilter('envoy.filters.http.header_mutation', HttpFilterTypes.headerMutation, {});
}

// ---------------------------------------------------------------------------------------------
// buffer

/**
 * The buffer filter: buffers whole requests (up to a size) before they go upstream.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/buffer/v3/buffer.proto
 */
export class BufferFilter extends HttpFilter<Msg<'envoy.extensions.filters.http.buffer.v3.Buffer'>> {}

/**
 * The buffer filter (`envoy.filters.http.buffer`): requests longer than `maxRequestBytes` get 413.
 */
export function buffer(maxRequestBytes: number): BufferFilter {
  return new BufferFilter('envoy.filters.http.buffer', HttpFilterTypes.buffer, { maxRequestBytes });
}

// ---------------------------------------------------------------------------------------------
// generic

/**
 * Any HTTP filter: its name and its typed config, as a type and message or as a typed config
 * (another builder, or {@link typed}).
 *
 * @example httpFilter('envoy.filters.http.csrf', 'envoy.extensions.filters.http.csrf.v3.CsrfPolicy', { filterEnabled: { defaultValue: { numerator: 100 } } })
 */
export function httpFilter<R extends TypeRef>(name: string, type: R, message?: MessageOf<R>): HttpFilter<ConfigOf<R>>;
export function httpFilter<T>(name: string, config: TypedConfig<T>): HttpFilter<T & object>;
export function httpFilter(name: string, typeOrConfig: TypeRef | TypedConfig, message?: unknown): HttpFilter {
  const { typeName, draft } = configArgs(typeOrConfig, message);
  return new HttpFilter(name, typeName, draft);
}

export type { RouteMatchInput };
