/**
 * A compiled RBAC model as filters: the HTTP RBAC filters for an HttpConnectionManager, or the
 * network RBAC filters for a TCP filter chain — the DENY filter first, then the ALLOW filter.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rbac_filter
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/rbac_filter
 */
import { httpRbac, networkRbac, type HttpRbacFilter, type NetworkRbacFilter } from '../builders/index.js';
import type { RBAC } from '../gen/envoy/config/rbac/v3/rbac.js';
import type { CompiledRbac } from './rbac.js';

/** Filter names: the ALLOW filter keeps Envoy's canonical name; the DENY filter is suffixed. */
export const RBAC_FILTER_NAMES = Object.freeze({
  http: { allow: 'envoy.filters.http.rbac', deny: 'envoy.filters.http.rbac.deny' },
  network: { allow: 'envoy.filters.network.rbac', deny: 'envoy.filters.network.rbac.deny' },
});

/** Istio's stat prefixes of shadow (dry-run) rules, so the two filters' shadow stats stay apart. */
export const SHADOW_STAT_PREFIXES = Object.freeze({ allow: 'istio_dry_run_allow_', deny: 'istio_dry_run_deny_' });

/** Options of the RBAC filters. */
export interface RbacFilterOptions {
  /** Stat prefix of the network filters (required by Envoy). @default "tcp." (Istio's) */
  statPrefix?: string;
}

function fill(f: HttpRbacFilter | NetworkRbacFilter, rules: RBAC, action: 'ALLOW' | 'DENY', shadow: boolean): void {
  const policies = Object.entries(rules.policies ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (shadow) {
    f.shadowAction(action);
    f.shadowRulesStatPrefix(action === 'ALLOW' ? SHADOW_STAT_PREFIXES.allow : SHADOW_STAT_PREFIXES.deny);
    for (const [name, p] of policies) f.shadowPolicy(name, { permissions: p.permissions ?? [], principals: p.principals ?? [] });
  } else {
    f.action(action);
    for (const [name, p] of policies) f.policy(name, { permissions: p.permissions ?? [], principals: p.principals ?? [] });
  }
}

/**
 * The HTTP RBAC filters of a model compiled for `http`: DENY (when there are dynamic separation
 * constraints) then ALLOW. Add them to an HCM before the router.
 *
 * @example hcm('inbound').httpFilters(...rbacHttpFilters(compileRbac(model)))
 */
export function rbacHttpFilters(compiled: CompiledRbac): HttpRbacFilter[] {
  if (compiled.protocol !== 'http') throw new Error(`rbac compiled for ${compiled.protocol} cannot make HTTP filters: compile with protocol 'http'`);
  const out: HttpRbacFilter[] = [];
  if (compiled.deny) {
    const f = httpRbac().named(RBAC_FILTER_NAMES.http.deny);
    fill(f, compiled.deny, 'DENY', compiled.shadow);
    out.push(f);
  }
  const f = httpRbac().named(RBAC_FILTER_NAMES.http.allow);
  fill(f, compiled.allow, 'ALLOW', compiled.shadow);
  out.push(f);
  return out;
}

/**
 * The network RBAC filters of a model compiled for `tcp`: DENY (when there are dynamic
 * separation constraints) then ALLOW. Put them first in a TCP filter chain.
 *
 * @example filterChain('db').filters(...rbacNetworkFilters(compileRbac(model, { protocol: 'tcp' })), tcpProxy('db').cluster('db'))
 */
export function rbacNetworkFilters(compiled: CompiledRbac, options: RbacFilterOptions = {}): NetworkRbacFilter[] {
  if (compiled.protocol !== 'tcp') throw new Error(`rbac compiled for ${compiled.protocol} cannot make network filters: compile with protocol 'tcp'`);
  const statPrefix = options.statPrefix ?? 'tcp.';
  const out: NetworkRbacFilter[] = [];
  if (compiled.deny) {
    const f = networkRbac(statPrefix).named(RBAC_FILTER_NAMES.network.deny);
    fill(f, compiled.deny, 'DENY', compiled.shadow);
    out.push(f);
  }
  const f = networkRbac(statPrefix).named(RBAC_FILTER_NAMES.network.allow);
  fill(f, compiled.allow, 'ALLOW', compiled.shadow);
  out.push(f);
  return out;
}
