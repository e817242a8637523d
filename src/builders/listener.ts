/**
 * Listeners (the LDS resource): address, listener filters, filter chains, socket options, the
 * API listener of gRPC xDS clients and internal listeners.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto
 */
import { TrafficDirection } from '../gen/envoy/config/core/v3/base.js';
import { Listener_DrainType, type Listener } from '../gen/envoy/config/listener/v3/listener.js';
import type { FilterChain } from '../gen/envoy/config/listener/v3/listener_components.js';
import type { HttpConnectionManager } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js';
import type { Problem } from '../registry/errors.js';
import { MessageBuilder, deepCopy, duplicate, fail, failAll, packConfig, push, typed, type Props } from './builder.js';
import { toAddress, type AddressInput } from './address.js';
import { mergeMetadata, type AccessLogMessage, type Metadata } from './common.js';
import { parseDuration, type DurationInput } from './duration.js';
import { ListenerFilter, filterEntry, type NetworkFilter } from './filter.js';
import { FilterChainBuilder, filterChain, matchKey, toFilterChain } from './filter-chain.js';
import { HcmBuilder } from './http.js';
import type { Matcher } from './matcher.js';
import { filterChainMatcherProblems } from '../validate/semantic/chain-matcher.js';

export type { Listener };

/**
 * Builds a Listener.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#config-listener-v3-listener
 */
export class ListenerBuilder extends MessageBuilder<Listener> {
  private readonly chainNames = new Set<string>();
  private readonly chainMatches = new Map<string, number>();
  private readonly listenerFilterNames = new Set<string>();

  constructor(name: string) {
    super('envoy.config.listener.v3.Listener', { name });
  }

  protected get label(): string {
    return `listener ${JSON.stringify(this.draft.name)}`;
  }

  /** The listener's name (unique among listeners). */
  get name(): string {
    return this.draft.name ?? '';
  }

  /**
   * The address to listen on: `"0.0.0.0:8080"`, `"[::]:443"`, `{ address, port }`, a pipe.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-address
   */
  address(address: AddressInput): this {
    this.draft.address = toAddress(address, 'address');
    return this;
  }

  /**
   * Also listens on this address (e.g. the IPv6 twin of an IPv4 address).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-additional-addresses
   */
  additionalAddress(address: AddressInput): this {
    this.draft.additionalAddresses = push(this.draft.additionalAddresses, { address: toAddress(address, 'additional_addresses') });
    return this;
  }

  /**
   * Appends listener filters (`tlsInspector()`, `httpInspector()`, `originalDst()`,
   * `originalSrc()`, `proxyProtocol()`...). A filter name used twice throws.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-listener-filters
   */
  listenerFilters(...filters: ListenerFilter<any>[]): this {
    for (const f of filters) this.draft.listenerFilters = push(this.draft.listenerFilters, filterEntry(f, ListenerFilter, this, 'listener_filters', this.listenerFilterNames));
    return this;
  }

  /** Appends one listener filter (see {@link listenerFilters}). */
  listenerFilter(filter: ListenerFilter<any>): this {
    return this.listenerFilters(filter);
  }

  /**
   * Appends filter chains. A chain name used twice, or a match equal to another chain's, throws
   * (Envoy rejects two chains with the same match). With a {@link filterChainMatcher} the
   * matcher picks chains by name instead: chains then need names and no match, and may share
   * the (empty) match — set the matcher before adding them.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-filter-chains
   */
  filterChains(...chains: (FilterChainBuilder | FilterChain)[]): this {
    for (const c of chains) {
      const m = toFilterChain(c);
      const index = this.draft.filterChains?.length ?? 0;
      if (m.name) {
        if (this.chainNames.has(m.name)) duplicate(this.label, 'filter_chains', 'filter chain name', m.name);
      }
      if (!this.draft.filterChainMatcher) {
        const key = matchKey(m.filterChainMatch);
        const other = this.chainMatches.get(key);
        if (other !== undefined) {
          fail(
            {
              path: `filter_chains[${index}].filter_chain_match`,
              rule: 'unique',
              message:
                key === '{}'
                  ? `filter_chains[${other}] already has an empty filter chain match (matching every connection); each filter chain match must be unique (to pick chains by name instead, set filterChainMatcher() before adding them)`
                  : `filter_chains[${other}] already has the same filter chain match; each filter chain match must be unique`,
              value: m.filterChainMatch ?? {},
            },
            this.label,
          );
        }
        this.chainMatches.set(key, index);
      }
      if (m.name) this.chainNames.add(m.name);
      this.draft.filterChains = push(this.draft.filterChains, m);
    }
    return this;
  }

  /**
   * Picks the filter chain of a connection with a matcher (`ChainMatcher.exact(...)`,
   * `ChainMatcher.prefix(...)` or an `xds.type.matcher.v3.Matcher`) whose actions name the
   * chains, instead of each chain's `filter_chain_match`. Chains must then be named and have no
   * `filter_chain_match` (Envoy ignores it), and every chain the matcher names must exist (in
   * `filter_chains`, or as the default filter chain): otherwise the finished listener throws. A connection the matcher names no chain for takes
   * the default filter chain, or is closed.
   * @default chains are picked by their filter_chain_match
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-filter-chain-matcher
   */
  filterChainMatcher(matcher: Matcher): this {
    this.draft.filterChainMatcher = deepCopy(matcher);
    return this;
  }

  /** Appends one filter chain (see {@link filterChains}). */
  filterChain(chain: FilterChainBuilder | FilterChain): this {
    return this.filterChains(chain);
  }

  /**
   * Shorthand: appends a filter chain without match holding these network filters.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchain-filters
   */
  filters(...filters: NetworkFilter<any>[]): this {
    return this.filterChains(filterChain().filters(...filters));
  }

  /**
   * The filter chain for connections no chain matches.
   * @default such connections are closed
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-default-filter-chain
   */
  defaultFilterChain(chain: FilterChainBuilder | FilterChain): this {
    this.draft.defaultFilterChain = toFilterChain(chain);
    return this;
  }

  /**
   * Hands connections redirected by iptables to the listener of their original destination.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-use-original-dst
   */
  useOriginalDst(on = true): this {
    this.draft.useOriginalDst = on;
    return this;
  }

  /**
   * Whether to bind the address (false: only receives connections handed over by a
   * `use_original_dst` listener).
   * @default true
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-bind-to-port
   */
  bindToPort(on = true): this {
    this.draft.bindToPort = on;
    return this;
  }

  /**
   * Sets IP_TRANSPARENT (accept connections to non-local addresses; needs CAP_NET_ADMIN).
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-transparent
   */
  transparent(on = true): this {
    this.draft.transparent = on;
    return this;
  }

  /**
   * Sets IP_FREEBIND (bind addresses not yet configured on the host).
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-freebind
   */
  freebind(on = true): this {
    this.draft.freebind = on;
    return this;
  }

  /**
   * Whether the listener handles inbound or outbound traffic (used by tracing and some filters).
   * @default "UNSPECIFIED"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-traffic-direction
   */
  trafficDirection(direction: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED'): this {
    if (direction === 'UNSPECIFIED') delete this.draft.trafficDirection;
    else this.draft.trafficDirection = TrafficDirection[direction];
    return this;
  }

  /**
   * Soft limit on the read and write buffers of each connection.
   * @default 1048576 (1 MiB)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-per-connection-buffer-limit-bytes
   */
  perConnectionBufferLimit(bytes: number): this {
    this.draft.perConnectionBufferLimitBytes = bytes;
    return this;
  }

  /**
   * Time the listener filters get to inspect a connection (`"0s"` disables the limit).
   * @default "15s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-listener-filters-timeout
   */
  listenerFiltersTimeout(timeout: DurationInput): this {
    this.draft.listenerFiltersTimeout = parseDuration(timeout, 'listener_filters_timeout');
    return this;
  }

  /**
   * On a listener filter timeout, go on to filter chain matching instead of closing.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-continue-on-listener-filters-timeout
   */
  continueOnListenerFiltersTimeout(on = true): this {
    this.draft.continueOnListenerFiltersTimeout = on;
    return this;
  }

  /**
   * Makes this an API listener: no socket, just an HTTP connection manager config — what gRPC
   * xDS clients (proxyless gRPC) read for the target `xds:///<listener name>`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/api_listener.proto
   */
  apiListener(manager: HcmBuilder | HttpConnectionManager): this {
    const config = manager instanceof HcmBuilder ? manager : typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', manager);
    this.draft.apiListener = { apiListener: packConfig(config) };
    return this;
  }

  /**
   * Makes this an internal listener: it has no address and receives connections from clusters
   * whose endpoints are `Address.internal(<this listener's name>)`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-internal-listener
   */
  internal(): this {
    this.draft.listenerSpecifier = { $case: 'internalListener', internalListener: {} };
    return this;
  }

  /**
   * Adds a listener access log (connections rejected before a filter chain, e.g. no match).
   * @default none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-access-log
   */
  accessLog(log: AccessLogMessage): this {
    this.draft.accessLog = push(this.draft.accessLog, deepCopy(log));
    return this;
  }

  /**
   * Prefix of the listener's stats.
   * @default the address (`listener.0.0.0.0_8080.`)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-stat-prefix
   */
  statPrefix(prefix: string): this {
    this.draft.statPrefix = prefix;
    return this;
  }

  /**
   * On drain, `DEFAULT` drains on hot restart and LDS updates, `MODIFY_ONLY` only on updates.
   * @default "DEFAULT"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-drain-type
   */
  drainType(type: 'DEFAULT' | 'MODIFY_ONLY'): this {
    if (type === 'DEFAULT') delete this.draft.drainType;
    else this.draft.drainType = Listener_DrainType.MODIFY_ONLY;
    return this;
  }

  /**
   * Adds metadata, merged with earlier calls.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-metadata
   */
  metadata(metadata: Record<string, Record<string, unknown>> | Metadata): this {
    this.draft.metadata = mergeMetadata(this.draft.metadata, metadata);
    return this;
  }

  protected override finish(m: Listener): Listener {
    const problems = filterChainMatcherProblems(m);
    if (problems.length) failAll(problems, this.label);
    return m;
  }
}


/**
 * A listener named `name`.
 *
 * @example listener('ingress').address('0.0.0.0:8080').filters(hcm('ingress').rds('local'))
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto
 */
export function listener(name: string, props?: Props<ListenerBuilder>): ListenerBuilder {
  return new ListenerBuilder(name).props(props);
}
