/**
 * HTTP connection manager rules: one route source, a terminal HTTP filter last (the router),
 * and the same for upstream HTTP filter chains (the upstream codec).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_filters#filter-ordering
 */
import { checkTerminal } from './listener.js';
import { at, error, warning } from './util.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';

/** The router: the terminal HTTP filter of a downstream (HCM) filter chain. */
export const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';
/** The upstream codec: the terminal filter of an upstream HTTP filter chain. */
export const UPSTREAM_CODEC = 'envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec';

/** HTTP filters that end a downstream HTTP filter chain. */
export const TERMINAL_HTTP_FILTERS: ReadonlySet<string> = new Set([ROUTER]);
/** HTTP filters that end an upstream HTTP filter chain (a cluster's or the router's). */
export const TERMINAL_UPSTREAM_HTTP_FILTERS: ReadonlySet<string> = new Set([UPSTREAM_CODEC]);

interface Hcm {
  routeSpecifier?: { $case?: string };
  httpFilters?: { name?: string; configType?: unknown; disabled?: boolean }[];
}

/** `hcm.route_specifier` and `hcm.terminal_filter`. */
const hcm: SemanticRule = (m: Hcm, path, ctx) => {
  const out: SemanticProblem[] = [];
  if (!m.routeSpecifier?.$case) {
    out.push({
      ...error(
        at(path, 'route_specifier'),
        'hcm.route_specifier',
        'the http connection manager needs exactly one of rds (route configuration by name, from RDS), route_config (inline routes) or scoped_routes; none is set',
      ),
      replaces: 'oneof.required',
    });
  }
  if (!m.httpFilters?.length) {
    out.push(
      warning(
        at(path, 'http_filters'),
        'hcm.terminal_filter',
        `no http_filters: add the router (${ROUTER}) as the last http filter so requests are routed`,
      ),
    );
  }
  out.push(...checkTerminal(m.httpFilters, at(path, 'http_filters'), 'hcm.terminal_filter', TERMINAL_HTTP_FILTERS, 'http filter', `the router (${ROUTER})`, ctx.anys));
  return out;
};

/** `upstream_filters.terminal_filter`: upstream HTTP filters end with the upstream codec. */
const upstreamFilters =
  (field: string, prop: 'upstreamHttpFilters' | 'httpFilters'): SemanticRule =>
  (m: Record<string, Hcm['httpFilters']>, path, ctx) =>
    checkTerminal(m[prop], at(path, field), 'upstream_filters.terminal_filter', TERMINAL_UPSTREAM_HTTP_FILTERS, 'upstream http filter', `the upstream codec (${UPSTREAM_CODEC})`, ctx.anys);

/** Rules by message type. */
export const httpRules: RuleTable = {
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager': [hcm],
  [ROUTER]: [upstreamFilters('upstream_http_filters', 'upstreamHttpFilters')],
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': [upstreamFilters('http_filters', 'httpFilters')],
};
