/**
 * Matching for listeners: the unified matcher that picks a filter chain by name
 * (`filter_chain_matcher`, {@link ChainMatcher}) and the predicates that turn a listener filter
 * off for some connections (`filter_disabled`, {@link ListenerPredicate}).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/advanced/matching/matching_listener
 */
import type { TypedExtensionConfig } from '../gen/envoy/config/core/v3/extension.js';
import type { ListenerFilterChainMatchPredicate } from '../gen/envoy/config/listener/v3/listener_components.js';
import type { Matcher, Matcher_MatcherTree, Matcher_OnMatch } from '../gen/xds/type/matcher/v3/matcher.js';
import type { TypeName } from '../registry/codec.js';
import { deepCopy, fail, packMessage } from './builder.js';

export type { Matcher, ListenerFilterChainMatchPredicate };

/**
 * A property of a connection a filter chain matcher can read (Envoy's network matching inputs
 * `envoy.matching.inputs.<name>`).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/matching/common_inputs/network/v3/network_inputs.proto
 */
export type NetworkInput =
  | 'destination_ip'
  | 'destination_port'
  | 'source_ip'
  | 'source_port'
  | 'direct_source_ip'
  | 'source_type'
  | 'server_name'
  | 'transport_protocol'
  | 'application_protocol';

const NETWORK_INPUTS: Record<NetworkInput, TypeName> = {
  destination_ip: 'envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput',
  destination_port: 'envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput',
  source_ip: 'envoy.extensions.matching.common_inputs.network.v3.SourceIPInput',
  source_port: 'envoy.extensions.matching.common_inputs.network.v3.SourcePortInput',
  direct_source_ip: 'envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput',
  source_type: 'envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput',
  server_name: 'envoy.extensions.matching.common_inputs.network.v3.ServerNameInput',
  transport_protocol: 'envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput',
  application_protocol: 'envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput',
};

/** The type of the action a filter chain matcher ends in: the chain's name as a StringValue. */
export { CHAIN_ACTION_TYPE } from '../validate/semantic/chain-matcher.js';
import { CHAIN_ACTION_TYPE } from '../validate/semantic/chain-matcher.js';

/** Where a filter chain matcher leads: the name of a filter chain, or a nested matcher. */
export type ChainTarget = string | Matcher;

function onMatch(target: ChainTarget, path: string): Matcher_OnMatch {
  if (typeof target === 'string') return ChainMatcher.chain(target);
  if (target === null || typeof target !== 'object') {
    fail({ path, rule: 'matcher', message: `expected a filter chain name or a matcher, got ${JSON.stringify(target)}`, value: target });
  }
  return { onMatch: { $case: 'matcher', matcher: deepCopy(target) } };
}

function tree(kind: 'exactMatchMap' | 'prefixMatchMap', input: NetworkInput | TypedExtensionConfig, map: Record<string, ChainTarget>, onNoMatch?: ChainTarget): Matcher {
  const entries: Record<string, Matcher_OnMatch> = {};
  for (const [key, target] of Object.entries(map)) entries[key] = onMatch(target, `filter_chain_matcher.map[${key}]`);
  const treeType: Matcher_MatcherTree['treeType'] =
    kind === 'exactMatchMap' ? { $case: 'exactMatchMap', exactMatchMap: { map: entries } } : { $case: 'prefixMatchMap', prefixMatchMap: { map: entries } };
  const m: Matcher = { matcherType: { $case: 'matcherTree', matcherTree: { input: typeof input === 'string' ? ChainMatcher.input(input) : deepCopy(input), treeType } } };
  if (onNoMatch !== undefined) m.onNoMatch = onMatch(onNoMatch, 'filter_chain_matcher.on_no_match');
  return m;
}

/**
 * Static factories for a listener's `filter_chain_matcher` (an `xds.type.matcher.v3.Matcher`
 * whose actions name filter chains). Trees nest: a map entry may lead to another matcher.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-filter-chain-matcher
 * @example
 * ChainMatcher.exact('destination_ip', {
 *   '10.96.0.20': ChainMatcher.exact('destination_port', { '9080': 'reviews-http' }),
 * }, 'passthrough')
 */
export const ChainMatcher = Object.freeze({
  /**
   * The matching input `envoy.matching.inputs.<input>` with its (empty) typed config.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/matching/common_inputs/network/v3/network_inputs.proto
   */
  input: (input: NetworkInput): TypedExtensionConfig => {
    const type = NETWORK_INPUTS[input];
    if (!type) fail({ path: 'filter_chain_matcher.input', rule: 'enum', message: `unknown network input ${JSON.stringify(input)}: expected one of ${Object.keys(NETWORK_INPUTS).join(', ')}`, value: input });
    return { name: `envoy.matching.inputs.${input}`, typedConfig: packMessage(type, {}) };
  },
  /** The action that selects the filter chain named `name`. */
  chain: (name: string): Matcher_OnMatch => ({
    onMatch: { $case: 'action', action: { name, typedConfig: packMessage(CHAIN_ACTION_TYPE, { value: name }) } },
  }),
  /**
   * A tree on `input`: the entry whose key equals the input's value decides; `onNoMatch` when
   * none does (else the default filter chain, if any).
   * @see https://www.envoyproxy.io/docs/envoy/latest/xds/type/matcher/v3/matcher.proto#xds-type-matcher-v3-matcher-matchertree
   */
  exact: (input: NetworkInput | TypedExtensionConfig, map: Record<string, ChainTarget>, onNoMatch?: ChainTarget): Matcher => tree('exactMatchMap', input, map, onNoMatch),
  /**
   * A tree on `input`: the entry with the longest key that prefixes the input's value decides.
   * @see https://www.envoyproxy.io/docs/envoy/latest/xds/type/matcher/v3/matcher.proto#xds-type-matcher-v3-matcher-matchertree
   */
  prefix: (input: NetworkInput | TypedExtensionConfig, map: Record<string, ChainTarget>, onNoMatch?: ChainTarget): Matcher => tree('prefixMatchMap', input, map, onNoMatch),
});


function checkPort(port: number, path: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail({ path, rule: 'port', message: `invalid port ${JSON.stringify(port)}: expected an integer from 0 to 65535`, value: port });
}

/**
 * Static factories for ListenerFilterChainMatchPredicate messages: when a listener filter is
 * disabled (`filter_disabled`).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-listenerfilterchainmatchpredicate
 * @example ListenerPredicate.not(ListenerPredicate.destinationPorts(80, 8080)) // disabled except on 80 and 8080
 */
export const ListenerPredicate = Object.freeze({
  /** Every connection. */
  any: (): ListenerFilterChainMatchPredicate => ({ rule: { $case: 'anyMatch', anyMatch: true } }),
  /** Connections to a destination port in `[start, end)`. */
  destinationPortRange: (start: number, end: number): ListenerFilterChainMatchPredicate => {
    checkPort(start, 'destination_port_range.start');
    checkPort(end - 1, 'destination_port_range.end');
    return { rule: { $case: 'destinationPortRange', destinationPortRange: { start, end } } };
  },
  /** Connections to one of these destination ports. */
  destinationPorts: (...ports: number[]): ListenerFilterChainMatchPredicate => ListenerPredicate.or(...ports.map((p) => ListenerPredicate.destinationPortRange(p, p + 1))),
  /** Connections `predicate` does not match. */
  not: (predicate: ListenerFilterChainMatchPredicate): ListenerFilterChainMatchPredicate => ({ rule: { $case: 'notMatch', notMatch: deepCopy(predicate) } }),
  /** Connections any of the predicates matches (one predicate is returned as it is). */
  or: (...predicates: ListenerFilterChainMatchPredicate[]): ListenerFilterChainMatchPredicate => set('orMatch', predicates),
  /** Connections every one of the predicates matches (one predicate is returned as it is). */
  and: (...predicates: ListenerFilterChainMatchPredicate[]): ListenerFilterChainMatchPredicate => set('andMatch', predicates),
});

function set(kind: 'orMatch' | 'andMatch', predicates: ListenerFilterChainMatchPredicate[]): ListenerFilterChainMatchPredicate {
  if (predicates.length === 0) fail({ path: kind === 'orMatch' ? 'or_match' : 'and_match', rule: 'repeated.min_items', message: `${kind === 'orMatch' ? 'or' : 'and'} needs at least one predicate` });
  // Envoy's match sets take two rules or more.
  if (predicates.length === 1) return deepCopy(predicates[0]!);
  const rules = predicates.map((p) => deepCopy(p));
  return { rule: kind === 'orMatch' ? { $case: 'orMatch', orMatch: { rules } } : { $case: 'andMatch', andMatch: { rules } } };
}
