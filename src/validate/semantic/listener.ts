/**
 * Listener rules: an address unless API or internal listener, unambiguous filter chain matches,
 * unique filter chain names, server name wildcards, and a terminal network filter last.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchainmatch
 */
import { isIP } from 'node:net';
import { anyTypeName, at, enumName, error, oneof, show, warning } from './util.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';
import { findType } from '../../registry/codec.js';
import type { Unpacker } from '../unpack.js';
import { filterChainMatcherProblems } from './chain-matcher.js';

/**
 * Network filters that end a filter chain (Envoy's `isTerminalFilterByProto`): the last filter
 * of a chain must be one of these, and none of them may come before the last.
 */
export const TERMINAL_NETWORK_FILTERS: ReadonlySet<string> = new Set([
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.extensions.filters.network.http_connection_manager.v3.EnvoyMobileHttpConnectionManager',
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy',
  'envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy',
  'envoy.extensions.filters.network.dubbo_proxy.v3.DubboProxy',
  'envoy.extensions.filters.network.direct_response.v3.Config',
  'envoy.extensions.filters.network.echo.v3.Echo',
  'envoy.extensions.filters.network.generic_proxy.v3.GenericProxy',
  'envoy.extensions.filters.network.rocketmq_proxy.v3.RocketmqProxy',
  'envoy.extensions.filters.network.kafka_mesh.v3alpha.KafkaMesh',
]);

interface FilterLike {
  name?: string;
  configType?: unknown;
  disabled?: boolean;
}

/** The type of a filter's config: its typed_config's type, or the types its ECDS source allows. */
export function filterTypes(f: FilterLike, anys: Unpacker): { types: string[]; dynamic: boolean } | undefined {
  const typed = oneof<{ typeUrl?: string }>(f.configType, 'typedConfig');
  if (typed) {
    const t = anyTypeName(typed, anys);
    return t ? { types: [t], dynamic: false } : undefined;
  }
  const discovery = oneof<{ typeUrls?: string[] }>(f.configType, 'configDiscovery');
  if (discovery) return { types: (discovery.typeUrls ?? []).map((u) => u.slice(u.lastIndexOf('/') + 1)), dynamic: true };
  return undefined;
}

/**
 * The terminal-filter rule for a list of filters (network, HTTP or upstream HTTP): the last
 * one is terminal, no terminal one comes earlier. Filters whose type xdskit cannot know
 * (no typed_config, an unregistered type) are given the benefit of the doubt.
 */
export function checkTerminal(
  filters: readonly FilterLike[] | undefined,
  listPath: string,
  rule: string,
  terminal: ReadonlySet<string>,
  what: string,
  expected: string,
  anys: Unpacker,
): SemanticProblem[] {
  const out: SemanticProblem[] = [];
  if (!filters?.length) return out;
  const last = filters.length - 1;
  filters.forEach((f, i) => {
    const t = filterTypes(f, anys);
    const p = `${listPath}[${i}]`;
    if (!t) {
      out.push(
        warning(
          p,
          'filter.typed_config',
          `${what} ${show(f.name ?? '')} has no typed_config: envoy finds a filter by the type of its typed_config, not by its name`,
        ),
      );
      return;
    }
    const isTerminal = t.types.some((x) => terminal.has(x));
    if (i < last && isTerminal) {
      out.push(
        error(p, rule, `${what} ${show(f.name ?? '')} (${t.types.join(' | ')}) is terminal and must be the last filter; ${last - i} filter(s) follow it`),
      );
    }
    if (i === last) {
      const known = t.types.length > 0 && t.types.every((x) => findType(x) !== undefined);
      if (!isTerminal && known) {
        out.push(
          error(
            p,
            rule,
            `the last ${what} must be a terminal filter such as ${expected}; got ${show(f.name ?? '')} (${t.types.join(' | ') || 'no type'})`,
          ),
        );
      }
      if (isTerminal && f.disabled) {
        out.push(error(at(p, 'disabled'), rule, `the last (terminal) ${what} ${show(f.name ?? '')} cannot be disabled`));
      }
    }
  });
  return out;
}

/** `filter_chain.terminal_filter`: the last network filter of a chain is terminal. */
const filterChain: SemanticRule = (fc: { filters?: FilterLike[] }, path, ctx) =>
  checkTerminal(
    fc.filters,
    at(path, 'filters'),
    'filter_chain.terminal_filter',
    TERMINAL_NETWORK_FILTERS,
    'network filter',
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager or tcp_proxy.v3.TcpProxy',
    ctx.anys,
  );

/** `listener.address`: a listener needs an address unless it is an API or internal listener. */
function listenerAddress(l: { address?: unknown; apiListener?: unknown; listenerSpecifier?: unknown }, path: string): SemanticProblem[] {
  if (l.address || l.apiListener || oneof(l.listenerSpecifier, 'internalListener')) return [];
  return [error(at(path, 'address'), 'listener.address', 'a listener needs an address (socket_address or pipe) unless it is an api_listener or an internal_listener')];
}

interface Cidr {
  addressPrefix?: string;
  prefixLen?: number;
}

/** `10.1.2.3/8` → `10.0.0.0/8`; IPv6 fully expanded. Envoy compares ranges by their network. */
function canonicalCidr(c: Cidr): string {
  const addr = c.addressPrefix ?? '';
  const len = c.prefixLen ?? 0;
  const v = isIP(addr);
  if (v === 4) {
    const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const bits = Math.min(len, 32);
    const mask = bits === 0 ? 0 : Number((0xffffffffn << BigInt(32 - bits)) & 0xffffffffn);
    const net = Number(BigInt(n) & BigInt(mask));
    return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
  }
  if (v === 6) {
    const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const expand = (parts: string[]) =>
      parts.flatMap((p) => {
        if (p.includes('.')) {
          const o = p.split('.').map(Number);
          return [((o[0]! << 8) | o[1]!).toString(16), ((o[2]! << 8) | o[3]!).toString(16)];
        }
        return [p];
      });
    const hh = expand(h);
    const tt = expand(t);
    const groups = tail === undefined ? hh : [...hh, ...Array(8 - hh.length - tt.length).fill('0'), ...tt];
    let big = 0n;
    for (const g of groups) big = (big << 16n) | BigInt(parseInt(g || '0', 16));
    const bits = Math.min(len, 128);
    const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
    return `${(big & mask).toString(16)}/${bits}`;
  }
  return `${addr}/${len}`;
}

interface FilterChainMatch {
  destinationPort?: number;
  prefixRanges?: Cidr[];
  directSourcePrefixRanges?: Cidr[];
  sourceType?: number;
  sourcePrefixRanges?: Cidr[];
  sourcePorts?: number[];
  serverNames?: string[];
  transportProtocol?: string;
  applicationProtocols?: string[];
  addressSuffix?: string;
  suffixLen?: number;
}

const SOURCE_TYPE = 'envoy.config.listener.v3.FilterChainMatch.ConnectionSourceType';

/**
 * The dimensions of a match, in Envoy's matching order, each a sorted list of the values it
 * accepts (`*` for any).
 */
function dimensions(m: FilterChainMatch | undefined): [string, string[]][] {
  const list = (xs: readonly string[] | undefined) => (xs?.length ? [...new Set(xs)].sort() : ['*']);
  return [
    ['destination_port', [m?.destinationPort ? String(m.destinationPort) : '*']],
    ['prefix_ranges', list(m?.prefixRanges?.map(canonicalCidr))],
    ['server_names', list(m?.serverNames?.map((s) => s.toLowerCase()))],
    ['transport_protocol', [m?.transportProtocol || '*']],
    ['application_protocols', list(m?.applicationProtocols)],
    ['direct_source_prefix_ranges', list(m?.directSourcePrefixRanges?.map(canonicalCidr))],
    ['source_type', [m?.sourceType ? enumName(SOURCE_TYPE, m.sourceType) : '*']],
    ['source_prefix_ranges', list(m?.sourcePrefixRanges?.map(canonicalCidr))],
    ['source_ports', list(m?.sourcePorts?.map(String))],
  ];
}

const MAX_LEAVES = 4096;

/** Every combination a match accepts, or undefined when there are too many to list. */
function leaves(dims: [string, string[]][]): string[] | undefined {
  let out = [''];
  for (const [, values] of dims) {
    if (out.length * values.length > MAX_LEAVES) return undefined;
    out = out.flatMap((prefix) => values.map((v) => `${prefix}|${v}`));
  }
  return out;
}

function describe(dims: [string, string[]][]): string {
  const parts = dims.filter(([, v]) => !(v.length === 1 && v[0] === '*')).map(([k, v]) => `${k}: ${v.length === 1 ? v[0] : `[${v.join(', ')}]`}`);
  return parts.length ? `{${parts.join('; ')}}` : 'an empty filter_chain_match (matches every connection)';
}

function leafText(leaf: string, dims: [string, string[]][]): string {
  const vals = leaf.split('|').slice(1);
  const parts = dims.map(([k], i) => [k, vals[i]!] as const).filter(([, v]) => v !== '*');
  return parts.length ? parts.map(([k, v]) => `${k} ${v}`).join(', ') : 'every connection';
}

/**
 * `listener.filter_chain_match`: no two filter chains accept the same connection. Two chains
 * with equal matches (absent = empty) are duplicates; two whose lists share a combination
 * overlap — Envoy rejects both ("multiple filter chains with the same/overlapping matching
 * rules are defined").
 */
function filterChainMatches(l: { filterChains?: { filterChainMatch?: FilterChainMatch; name?: string }[]; filterChainMatcher?: unknown }, path: string): SemanticProblem[] {
  const out: SemanticProblem[] = [];
  const chains = l.filterChains ?? [];
  if (l.filterChainMatcher) return out; // the matcher selects chains by name; filter_chain_match is ignored
  const exact = new Map<string, number>();
  // The chains whose combinations are taken, in order: no two of them share a combination.
  const taken: { index: number; dims: [string, string[]][] }[] = [];
  chains.forEach((fc, i) => {
    const dims = dimensions(fc.filterChainMatch);
    const key = JSON.stringify(dims);
    const p = fc.filterChainMatch ? `${path ? path + '.' : ''}filter_chains[${i}].filter_chain_match` : `${path ? path + '.' : ''}filter_chains[${i}]`;
    const same = exact.get(key);
    if (same !== undefined) {
      out.push(error(p, 'listener.filter_chain_match', `filter chains ${same} and ${i} have the same match ${describe(dims)}: envoy rejects the listener`));
      return;
    }
    exact.set(key, i);
    if (dims.reduce((n, [, values]) => n * values.length, 1) > MAX_LEAVES) return; // too many combinations to list
    // Two matches share a combination iff they share a value in every dimension; only then are
    // the combinations listed, to name the first shared one.
    const rivals = taken.filter((o) => o.dims.every(([, values], d) => values.some((v) => dims[d]![1].includes(v))));
    if (rivals.length) {
      const owner = new Map<string, number>();
      for (const o of rivals) for (const leaf of leaves(o.dims)!) owner.set(leaf, o.index);
      for (const leaf of leaves(dims)!) {
        const o = owner.get(leaf);
        if (o !== undefined) {
          out.push(
            error(p, 'listener.filter_chain_match', `filter chain ${i} overlaps filter chain ${o}: both match ${leafText(leaf, dims)}; envoy rejects overlapping filter chain matches`),
          );
          return;
        }
      }
    }
    taken.push({ index: i, dims });
  });
  return out;
}

/**
 * `listener.filter_chain_name`: filter chain names, when given, are unique in a listener.
 *
 * With a `filter_chain_matcher`, Envoy picks chains by name and rejects a name used twice
 * ("\"name\" field is duplicated"): an error. Without one, Envoy accepts repeated names (it
 * matches on `filter_chain_match`), but stats, config dumps and access logs can no longer tell
 * the chains apart: a warning.
 */
function filterChainNames(l: { filterChains?: { name?: string }[]; filterChainMatcher?: unknown }, path: string): SemanticProblem[] {
  const out: SemanticProblem[] = [];
  const seen = new Map<string, number>();
  const byName = l.filterChainMatcher !== undefined && l.filterChainMatcher !== null;
  (l.filterChains ?? []).forEach((fc, i) => {
    if (!fc.name) return;
    const prev = seen.get(fc.name);
    if (prev === undefined) {
      seen.set(fc.name, i);
      return;
    }
    const p = at(path, `filter_chains[${i}].name`);
    if (byName) out.push(error(p, 'listener.filter_chain_name', `filter chain name ${show(fc.name)} is already used by filter_chains[${prev}]; the filter_chain_matcher picks chains by name`, fc.name));
    else out.push(warning(p, 'listener.filter_chain_name', `filter chain name ${show(fc.name)} is already used by filter_chains[${prev}]: envoy accepts it, but stats and config dumps cannot tell the chains apart`, fc.name));
  });
  return out;
}

/**
 * `listener.server_names`: `*` only as a whole leading label (`*.example.com`), which Envoy
 * matches as a suffix. Envoy rejects any other `*` ("partial wildcards are not supported"),
 * except after a leading `*.`, where it takes the rest literally: `*.a*.example.com` matches
 * only a server name with a real `*` in it (a warning).
 *
 * `listener.filter_chain_match`: `address_suffix` and `suffix_len` are not implemented; Envoy
 * rejects a filter chain match that sets them.
 */
const filterChainMatch: SemanticRule = (m: FilterChainMatch, path) => {
  const out: SemanticProblem[] = [];
  (m.serverNames ?? []).forEach((s, i) => {
    if (!s.includes('*')) return;
    const p = at(path, `server_names[${i}]`);
    if (!s.startsWith('*.')) {
      out.push(error(p, 'listener.server_names', `server name ${show(s)} has a partial wildcard: envoy only supports a leading "*." (like "*.example.com")`, s));
    } else if (s.slice(1).includes('*')) {
      out.push(warning(p, 'listener.server_names', `server name ${show(s)}: envoy takes the "*" after the leading "*." literally, so this matches no real server name`, s));
    }
  });
  if (m.addressSuffix) out.push(error(at(path, 'address_suffix'), 'listener.filter_chain_match', 'address_suffix is not implemented: envoy rejects a filter chain match that sets it', m.addressSuffix));
  if (m.suffixLen !== undefined && m.suffixLen !== null) out.push(error(at(path, 'suffix_len'), 'listener.filter_chain_match', 'suffix_len is not implemented: envoy rejects a filter chain match that sets it', m.suffixLen));
  return out;
};

const listener: SemanticRule = (l, path) => [
  ...listenerAddress(l, path),
  ...filterChainMatches(l, path),
  ...filterChainNames(l, path),
  ...filterChainMatcherProblems(l, path),
];

/** Rules by message type. */
export const listenerRules: RuleTable = {
  'envoy.config.listener.v3.Listener': [listener],
  'envoy.config.listener.v3.FilterChain': [filterChain],
  'envoy.config.listener.v3.FilterChainMatch': [filterChainMatch],
};
