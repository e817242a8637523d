/**
 * The three kinds of filters — HTTP filters, network filters, listener filters — as distinct
 * classes, so the compiler rejects an HTTP filter in a network filter list (and the other
 * mixes).
 *
 * Each filter builder builds its own typed config message (`build()` gives the config, e.g. a
 * `Router` or an `HttpConnectionManager`); `toFilter()` gives the filter entry with the config
 * packed into `typed_config` (never written by hand).
 */
import type { TypeMap } from '../gen/codecs.js';
import type {
  Filter as NetworkFilterMessage,
  ListenerFilter as ListenerFilterMessage,
  ListenerFilterChainMatchPredicate,
} from '../gen/envoy/config/listener/v3/listener_components.js';
import type { HttpFilter as HttpFilterMessage } from '../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js';
import type { MessageOf, TypeName, TypeRef } from '../registry/codec.js';
import { MessageBuilder, deepCopy, packBuilder, duplicate, fail, peekMessage, typed, type TypedConfig } from './builder.js';
import { ListenerPredicate } from './matcher.js';

export type { NetworkFilterMessage, ListenerFilterMessage, HttpFilterMessage };

/** The message type of a full proto name. */
export type Msg<N extends TypeName> = TypeMap[N];

/** Base of filter builders: a filter name and the builder of its typed config. */
export abstract class FilterBuilder<T extends object> extends MessageBuilder<T> {
  /** The filter's name (by default the canonical extension name, e.g. `envoy.filters.http.router`). */
  protected declare filterName: string;

  constructor(name: string, typeName: TypeName, init: T) {
    super(typeName, init);
    this.filterName = name;
  }

  /** The filter's name. */
  get name(): string {
    return this.filterName;
  }

  /**
   * Renames the filter (needed to add two filters of one kind to one list: names are unique).
   * @default the extension's canonical name, e.g. `envoy.filters.http.rbac`
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-filter-name
   */
  named(name: string): this {
    this.filterName = name;
    return this;
  }

  /** The packed typed config of this filter. */
  protected packed() {
    return packBuilder(this);
  }
}

/**
 * An HTTP filter of the HttpConnectionManager's `http_filters` list.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpfilter
 */
export class HttpFilter<T extends object = object> extends FilterBuilder<T> {
  /** Brand: makes the HTTP, network and listener filter classes distinct types. */
  private declare readonly kind: 'http';
  private declare isOptional?: boolean;
  private declare isDisabled?: boolean;

  protected get label(): string {
    return `http filter ${JSON.stringify(this.filterName)}`;
  }

  /**
   * Lets Envoy (or a gRPC client) accept the config even when it does not know this filter.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpfilter-is-optional
   */
  optional(on = true): this {
    this.isOptional = on;
    return this;
  }

  /**
   * Disables the filter by default; routes enable it with `typed_per_filter_config`.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpfilter-disabled
   */
  disabled(on = true): this {
    this.isDisabled = on;
    return this;
  }

  /**
   * The `http_filters` entry: name, packed typed_config, is_optional, disabled.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpfilter
   */
  toFilter(): HttpFilterMessage {
    const f: HttpFilterMessage = { name: this.filterName, configType: { $case: 'typedConfig', typedConfig: this.packed() } };
    if (this.isOptional) f.isOptional = true;
    if (this.isDisabled) f.disabled = true;
    return f;
  }
}

/**
 * A network filter of a filter chain's `filters` list.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filter
 */
export class NetworkFilter<T extends object = object> extends FilterBuilder<T> {
  /** Brand: makes the HTTP, network and listener filter classes distinct types. */
  private declare readonly kind: 'network';

  protected get label(): string {
    return `network filter ${JSON.stringify(this.filterName)}`;
  }

  /**
   * The `filters` entry: name and packed typed_config.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filter
   */
  toFilter(): NetworkFilterMessage {
    return { name: this.filterName, configType: { $case: 'typedConfig', typedConfig: this.packed() } };
  }
}

/**
 * A listener filter of a listener's `listener_filters` list.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-listenerfilter
 */
export class ListenerFilter<T extends object = object> extends FilterBuilder<T> {
  /** Brand: makes the HTTP, network and listener filter classes distinct types. */
  private declare readonly kind: 'listener';
  private declare disabledWhen?: ListenerFilterChainMatchPredicate;

  protected get label(): string {
    return `listener filter ${JSON.stringify(this.filterName)}`;
  }

  /**
   * Skips this filter for the connections `predicate` matches (built with
   * `ListenerPredicate`), e.g. to run an inspector only where a filter chain needs it.
   * @default the filter runs on every connection
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-listenerfilter-filter-disabled
   */
  filterDisabled(predicate: ListenerFilterChainMatchPredicate): this {
    this.disabledWhen = deepCopy(predicate);
    return this;
  }

  /**
   * Runs this filter only for connections to these destination ports: `filter_disabled` is
   * "not one of these ports". Server-first protocols on other ports do not wait for an
   * inspector that needs the client to speak first.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#envoy-v3-api-field-config-listener-v3-listenerfilter-filter-disabled
   */
  onlyForPorts(...ports: number[]): this {
    return this.filterDisabled(ListenerPredicate.not(ListenerPredicate.destinationPorts(...ports)));
  }

  /**
   * The `listener_filters` entry: name, packed typed_config and filter_disabled.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-listenerfilter
   */
  toFilter(): ListenerFilterMessage {
    const f: ListenerFilterMessage = { name: this.filterName, configType: { $case: 'typedConfig', typedConfig: this.packed() } };
    if (this.disabledWhen) f.filterDisabled = deepCopy(this.disabledWhen);
    return f;
  }
}

/**
 * Checks at run time what the types check at compile time (for JavaScript callers): that a
 * filter added to a list is of the list's kind.
 */
export function checkKind(filter: unknown, kind: typeof HttpFilter | typeof NetworkFilter | typeof ListenerFilter, builder: object, path: string): void {
  if (filter instanceof kind) return;
  const owner = (builder as { label: string }).label;
  const what = filter instanceof HttpFilter ? 'an http filter' : filter instanceof NetworkFilter ? 'a network filter' : filter instanceof ListenerFilter ? 'a listener filter' : 'not a filter builder';
  const name = filter instanceof FilterBuilder ? ` (${JSON.stringify(filter.name)})` : '';
  const want = kind === HttpFilter ? 'http filters' : kind === NetworkFilter ? 'network filters' : 'listener filters';
  fail({ path, rule: 'type', message: `${what}${name} cannot go into ${path}: it takes ${want}`, value: filter instanceof FilterBuilder ? filter.name : undefined }, owner);
}

/**
 * The list entry of a filter added to a builder's filter list at `path`: checked to be of the
 * list's kind, its name not yet in `names` (the list's names, to which it is added).
 */
export function filterEntry<M>(
  filter: FilterBuilder<any> & { toFilter(): M },
  kind: typeof HttpFilter | typeof NetworkFilter | typeof ListenerFilter,
  builder: object,
  path: string,
  names: Set<string>,
): M {
  checkKind(filter, kind, builder, path);
  if (names.has(filter.name)) {
    duplicate((builder as { label: string }).label, path, kind === HttpFilter ? 'http filter' : kind === NetworkFilter ? 'network filter' : 'listener filter', filter.name);
  }
  names.add(filter.name);
  return filter.toFilter();
}

/** Turns the `(type, message)` or `(typedConfig)` arguments of the generic factories into a type and a draft. */
export function configArgs(typeOrConfig: TypeRef | TypedConfig, message: unknown): { typeName: TypeName; draft: object } {
  const cfg: TypedConfig =
    typeof typeOrConfig === 'object' && typeOrConfig !== null && 'toMessage' in typeOrConfig && 'typeName' in typeOrConfig
      ? (typeOrConfig as TypedConfig)
      : typed(typeOrConfig as TypeRef, (message ?? {}) as never);
  return { typeName: cfg.typeName as TypeName, draft: deepCopy(peekMessage(cfg) as object) };
}

/** Message of a type reference, for the generic filter factories. */
export type ConfigOf<R> = MessageOf<R> extends object ? MessageOf<R> : object;
