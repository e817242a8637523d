/**
 * Filter chains: the match that selects a chain for a connection, its network filters, and its
 * downstream TLS.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchain
 */
import {
  FilterChainMatch_ConnectionSourceType,
  type FilterChain,
  type FilterChainMatch,
} from '../gen/envoy/config/listener/v3/listener_components.js';
import { MessageBuilder, deepCopy, push, takeMessage, type Props, type TypedConfig } from './builder.js';
import { toCidr, type CidrRange } from './address.js';
import { enumValue, mergeMetadata, type Metadata } from './common.js';
import { parseDuration, type DurationInput } from './duration.js';
import { NetworkFilter, filterEntry } from './filter.js';
import { DownstreamTlsBuilder, tlsTransportSocket, type DownstreamTlsContext } from './tls.js';
import { transportSocketOf } from './transport-socket.js';

export type { FilterChain, FilterChainMatch };

/**
 * A filter chain match written as an object; every condition given must hold.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchainmatch
 */
export interface FilterChainMatchInput {
  /** The original destination port (with `use_original_dst` or an internal redirect). */
  destinationPort?: number;
  /** The destination address is in one of these CIDR ranges. */
  prefixRanges?: (string | CidrRange)[];
  /** The SNI is one of these (`"*.example.com"` wildcards allowed). */
  serverNames?: string[];
  /** `"tls"` or `"raw_buffer"` (set by the TLS inspector). */
  transportProtocol?: string;
  /** ALPN protocols (`"h2"`, `"http/1.1"`, set by the TLS or HTTP inspector). */
  applicationProtocols?: string[];
  /** The source address is in one of these CIDR ranges. */
  sourcePrefixRanges?: (string | CidrRange)[];
  /** The source port is one of these. */
  sourcePorts?: number[];
  /** The directly connected peer's address is in one of these ranges (before PROXY protocol). */
  directSourcePrefixRanges?: (string | CidrRange)[];
  /** Local (`SAME_IP_OR_LOOPBACK`) or remote (`EXTERNAL`) sources. @default "ANY" */
  sourceType?: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';
}

type CidrField = 'prefixRanges' | 'sourcePrefixRanges' | 'directSourcePrefixRanges';
const CIDR_PATHS: Record<CidrField, string> = {
  prefixRanges: 'filter_chain_match.prefix_ranges',
  sourcePrefixRanges: 'filter_chain_match.source_prefix_ranges',
  directSourcePrefixRanges: 'filter_chain_match.direct_source_prefix_ranges',
};

/** CidrRange messages for a CIDR field of a filter chain match. */
function cidrs(ranges: (string | CidrRange)[], field: CidrField): CidrRange[] {
  return ranges.map((c) => toCidr(c, CIDR_PATHS[field]));
}

/** A FilterChainMatch message from a {@link FilterChainMatchInput}. */
export function toFilterChainMatch(input: FilterChainMatchInput): FilterChainMatch {
  const m: FilterChainMatch = {};
  if (input.destinationPort !== undefined) m.destinationPort = input.destinationPort;
  if (input.prefixRanges?.length) m.prefixRanges = cidrs(input.prefixRanges, 'prefixRanges');
  if (input.serverNames?.length) m.serverNames = [...input.serverNames];
  if (input.transportProtocol) m.transportProtocol = input.transportProtocol;
  if (input.applicationProtocols?.length) m.applicationProtocols = [...input.applicationProtocols];
  if (input.sourcePrefixRanges?.length) m.sourcePrefixRanges = cidrs(input.sourcePrefixRanges, 'sourcePrefixRanges');
  if (input.sourcePorts?.length) m.sourcePorts = [...input.sourcePorts];
  if (input.directSourcePrefixRanges?.length) m.directSourcePrefixRanges = cidrs(input.directSourcePrefixRanges, 'directSourcePrefixRanges');
  if (input.sourceType && input.sourceType !== 'ANY') m.sourceType = enumValue(FilterChainMatch_ConnectionSourceType, input.sourceType, 'connection source type', 'filter_chain_match.source_type');
  return m;
}

/**
 * Builds a FilterChain.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchain
 */
export class FilterChainBuilder extends MessageBuilder<FilterChain> {
  private readonly filterNames = new Set<string>();

  constructor(name?: string) {
    super('envoy.config.listener.v3.FilterChain', name ? { name } : {});
  }

  protected get label(): string {
    return this.draft.name ? `filter chain ${JSON.stringify(this.draft.name)}` : 'filter chain';
  }

  /** The filter chain's name (unique in a listener; used by `filter_chain_matcher`). */
  get name(): string | undefined {
    return this.draft.name;
  }

  private m(): FilterChainMatch {
    return (this.draft.filterChainMatch ??= {});
  }

  private addCidrs(field: CidrField, ranges: (string | CidrRange)[]): this {
    const m = this.m();
    m[field] = push(m[field], ...cidrs(ranges, field));
    return this;
  }

  /**
   * Sets the conditions of the match at once (merged with earlier ones).
   * @default matches every connection
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchainmatch
   */
  match(match: FilterChainMatchInput): this {
    Object.assign(this.m(), toFilterChainMatch(match));
    return this;
  }

  /**
   * Matches the original destination port.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-destination-port
   */
  destinationPort(port: number): this {
    this.m().destinationPort = port;
    return this;
  }

  /**
   * Matches destination addresses in these CIDR ranges (`"10.0.0.0/8"`).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-prefix-ranges
   */
  prefixRanges(...ranges: (string | CidrRange)[]): this {
    return this.addCidrs('prefixRanges', ranges);
  }

  /**
   * Matches these SNI server names (`"*.example.com"` allowed); needs the TLS inspector.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-server-names
   */
  serverNames(...names: string[]): this {
    const m = this.m();
    m.serverNames = push(m.serverNames, ...names);
    return this;
  }

  /**
   * Matches the transport protocol: `"tls"` or `"raw_buffer"`; needs the TLS inspector.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-transport-protocol
   */
  transportProtocol(protocol: string): this {
    this.m().transportProtocol = protocol;
    return this;
  }

  /**
   * Matches these ALPN protocols (`"h2"`, `"http/1.1"`); needs the TLS or HTTP inspector.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-application-protocols
   */
  applicationProtocols(...protocols: string[]): this {
    const m = this.m();
    m.applicationProtocols = push(m.applicationProtocols, ...protocols);
    return this;
  }

  /**
   * Matches source addresses in these CIDR ranges.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-source-prefix-ranges
   */
  sourcePrefixRanges(...ranges: (string | CidrRange)[]): this {
    return this.addCidrs('sourcePrefixRanges', ranges);
  }

  /**
   * Matches these source ports.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-source-ports
   */
  sourcePorts(...ports: number[]): this {
    const m = this.m();
    m.sourcePorts = push(m.sourcePorts, ...ports);
    return this;
  }

  /**
   * Matches the directly connected peer's address (before PROXY protocol rewrites the source).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-direct-source-prefix-ranges
   */
  directSourcePrefixRanges(...ranges: (string | CidrRange)[]): this {
    return this.addCidrs('directSourcePrefixRanges', ranges);
  }

  /**
   * Matches local (`SAME_IP_OR_LOOPBACK`) or remote (`EXTERNAL`) sources.
   * @default "ANY"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchainmatch-source-type
   */
  sourceType(type: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL'): this {
    if (type === 'ANY') delete this.m().sourceType;
    else this.m().sourceType = enumValue(FilterChainMatch_ConnectionSourceType, type, 'connection source type', 'filter_chain_match.source_type');
    return this;
  }

  /**
   * Appends network filters, in order (the last must be terminal: HCM, TCP proxy...). A filter
   * name used twice throws. Only network filters are accepted: an HTTP filter here does not
   * compile.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchain-filters
   */
  filters(...filters: NetworkFilter<any>[]): this {
    for (const f of filters) this.draft.filters = push(this.draft.filters, filterEntry(f, NetworkFilter, this, 'filters', this.filterNames));
    return this;
  }

  /** Appends one network filter (see {@link filters}). */
  filter(filter: NetworkFilter<any>): this {
    return this.filters(filter);
  }

  /**
   * Terminates TLS with this downstream TLS context (a builder or message).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchain-transport-socket
   */
  tls(tls: DownstreamTlsBuilder | DownstreamTlsContext): this {
    this.draft.transportSocket = tlsTransportSocket(tls, 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
    return this;
  }

  /**
   * Any transport socket: its name and typed config.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-transportsocket
   */
  transportSocket(name: string, config: TypedConfig): this {
    this.draft.transportSocket = transportSocketOf(name, config);
    return this;
  }

  /**
   * Time allowed for the transport socket handshake (TLS).
   * @default no limit
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchain-transport-socket-connect-timeout
   */
  transportSocketConnectTimeout(timeout: DurationInput): this {
    this.draft.transportSocketConnectTimeout = parseDuration(timeout, 'transport_socket_connect_timeout');
    return this;
  }

  /**
   * Adds metadata, merged with earlier calls.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filterchain-metadata
   */
  metadata(metadata: Record<string, Record<string, unknown>> | Metadata): this {
    this.draft.metadata = mergeMetadata(this.draft.metadata, metadata);
    return this;
  }
}

/** A canonical string of a filter chain match: equal matches give equal keys. */
export function matchKey(m: FilterChainMatch | undefined): string {
  if (!m) return '{}';
  const sortCidrs = (r?: CidrRange[]) => (r ?? []).map((c) => `${c.addressPrefix}/${c.prefixLen ?? ''}`).sort();
  const key = {
    destinationPort: m.destinationPort ?? null,
    prefixRanges: sortCidrs(m.prefixRanges),
    addressSuffix: m.addressSuffix ?? '',
    suffixLen: m.suffixLen ?? null,
    directSourcePrefixRanges: sortCidrs(m.directSourcePrefixRanges),
    sourceType: m.sourceType ?? 0,
    sourcePrefixRanges: sortCidrs(m.sourcePrefixRanges),
    sourcePorts: [...(m.sourcePorts ?? [])].sort((a, b) => a - b),
    serverNames: [...(m.serverNames ?? [])].map((s) => s.toLowerCase()).sort(),
    transportProtocol: m.transportProtocol ?? '',
    applicationProtocols: [...(m.applicationProtocols ?? [])].sort(),
  };
  return JSON.stringify(key);
}

/**
 * A filter chain, optionally named.
 *
 * @example filterChain('shop').serverNames('shop.example.com').tls(downstreamTls().certificate(crt, key)).filter(hcm('shop').rds('shop'))
 */
export function filterChain(name?: string, props?: Props<FilterChainBuilder>): FilterChainBuilder {
  return new FilterChainBuilder(name).props(props);
}

/** A FilterChain message of a builder or message (a copy). */
export function toFilterChain(fc: FilterChainBuilder | FilterChain): FilterChain {
  return fc instanceof FilterChainBuilder ? takeMessage(fc) : deepCopy(fc);
}
