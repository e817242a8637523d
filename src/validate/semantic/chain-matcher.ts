/**
 * `listener.filter_chain_matcher`: what Envoy needs of a listener whose filter chains are picked
 * by a matcher instead of by `filter_chain_match`.
 *
 * Every chain has a name, no chain has a `filter_chain_match` (it would be ignored), and every
 * action of the matcher is a `google.protobuf.StringValue` naming a chain of the listener (the
 * default chain counts: Envoy falls back to it for an unknown name anyway).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-filter-chain-matcher
 */
import type { TypedExtensionConfig } from '../../gen/envoy/config/core/v3/extension.js';
import type { Listener } from '../../gen/envoy/config/listener/v3/listener.js';
import type { Matcher, Matcher_OnMatch } from '../../gen/xds/type/matcher/v3/matcher.js';
import { unpack } from '../../registry/codec.js';
import { at, error } from './util.js';
import type { SemanticProblem } from './types.js';

/** The type of a filter chain matcher's actions: a StringValue holding a chain name. */
export const CHAIN_ACTION_TYPE = 'google.protobuf.StringValue';

/** An action of a filter chain matcher, with its path under `filter_chain_matcher`. */
export interface ChainAction {
  path: string;
  action: TypedExtensionConfig;
}

/** Every action a matcher can end in, depth first, with its path. */
export function matcherActions(m: Matcher | undefined, path = 'filter_chain_matcher', out: ChainAction[] = []): ChainAction[] {
  if (!m) return out;
  const visit = (o: Matcher_OnMatch | undefined, p: string) => {
    const x = o?.onMatch;
    if (x?.$case === 'action') out.push({ path: `${p}.action`, action: x.action });
    else if (x?.$case === 'matcher') matcherActions(x.matcher, `${p}.matcher`, out);
  };
  const t = m.matcherType;
  if (t?.$case === 'matcherTree') {
    const tt = t.matcherTree.treeType;
    const map = tt?.$case === 'exactMatchMap' ? tt.exactMatchMap.map : tt?.$case === 'prefixMatchMap' ? tt.prefixMatchMap.map : undefined;
    const kind = tt?.$case === 'exactMatchMap' ? 'exact_match_map' : 'prefix_match_map';
    for (const [k, v] of Object.entries(map ?? {})) visit(v, `${path}.matcher_tree.${kind}.map[${k}]`);
  } else if (t?.$case === 'matcherList') {
    (t.matcherList.matchers ?? []).forEach((fm, i) => visit(fm.onMatch, `${path}.matcher_list.matchers[${i}].on_match`));
  }
  visit(m.onNoMatch, `${path}.on_no_match`);
  return out;
}

const RULE = 'listener.filter_chain_matcher';

/** The problems of a listener with a filter chain matcher (none without one). */
export function filterChainMatcherProblems(l: Listener, path = ''): SemanticProblem[] {
  if (!l.filterChainMatcher) return [];
  const problems: SemanticProblem[] = [];
  const names = new Set<string>();
  (l.filterChains ?? []).forEach((fc, i) => {
    if (!fc.name) problems.push(error(at(path, `filter_chains[${i}].name`), RULE, 'a filter chain needs a name when a filter_chain_matcher picks the chains'));
    else names.add(fc.name);
    if (fc.filterChainMatch) {
      problems.push(
        error(at(path, `filter_chains[${i}].filter_chain_match`), RULE, 'is ignored when a filter_chain_matcher picks the chains: remove it, or match in the matcher', fc.filterChainMatch),
      );
    }
  });
  if (l.defaultFilterChain?.name) names.add(l.defaultFilterChain.name);
  for (const { path: p, action } of matcherActions(l.filterChainMatcher, at(path, 'filter_chain_matcher'))) {
    const url = action.typedConfig?.typeUrl ?? '';
    if (!url.endsWith(`/${CHAIN_ACTION_TYPE}`)) {
      problems.push(error(`${p}.typed_config`, RULE, `a filter chain matcher action must be a ${CHAIN_ACTION_TYPE} naming a filter chain, got ${JSON.stringify(url)}`, url));
      continue;
    }
    const name = (unpack(action.typedConfig!, CHAIN_ACTION_TYPE) as { value?: string }).value ?? '';
    if (!names.has(name)) problems.push(error(p, RULE, `selects filter chain ${JSON.stringify(name)}, which the listener does not have`, name));
  }
  return problems;
}
