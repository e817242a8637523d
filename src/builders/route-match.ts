/**
 * Route matches: the `match` of a route (and of JWT rules), from a path prefix string, a small
 * spec object or a RouteMatch message.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routematch
 */
import type { RouteMatch } from '../gen/envoy/config/route/v3/route_components.js';
import { deepCopy, fail } from './builder.js';
import { runtimeFraction, toHeaderMatcher, toStringMatcher, type HeaderMatchInput, type StringMatchInput } from './common.js';

export type { RouteMatch };

/** A route match written as an object: one path rule plus optional conditions. */
export interface RouteMatchSpec {
  /** The path starts with this prefix. */
  prefix?: string;
  /** The path (without query) is exactly this. */
  path?: string;
  /** The path matches this RE2 regular expression (the whole path). */
  regex?: string;
  /** The path is this prefix or continues with `/`, `?` or `#` after it (`/api` matches `/api/x`, not `/apix`). */
  pathSeparatedPrefix?: string;
  /** CONNECT requests (which have no path), instead of a path rule. @default false */
  connect?: boolean;
  /** Headers that must match (see {@link HeaderMatchInput}). */
  headers?: Record<string, HeaderMatchInput>;
  /** Query parameters that must match: a string or StringMatcher, or `true` for present. */
  query?: Record<string, StringMatchInput | true>;
  /** Only gRPC requests. @default false */
  grpc?: boolean;
  /** Match the path case-sensitively. @default true */
  caseSensitive?: boolean;
  /** Only this share (0-100) of matching requests, overridable by `runtimeKey`. */
  runtimeFraction?: number | { percent: number; runtimeKey?: string };
}

/** A route match as builders accept it: a path prefix, a {@link RouteMatchSpec} or a RouteMatch message. */
export type RouteMatchInput = string | RouteMatchSpec | RouteMatch;

/** Sets the path rule of a match (replacing any earlier one); `connect` (CONNECT requests) takes no value. */
export function setPath(m: RouteMatch, kind: 'prefix' | 'path' | 'regex' | 'pathSeparatedPrefix' | 'connect', value: string): RouteMatch {
  switch (kind) {
    case 'connect':
      m.pathSpecifier = { $case: 'connectMatcher', connectMatcher: {} };
      break;
    case 'prefix':
      m.pathSpecifier = { $case: 'prefix', prefix: value };
      break;
    case 'path':
      m.pathSpecifier = { $case: 'path', path: value };
      break;
    case 'regex':
      m.pathSpecifier = { $case: 'safeRegex', safeRegex: { regex: value } };
      break;
    case 'pathSeparatedPrefix':
      m.pathSpecifier = { $case: 'pathSeparatedPrefix', pathSeparatedPrefix: value };
      break;
  }
  return m;
}

function isRouteMatchMessage(input: RouteMatchSpec | RouteMatch): input is RouteMatch {
  return (
    'pathSpecifier' in input || 'dynamicMetadata' in input || 'tlsContext' in input || 'queryParameters' in input ||
    Array.isArray((input as RouteMatch).headers) || (typeof input.grpc === 'object' && input.grpc !== null) ||
    (typeof input.runtimeFraction === 'object' && input.runtimeFraction !== null && 'defaultValue' in input.runtimeFraction)
  );
}

/** A RouteMatch message from a {@link RouteMatchInput} (a fresh object). */
export function toRouteMatch(input: RouteMatchInput): RouteMatch {
  if (typeof input === 'string') return { pathSpecifier: { $case: 'prefix', prefix: input } };
  if (isRouteMatchMessage(input)) return deepCopy(input);
  const s = input as RouteMatchSpec;
  const m: RouteMatch = {};
  const rules = (['prefix', 'path', 'regex', 'pathSeparatedPrefix', 'connect'] as const).filter((k) => (k === 'connect' ? s.connect === true : s[k] !== undefined));
  if (rules.length > 1) {
    fail({ path: 'match', rule: 'oneof', message: `a route match takes one path rule, got ${rules.join(' and ')}`, value: input });
  }
  if (rules.length === 1) setPath(m, rules[0]!, rules[0] === 'connect' ? '' : s[rules[0]!]!);
  if (s.headers) m.headers = Object.entries(s.headers).map(([k, v]) => toHeaderMatcher(k, v));
  if (s.query) {
    m.queryParameters = Object.entries(s.query).map(([name, v]) =>
      v === true
        ? { name, queryParameterMatchSpecifier: { $case: 'presentMatch' as const, presentMatch: true } }
        : { name, queryParameterMatchSpecifier: { $case: 'stringMatch' as const, stringMatch: toStringMatcher(v) } },
    );
  }
  if (s.grpc) m.grpc = {};
  if (s.caseSensitive === false) m.caseSensitive = false;
  if (s.runtimeFraction !== undefined) {
    const r = typeof s.runtimeFraction === 'number' ? { percent: s.runtimeFraction } : s.runtimeFraction;
    m.runtimeFraction = runtimeFraction(r.percent, r.runtimeKey);
  }
  return m;
}
