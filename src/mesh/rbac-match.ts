/**
 * Envoy's RBAC matching, evaluated in TypeScript: does a request match a policy, and what does
 * an `envoy.config.rbac.v3.RBAC` decide for it.
 *
 * Semantics follow the API documentation of `config.rbac.v3` and the matchers it uses:
 * - a policy matches when any permission AND any principal match (a CEL `condition` cannot be
 *   evaluated here and is an error);
 * - policies are tried in name order (Envoy keeps them in a sorted map); the first match is the
 *   "effective policy"; ALLOW allows iff some policy matches, DENY denies iff some policy
 *   matches, LOG always allows;
 * - `header` matches a request header or pseudo-header (`:authority`, `:method`, `:path` with
 *   its query); several values of one header are joined with `,`; an absent header fails every
 *   matcher but `present_match: false`, before `invert_match` is applied (unless
 *   `treat_missing_header_as_empty`);
 * - `url_path` matches the path without query and fragment; HTTP only, as `header` is;
 * - `authenticated.principal_name` matches the peer certificate's URI SANs, else its DNS SANs,
 *   else its subject; without `principal_name` any peer certificate matches;
 * - `source_ip` and `direct_remote_ip` match the downstream connection's address, `remote_ip`
 *   the client address from `x-forwarded-for` (the connection's when there is none),
 *   `destination_ip`/`destination_port` the (original) destination;
 * - `metadata` walks the filter's Struct by key; `string_match` needs a string, `list_match`
 *   a list with an element that matches, `present_match` a primitive value, `double_match` a
 *   number (`range`: start inclusive, end exclusive).
 * - String matchers: `exact`, `prefix`, `suffix`, `contains` (with `ignore_case`), and
 *   `safe_regex`, a full match under RE2 (re2js).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-msg-config-route-v3-headermatcher
 */
import { matchString as sharedMatchString, matchValue, regexFullMatch, structValueAt, UnsupportedMatcherError } from '../registry/matchers.js';
import type { Permission, Policy, Principal, RBAC } from '../gen/envoy/config/rbac/v3/rbac.js';
import type { CidrRange } from '../gen/envoy/config/core/v3/address.js';
import type { HeaderMatcher } from '../gen/envoy/config/route/v3/route_components.js';
import type { StringMatcher } from '../gen/envoy/type/matcher/v3/string.js';
import type { MetadataMatcher } from '../gen/envoy/type/matcher/v3/metadata.js';
import { cidrContains, parseCidr, parseIp } from './ip.js';

/**
 * A request (or, for a TCP chain, a connection) as RBAC sees it.
 *
 * Every field is optional: what is absent does not match (an absent header, no peer
 * certificate, no metadata).
 */
export interface RbacRequest {
  /** Peer certificate URI SANs (SPIFFE ids), e.g. `spiffe://cluster.local/ns/a/sa/b`; set means mTLS. */
  principal?: string | readonly string[];
  /** Peer certificate DNS SANs. */
  dnsSans?: readonly string[];
  /** Peer certificate subject. */
  subject?: string;
  /** The downstream connection's source address (`source_ip`, `direct_remote_ip`). */
  sourceIp?: string;
  /** The client address after `x-forwarded-for` (`remote_ip`); defaults to `sourceIp`. */
  remoteIp?: string;
  /** The (original) destination address (`destination_ip`). */
  destinationIp?: string;
  /** The (original) destination port (`destination_port`). */
  destinationPort?: number;
  /** TLS SNI (`requested_server_name`). */
  sni?: string;
  /** `:authority` (Host). */
  host?: string;
  /** `:method`. */
  method?: string;
  /** `:path`, with query string. */
  path?: string;
  /** Other request headers; names are matched case-insensitively. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Verified JWT claims, placed in dynamic metadata the way `jwt_authn` does with
   * `payload_in_metadata` (see {@link RbacRequestOptions.jwt}).
   */
  jwt?: Readonly<Record<string, unknown>>;
  /** Dynamic metadata by filter name (merged over what `jwt` produces). */
  metadata?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** How a request is evaluated. */
export interface RbacRequestOptions {
  /** `http` for the HTTP filter; `tcp` for the network filter (no headers, no path). @default "http" */
  protocol?: 'http' | 'tcp';
  /** Where `jwt` claims are put in dynamic metadata. */
  jwt?: { filter?: string; payloadKey?: string };
}

/** The decision of one RBAC message for a request. */
export interface RbacDecision {
  /** True when this RBAC lets the request through. */
  allowed: boolean;
  /** The first matching policy in name order (Envoy's effective policy id). */
  policy?: string;
  /** Every matching policy, in name order. */
  matched: string[];
}

/** Envoy's `jwt_authn` filter name: the metadata namespace of the JWT payload. */
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** The default `payload_in_metadata` key the mesh presets use. */
export const JWT_PAYLOAD_KEY = 'jwt_payload';

/** A request prepared for matching: lower-cased headers, metadata assembled. */
interface Ctx {
  readonly http: boolean;
  readonly req: RbacRequest;
  readonly headers: Map<string, string>;
  readonly metadata: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly urlPath?: string;
}

function context(req: RbacRequest, options: RbacRequestOptions): Ctx {
  const http = (options.protocol ?? 'http') === 'http';
  const headers = new Map<string, string>();
  if (http) {
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      const name = k.toLowerCase();
      const value = typeof v === 'string' ? v : v.join(',');
      headers.set(name, headers.has(name) ? `${headers.get(name)},${value}` : value);
    }
    if (req.host !== undefined) headers.set(':authority', req.host);
    if (req.method !== undefined) headers.set(':method', req.method);
    if (req.path !== undefined) headers.set(':path', req.path);
  }
  const metadata: Record<string, Record<string, unknown>> = {};
  if (req.jwt) {
    const filter = options.jwt?.filter ?? JWT_AUTHN_FILTER;
    metadata[filter] = { [options.jwt?.payloadKey ?? JWT_PAYLOAD_KEY]: req.jwt };
  }
  for (const [k, v] of Object.entries(req.metadata ?? {})) metadata[k] = { ...metadata[k], ...v };
  const urlPath = http && req.path !== undefined ? req.path.split(/[?#]/, 1)[0] : undefined;
  return { http, req, headers, metadata, urlPath };
}

/** Thrown for RBAC content this evaluator does not implement (CEL conditions, extensions). */
export class RbacEvaluationError extends Error {
  override readonly name = 'RbacEvaluationError';
}

/**
 * True when the string matcher accepts the value (the registry's `matchString`; a `custom`
 * extension is an {@link RbacEvaluationError}).
 */
export function matchString(m: StringMatcher, value: string): boolean {
  try {
    return sharedMatchString(m, value);
  } catch (e) {
    if (e instanceof UnsupportedMatcherError) throw new RbacEvaluationError(e.message);
    throw e;
  }
}

function matchHeader(m: HeaderMatcher, ctx: Ctx): boolean {
  const name = (m.name ?? '').toLowerCase();
  let value = ctx.headers.get(name);
  const spec = m.headerMatchSpecifier;
  if (value === undefined && m.treatMissingHeaderAsEmpty) value = '';
  let result: boolean;
  if (spec?.$case === 'presentMatch') {
    result = (value !== undefined) === spec.presentMatch;
  } else if (value === undefined) {
    result = false;
  } else if (!spec) {
    result = true; // no specifier: presence
  } else {
    switch (spec.$case) {
      case 'exactMatch':
        result = value === spec.exactMatch;
        break;
      case 'prefixMatch':
        result = value.startsWith(spec.prefixMatch);
        break;
      case 'suffixMatch':
        result = value.endsWith(spec.suffixMatch);
        break;
      case 'containsMatch':
        result = value.includes(spec.containsMatch);
        break;
      case 'safeRegexMatch':
        result = regexFullMatch(spec.safeRegexMatch.regex ?? '', value);
        break;
      case 'stringMatch':
        result = matchString(spec.stringMatch, value);
        break;
      case 'rangeMatch': {
        const n = /^-?[0-9]+$/.test(value) ? BigInt(value) : undefined;
        result = n !== undefined && n >= BigInt(spec.rangeMatch.start ?? '0') && n < BigInt(spec.rangeMatch.end ?? '0');
        break;
      }
    }
  }
  return m.invertMatch ? !result : result;
}

function matchCidr(range: CidrRange, address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = parseIp(address);
  const r = parseCidr(`${range.addressPrefix ?? ''}/${range.prefixLen ?? 0}`);
  return ip !== undefined && r !== undefined && cidrContains(r, ip);
}

/** True when the value matcher accepts a metadata value (`undefined` when the path is absent). */
export { matchValue };

function matchMetadata(m: MetadataMatcher, ctx: Ctx): boolean {
  const v = structValueAt(ctx.metadata[m.filter ?? ''], m.path ?? []);
  const r = m.value ? matchValue(m.value, v) : false;
  return m.invert ? !r : r;
}

/** True when the permission matches the request. */
export function matchPermission(p: Permission, req: RbacRequest, options: RbacRequestOptions = {}): boolean {
  return permission(p, context(req, options));
}

/** True when the principal matches the request. */
export function matchPrincipal(p: Principal, req: RbacRequest, options: RbacRequestOptions = {}): boolean {
  return principal(p, context(req, options));
}

function permission(p: Permission, ctx: Ctx): boolean {
  const r = p.rule;
  if (!r) return false;
  switch (r.$case) {
    case 'andRules':
      return (r.andRules.rules ?? []).every((x) => permission(x, ctx));
    case 'orRules':
      return (r.orRules.rules ?? []).some((x) => permission(x, ctx));
    case 'any':
      return r.any;
    case 'header':
      return ctx.http && matchHeader(r.header, ctx);
    case 'urlPath': {
      const sm = r.urlPath.rule?.path;
      return ctx.urlPath !== undefined && sm !== undefined && matchString(sm, ctx.urlPath);
    }
    case 'destinationIp':
      return matchCidr(r.destinationIp, ctx.req.destinationIp);
    case 'destinationPort':
      return ctx.req.destinationPort === r.destinationPort;
    case 'destinationPortRange': {
      const port = ctx.req.destinationPort;
      return port !== undefined && port >= (r.destinationPortRange.start ?? 0) && port < (r.destinationPortRange.end ?? 0);
    }
    case 'metadata':
      return matchMetadata(r.metadata, ctx);
    case 'notRule':
      return !permission(r.notRule, ctx);
    case 'requestedServerName':
      return ctx.req.sni !== undefined && matchString(r.requestedServerName, ctx.req.sni);
    case 'matcher':
    case 'uriTemplate':
      throw new RbacEvaluationError(`permission ${r.$case} extensions cannot be evaluated`);
  }
}

function principal(p: Principal, ctx: Ctx): boolean {
  const id = p.identifier;
  if (!id) return false;
  const req = ctx.req;
  switch (id.$case) {
    case 'andIds':
      return (id.andIds.ids ?? []).every((x) => principal(x, ctx));
    case 'orIds':
      return (id.orIds.ids ?? []).some((x) => principal(x, ctx));
    case 'any':
      return id.any;
    case 'authenticated': {
      const uris = req.principal === undefined ? [] : typeof req.principal === 'string' ? [req.principal] : [...req.principal];
      const dns = req.dnsSans ?? [];
      const hasCert = uris.length > 0 || dns.length > 0 || req.subject !== undefined;
      if (!hasCert) return false;
      const name = id.authenticated.principalName;
      if (!name) return true;
      const candidates = uris.length ? uris : dns.length ? dns : [req.subject ?? ''];
      return candidates.some((c) => matchString(name, c));
    }
    case 'sourceIp':
      return matchCidr(id.sourceIp, req.sourceIp);
    case 'directRemoteIp':
      return matchCidr(id.directRemoteIp, req.sourceIp);
    case 'remoteIp':
      return matchCidr(id.remoteIp, req.remoteIp ?? req.sourceIp);
    case 'header':
      return ctx.http && matchHeader(id.header, ctx);
    case 'urlPath': {
      const sm = id.urlPath.rule?.path;
      return ctx.urlPath !== undefined && sm !== undefined && matchString(sm, ctx.urlPath);
    }
    case 'metadata':
      return matchMetadata(id.metadata, ctx);
    case 'notId':
      return !principal(id.notId, ctx);
    case 'filterState':
      throw new RbacEvaluationError('filter_state principals cannot be evaluated');
  }
}

/** True when the policy matches: any permission and any principal (no CEL condition). */
export function matchPolicy(policy: Policy, req: RbacRequest, options: RbacRequestOptions = {}): boolean {
  return policyMatches(policy, context(req, options));
}

function policyMatches(policy: Policy, ctx: Ctx): boolean {
  if (policy.condition || policy.checkedCondition) throw new RbacEvaluationError('policy conditions (CEL) cannot be evaluated');
  return (policy.permissions ?? []).some((p) => permission(p, ctx)) && (policy.principals ?? []).some((p) => principal(p, ctx));
}

/**
 * What an `envoy.config.rbac.v3.RBAC` decides for a request.
 *
 * @example evaluateRbac(rbac, { principal: 'spiffe://cluster.local/ns/a/sa/b', method: 'GET', path: '/' })
 */
export function evaluateRbac(rbac: RBAC, req: RbacRequest, options: RbacRequestOptions = {}): RbacDecision {
  const ctx = context(req, options);
  const names = Object.keys(rbac.policies ?? {}).sort();
  const matched = names.filter((n) => policyMatches(rbac.policies![n]!, ctx));
  const action = rbac.action ?? 0;
  const allowed = action === 1 ? matched.length === 0 : action === 2 ? true : matched.length > 0;
  return { allowed, policy: matched[0], matched };
}
