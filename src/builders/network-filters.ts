/**
 * Network filters besides the HCM and the TCP proxy: RBAC (network level) and the generic
 * {@link networkFilter}.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/network_filters
 */
import type { MessageOf, TypeRef } from '../registry/codec.js';
import type { Props, TypedConfig } from './builder.js';
import { NetworkFilter, configArgs, type ConfigOf, type Msg } from './filter.js';
import { rulesWithAction, rulesWithPolicy, type PolicyInput, type RbacAction } from './rbac.js';

type NetworkRbac = Msg<'envoy.extensions.filters.network.rbac.v3.RBAC'>;

/**
 * The network RBAC filter: allows or denies connections by policies (principals by peer
 * certificate or IP, permissions by destination port, IP or SNI), with optional shadow rules.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/rbac/v3/rbac.proto
 */
export class NetworkRbacFilter extends NetworkFilter<NetworkRbac> {
  /**
   * The action of the enforced rules. Setting it (or adding a policy) enables enforcement; with
   * `ALLOW` and no policy every connection is denied.
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
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-network-rbac-v3-rbac-shadow-rules
   */
  shadowAction(action: RbacAction): this {
    this.draft.shadowRules = rulesWithAction(this.draft.shadowRules, action);
    return this;
  }

  /**
   * Adds a shadow policy: evaluated and reported, never enforced.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-network-rbac-v3-rbac-shadow-rules
   */
  shadowPolicy(name: string, policy: PolicyInput): this {
    this.draft.shadowRules = rulesWithPolicy(this.draft.shadowRules, this.label, 'shadow_rules.policies', name, policy);
    return this;
  }

  /**
   * Prefix of the shadow rules' stats.
   * @default ""
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-network-rbac-v3-rbac-shadow-rules-stat-prefix
   */
  shadowRulesStatPrefix(prefix: string): this {
    this.draft.shadowRulesStatPrefix = prefix;
    return this;
  }

  /**
   * Evaluate once per connection (`ONE_TIME_ON_FIRST_BYTE`) or on every read (`CONTINUOUS`,
   * for filters that set dynamic metadata later).
   * @default "ONE_TIME_ON_FIRST_BYTE"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/rbac/v3/rbac.proto#envoy-v3-api-field-extensions-filters-network-rbac-v3-rbac-enforcement-type
   */
  enforcement(type: 'ONE_TIME_ON_FIRST_BYTE' | 'CONTINUOUS'): this {
    if (type === 'CONTINUOUS') this.draft.enforcementType = 1;
    else delete this.draft.enforcementType;
    return this;
  }
}

/**
 * The network RBAC filter (`envoy.filters.network.rbac`) with stat prefix `statPrefix`.
 *
 * @example networkRbac('db').policy('app-only', { permissions: [Permission.any()], principals: [Principal.authenticated(Match.exact('spiffe://example.com/app'))] })
 */
export function networkRbac(statPrefix: string, props?: Props<NetworkRbacFilter>): NetworkRbacFilter {
  return new NetworkRbacFilter('envoy.filters.network.rbac', 'envoy.extensions.filters.network.rbac.v3.RBAC', { statPrefix }).props(props);
}

/**
 * Any network filter: its name and typed config, as a type and message or as a typed config
 * (another builder, or `typed()`).
 *
 * @example networkFilter('envoy.filters.network.echo', 'envoy.extensions.filters.network.echo.v3.Echo')
 */
export function networkFilter<R extends TypeRef>(name: string, type: R, message?: MessageOf<R>): NetworkFilter<ConfigOf<R>>;
export function networkFilter<T>(name: string, config: TypedConfig<T>): NetworkFilter<T & object>;
export function networkFilter(name: string, typeOrConfig: TypeRef | TypedConfig, message?: unknown): NetworkFilter {
  const { typeName, draft } = configArgs(typeOrConfig, message);
  return new NetworkFilter(name, typeName, draft);
}
