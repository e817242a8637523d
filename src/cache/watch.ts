/**
 * Watches: the state of one stream for one type, and the responses it needs, for SotW and
 * delta xDS.
 *
 * A server opens a watch when a stream first asks for a type, feeds it every request
 * (`request`), and sends what `take()` returns whenever the watch says it is ready. The cache
 * only marks what changed; the response is computed from the newest state when the server
 * takes it. That is the "pending-response slot where the newest state wins": a slow stream
 * never queues stale responses, never makes the cache wait, and its pending state is bounded by
 * the names it subscribes to.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol
 */
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import type { Duration } from '../gen/google/protobuf/duration.js';
import { TypeUrl } from '../registry/type-urls.js';
import { Channel, notify } from './channel.js';
import type { ResourceView } from './resource-set.js';
import { resolveTypeUrl, type TypeKey } from './snapshot.js';
import type { ResourceEntry } from './store.js';
import { Subscription, collectionKey, globKey, type SubscriptionChange } from './subscription.js';
import { routeConfigurationOf } from './vhds.js';

/** One resource of an update: what the server frames into a response without re-encoding. */
export interface UpdateResource {
  /** The xDS resource name. */
  readonly name: string;
  /** The resource version (its content hash; with `/ttl=…` when it has a TTL). */
  readonly version: string;
  /**
   * The canonical encoding of the resource message: the `value` of its `Any`. Shared by every
   * stream; never modify it. Empty for a heartbeat.
   */
  readonly bytes: Uint8Array;
  /**
   * The TTL, when the resource has one (then SotW wraps it in `discovery.v3.Resource`).
   * @default undefined
   */
  readonly ttl?: Duration;
  /**
   * A heartbeat: only the envelope (name, version, TTL) is sent, to refresh the client's TTL.
   * @default false
   */
  readonly heartbeat?: boolean;
  /**
   * Delta `Resource.aliases`: the subscribed aliases this resource answers (VHDS: the
   * `<rc name>/<host>` names that resolved to this virtual host).
   * @default undefined (none)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-names
   */
  readonly aliases?: readonly string[];
  /**
   * The delta `Resource` goes without its `resource` field: the answer to a VHDS alias no
   * virtual host matches (`name` and `aliases` set to the alias, "the resource unpopulated").
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds#subscribing-to-resources
   */
  readonly absent?: boolean;
}

/** What a SotW stream should send for one type: the body of a `DiscoveryResponse`. */
export interface SotwUpdate {
  readonly kind: 'sotw';
  readonly typeUrl: string;
  /** `version_info`: the type version of the node's current snapshot. */
  readonly versionInfo: string;
  /** The resources (see {@link SotwWatch} for which ones). */
  readonly resources: readonly UpdateResource[];
  /** True when the update is only a TTL heartbeat. */
  readonly heartbeat: boolean;
}

/** What a delta stream should send for one type: the body of a `DeltaDiscoveryResponse`. */
export interface DeltaUpdate {
  readonly kind: 'delta';
  readonly typeUrl: string;
  /** `system_version_info`: the type version (for debugging, per the spec). */
  readonly systemVersionInfo: string;
  /** Resources added or changed for this client. */
  readonly resources: readonly UpdateResource[];
  /** `removed_resources`: names the client must drop. */
  readonly removed: readonly string[];
  /** True when the update is only a TTL heartbeat. */
  readonly heartbeat: boolean;
}

/** The fields of a SotW `DiscoveryRequest` a watch reads (a decoded request can be passed as is). */
export interface SotwRequest {
  /** The complete list of subscribed names (empty: legacy wildcard, or nothing). */
  readonly resourceNames?: readonly string[];
  /** The version the client last accepted (used once, on a stream's first request). */
  readonly versionInfo?: string;
}

/** The fields of a `DeltaDiscoveryRequest` a watch reads (a decoded request can be passed as is). */
export interface DeltaRequest {
  readonly resourceNamesSubscribe?: readonly string[];
  readonly resourceNamesUnsubscribe?: readonly string[];
  /** Versions of the resources a reconnecting client already holds (first request only). */
  readonly initialResourceVersions?: Readonly<Record<string, string>>;
}

/** Options when opening a watch. */
export interface WatchOptions {
  /** The type URL (or kind) the watch serves. */
  readonly typeUrl: TypeKey;
  /**
   * The client's `Node` (from the stream's first request): the snapshot cache keys on it.
   * @default undefined (the node key function decides; `node.id` gives "")
   */
  readonly node?: Node;
  /**
   * Called when the watch may have an update to take: after a request or a cache change, at
   * the end of the cache call that caused it, at most once until the next `take()`. Keep it
   * cheap (schedule the write); call `take()` when the stream can send.
   * @default undefined (poll `pending`)
   */
  readonly onReady?: (watch: Watch) => void;
}

/** Protocol choices shared by the watches of a cache. */
export interface WatchEngineOptions {
  /**
   * Types whose SotW responses carry the complete state: every resource the client
   * subscribes to, in every response (spec: "Grouping Resources into Responses").
   * @default [TypeUrl.Listener, TypeUrl.Cluster]
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#grouping-resources-into-responses
   */
  readonly fullStateTypes?: Iterable<TypeKey>;
  /**
   * Send every subscribed resource in each SotW response of the other types too (as
   * go-control-plane does), instead of only the changed and newly requested ones.
   * @default false
   */
  readonly sotwFullResponses?: boolean;
  /**
   * Answer a delta subscription to a name that does not exist with that name in
   * `removed_resources`, so the client need not wait for its does-not-exist timeout
   * (spec, incremental: "Knowing When a Requested Resource Does Not Exist"). The subscription
   * stays, and the resource is sent when it appears.
   * @default true
   */
  readonly reportMissing?: boolean;
}

/** @internal The shared state of the watches of one cache. */
export class WatchContext {
  readonly fullState: ReadonlySet<string>;
  readonly sotwFull: boolean;
  readonly reportMissing: boolean;
  /** Watches that sent at least one resource with a TTL: the ones heartbeats go to. */
  readonly ttlWatches = new Set<BaseWatch>();

  constructor(options: WatchEngineOptions = {}) {
    this.fullState = new Set([...(options.fullStateTypes ?? [TypeUrl.Listener, TypeUrl.Cluster])].map((t) => resolveTypeUrl(t)));
    this.sotwFull = options.sotwFullResponses ?? false;
    this.reportMissing = options.reportMissing ?? true;
  }

  /** Marks a heartbeat due on every watch holding TTL resources. */
  heartbeat(): number {
    let n = 0;
    for (const w of this.ttlWatches) {
      w.heartbeatDue();
      n++;
    }
    return n;
  }
}

/**
 * The update item of a resource. Made once per entry and name, and shared by every stream it is
 * sent to (immutable), so an update to 1,000 streams allocates one item, not 1,000.
 */
function item(name: string, e: ResourceEntry): UpdateResource {
  const memo = e as { item?: UpdateResource };
  const known = memo.item;
  if (known && known.name === name) return known;
  const made: UpdateResource = Object.freeze(e.ttl ? { name, version: e.version, bytes: e.bytes, ttl: e.ttl } : { name, version: e.version, bytes: e.bytes });
  memo.item = made;
  return made;
}

const NO_BYTES = new Uint8Array(0);

/** A SotW or delta watch. */
export type Watch = SotwWatch | DeltaWatch;

/** @internal What both watch kinds share. */
export abstract class BaseWatch {
  /** The type URL served. */
  readonly typeUrl: string;
  /** The subscription state (wildcard, names, globs). */
  readonly subscription = new Subscription();
  /** name → version the client holds, as far as this watch knows. */
  protected readonly sent = new Map<string, string>();
  /** Names whose state may differ from what the client holds. */
  protected dirty = new Set<string>();
  /** Everything may differ (first request, wildcard added, view replaced). */
  protected all = false;
  private signaled = false;
  private closedFlag = false;
  private heartbeat = false;
  /** Names sent with a TTL. */
  protected readonly ttlNames = new Set<string>();

  constructor(
    protected readonly channel: Channel<BaseWatch>,
    protected readonly ctx: WatchContext,
    private readonly options: WatchOptions,
    private readonly onClose: (w: BaseWatch) => void,
  ) {
    this.typeUrl = channel.typeUrl;
    channel.watches.add(this);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** The client's node, as given when the watch was opened. */
  get node(): Node | undefined {
    return this.options.node;
  }

  /** True when `take()` may return an update (something changed since the last take). */
  get pending(): boolean {
    return !this.closedFlag && (this.all || this.dirty.size > 0 || this.heartbeat || this.hasForced());
  }

  /**
   * The current resources of the watched type for this watch's node key (or its linear cache),
   * read-only: what `take()` computes updates from. `undefined` while the node key has no
   * snapshot. Entries are shared by every stream: never mutate them.
   *
   * A server reads it to answer without waiting for an update (a unary fetch of a type the
   * client already holds), to tell which subscribed names exist, and to report what a client
   * holds (CSDS).
   */
  get view(): ResourceView | undefined {
    return this.channel.view;
  }

  /** The versions of the resources the client was sent and still holds (name → version). */
  sentVersions(): ReadonlyMap<string, string> {
    return this.sent;
  }

  protected abstract hasForced(): boolean;

  /** @internal */
  mark(name: string): void {
    if (this.closedFlag) return;
    if (!this.all) this.dirty.add(name);
    this.signal();
  }

  /** @internal */
  markAll(): void {
    if (this.closedFlag) return;
    this.all = true;
    this.dirty.clear();
    this.signal();
  }

  /**
   * Marks a TTL heartbeat due (spec: "TTL"). A heartbeat is a response whose resources are
   * `discovery.v3.Resource` envelopes with the name, the version the client holds and the TTL,
   * but no `resource`: the client treats it as a TTL refresh, not an update. In SotW such
   * envelopes are only understood with `xds.config.supports-resource-in-sotw` (spec: "SotW
   * TTL"), and a full-state type's heartbeat must still carry its other resources in full, or
   * the client would delete them. A pending real update wins over a heartbeat: it refreshes the
   * TTL as well. Only watches that were sent a resource with a TTL get heartbeats.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
   * @internal
   */
  heartbeatDue(): void {
    if (this.closedFlag || this.ttlNames.size === 0) return;
    this.heartbeat = true;
    this.signal();
  }

  protected signal(): void {
    if (this.signaled || this.closedFlag) return;
    this.signaled = true;
    const cb = this.options.onReady;
    if (cb) notify(() => cb(this as unknown as Watch));
  }

  /** Starts a take: resets the readiness signal. */
  protected begin(): ResourceView | undefined {
    this.signaled = false;
    if (this.closedFlag || this.subscription.requestCount === 0) return undefined;
    return this.channel.view;
  }

  protected takeHeartbeat(): boolean {
    const h = this.heartbeat;
    this.heartbeat = false;
    return h;
  }

  protected recordSent(name: string, e: ResourceEntry): void {
    this.sent.set(name, e.version);
    if (e.ttl) this.trackTtl(name, true);
    else if (this.ttlNames.size) this.trackTtl(name, false);
  }

  protected forget(name: string): void {
    this.sent.delete(name);
    if (this.ttlNames.size) this.trackTtl(name, false);
  }

  private trackTtl(name: string, on: boolean): void {
    if (on) {
      this.ttlNames.add(name);
      this.ctx.ttlWatches.add(this);
    } else if (this.ttlNames.delete(name) && this.ttlNames.size === 0) this.ctx.ttlWatches.delete(this);
  }

  /** Updates the channel's index after a subscription change. */
  protected index(change: SubscriptionChange): void {
    const ch = this.channel;
    for (const n of change.added) ch.interest(this, n, true);
    for (const n of change.removed) ch.interest(this, n, false);
    for (const g of change.globsAdded) ch.interestGlob(this, globKey(g), true);
    for (const g of change.globsRemoved) {
      if (!this.subscription.globKeySet().has(globKey(g))) ch.interestGlob(this, globKey(g), false);
    }
    if (change.wildcardAdded) ch.interestWildcard(this, true);
    if (change.wildcardRemoved) ch.interestWildcard(this, false);
  }

  /**
   * True when the client should hold the resource of that name: the subscription covers it
   * (a delta VHDS watch also wants the virtual hosts its aliases resolve to).
   */
  protected wants(name: string): boolean {
    return this.subscription.covers(name);
  }

  /** Names this watch is indexed under in its channel (its explicit names, and VHDS targets). */
  protected interestNames(): Iterable<string> {
    return this.subscription.names();
  }

  /** Route configurations this watch holds VHDS aliases under. */
  protected interestRouteConfigs(): Iterable<string> {
    return [];
  }

  /** Drops from the client state the names the subscription no longer covers. */
  protected evictUncovered(): void {
    for (const n of [...this.sent.keys()]) if (!this.wants(n)) this.forget(n);
  }

  /**
   * Keeps `dirty` within what the subscription covers. Names are marked only through the
   * channel's interest index (so they were covered when marked); after an unsubscription this
   * drops those no longer covered. With that invariant, `take()` need not ask the subscription
   * again for every dirty name — a lookup in a per-stream set that, over a thousand streams,
   * costs more in cache misses than everything else an update does.
   */
  protected pruneDirty(change: SubscriptionChange): void {
    if (!change.removed.length && !change.wildcardRemoved && !change.globsRemoved.length) return;
    for (const n of this.dirty) if (!this.wants(n)) this.dirty.delete(n);
  }

  /**
   * The heartbeat envelope of a resource (name, version and TTL, no content), when it has a TTL
   * and the client holds its current version.
   */
  protected beat(name: string, e: ResourceEntry): UpdateResource | undefined {
    return e.ttl && this.sent.get(name) === e.version ? { name, version: e.version, bytes: NO_BYTES, ttl: e.ttl, heartbeat: true } : undefined;
  }

  /** The heartbeat envelopes of every resource with a TTL the client holds at its current version. */
  protected heartbeats(view: ResourceView): UpdateResource[] {
    const out: UpdateResource[] = [];
    for (const n of this.ttlNames) {
      const e = view.get(n);
      const b = e && this.beat(n, e);
      if (b) out.push(b);
    }
    return out;
  }

  /** Names the subscription covers that exist in the view (every name for the wildcard). */
  protected coveredNames(view: ResourceView): Set<string> {
    const sub = this.subscription;
    const out = new Set<string>();
    if (sub.wildcard) {
      view.forEach((_, n) => out.add(n));
      return out;
    }
    for (const n of sub.names()) out.add(n);
    const keys = sub.globKeySet();
    if (keys.size) {
      view.forEach((_, n) => {
        const k = collectionKey(n);
        if (k !== undefined && keys.has(k)) out.add(n);
      });
    }
    return out;
  }

  /**
   * Closes the watch: it leaves the channel's index, its state is dropped, and it never
   * signals again. Call it when the stream ends.
   */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.channel.remove(this, this.interestNames(), this.subscription.globKeySet().keys(), this.interestRouteConfigs());
    this.ctx.ttlWatches.delete(this);
    this.sent.clear();
    this.dirty.clear();
    this.onClose(this);
  }
}

/**
 * The SotW state of one stream for one type.
 *
 * Responses, per the spec ("Grouping Resources into Responses", "When to send an update"):
 * - **full-state types** (LDS and CDS by default): every response carries every subscribed
 *   resource that exists; a response is due when that set or any version in it changed, when
 *   the subscription adds a name (the client must learn whether it exists), and for the first
 *   request, even when empty (an empty LDS/CDS response deletes everything, and tells gRPC
 *   clients a requested name does not exist).
 * - **other types** (RDS, EDS, SDS...): a response carries the resources that changed and the
 *   newly requested ones, since absence means nothing there; nothing is sent when nothing
 *   subscribed exists. With `sotwFullResponses` every subscribed resource is sent instead.
 * - No response is sent when the content the client holds did not change: an ACK or a NACK
 *   (same names) triggers nothing, so a NACKed version is not resent until it changes.
 * - Newly requested names are always sent, even if sent before (spec: "the server must resend
 *   any newly requested resources, even if it previously sent those resources").
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#grouping-resources-into-responses
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#when-to-send-an-update
 */
export class SotwWatch extends BaseWatch {
  /** Discriminator of {@link Watch}. */
  readonly kind = 'sotw' as const;
  private readonly forced = new Set<string>();
  private answered = false;
  private claimed: string | undefined;

  /** True when this type's SotW responses carry the complete state (LDS, CDS). */
  get fullState(): boolean {
    return this.ctx.fullState.has(this.typeUrl);
  }

  protected hasForced(): boolean {
    return this.forced.size > 0 || (!this.answered && this.subscription.requestCount > 0);
  }

  /**
   * Applies a `DiscoveryRequest` (after the server dropped stale-nonce ones).
   *
   * On the stream's first request, a `version_info` equal to the current version of a
   * wildcard-only full-state type means the client already holds it (a reconnect): no
   * response is sent until something changes (spec, "ACK/NACK and resource type instance
   * version": "generally safe for LDS and CDS when the only subscription is a wildcard").
   *
   * @returns how the subscription changed
   */
  request(req: SotwRequest): SubscriptionChange {
    if (this.closed) throw new Error('xdskit cache: request on a closed watch');
    const first = this.subscription.requestCount === 0;
    const change = this.subscription.applySotw(req.resourceNames);
    this.index(change);
    if (first && req.versionInfo) this.claimed = req.versionInfo;
    for (const n of change.added) this.forced.add(n);
    for (const n of change.removed) {
      this.forced.delete(n);
      this.forget(n);
    }
    if (change.wildcardRemoved || change.globsRemoved.length) this.evictUncovered();
    this.pruneDirty(change);
    if (change.wildcardAdded || change.globsAdded.length) this.all = true;
    if (first || change.added.length || change.wildcardAdded || change.globsAdded.length) this.signal();
    return change;
  }

  /**
   * The update to send now, or `undefined` when the client already holds the current state
   * (or the node has no snapshot yet). Resets the readiness signal.
   */
  take(): SotwUpdate | undefined {
    const view = this.begin();
    if (!view) return undefined;
    const sub = this.subscription;
    const heartbeat = this.takeHeartbeat();
    if (this.claimed !== undefined) {
      const claimed = this.claimed;
      this.claimed = undefined;
      if (this.fullState && sub.wildcardOnly && !this.answered && claimed === view.version) {
        view.forEach((e, n) => this.recordSent(n, e));
        this.answered = true;
        this.clear();
        return undefined;
      }
    }
    if (this.fullState) return this.takeFull(view, heartbeat);
    return this.takePartial(view, heartbeat);
  }

  private clear(): void {
    this.dirty.clear();
    this.all = false;
    this.forced.clear();
  }

  /** The covered resources that exist, with their entries. */
  private existing(view: ResourceView): [string, ResourceEntry][] {
    const out: [string, ResourceEntry][] = [];
    for (const n of this.coveredNames(view)) {
      const e = view.get(n);
      if (e) out.push([n, e]);
    }
    return out;
  }

  private takeFull(view: ResourceView, heartbeat: boolean): SotwUpdate | undefined {
    let entries: [string, ResourceEntry][] | undefined;
    let changed = !this.answered || this.forced.size > 0;
    if (!changed && this.all) {
      entries = this.existing(view);
      changed = entries.length !== this.sent.size || entries.some(([n, e]) => this.sent.get(n) !== e.version);
    } else if (!changed) {
      for (const n of this.dirty) {
        const e = view.get(n);
        if (e ? this.sent.get(n) !== e.version : this.sent.has(n)) {
          changed = true;
          break;
        }
      }
    }
    this.clear();
    if (!changed && !heartbeat) return undefined;
    entries ??= this.existing(view);
    const resources: UpdateResource[] = [];
    if (!changed) {
      // Heartbeat: TTL resources as envelopes only, the others in full (the state is full).
      for (const [n, e] of entries) resources.push(this.beat(n, e) ?? item(n, e));
      return { kind: 'sotw', typeUrl: this.typeUrl, versionInfo: view.version, resources, heartbeat: true };
    }
    const keep = new Set<string>();
    for (const [n, e] of entries) {
      resources.push(item(n, e));
      this.recordSent(n, e);
      keep.add(n);
    }
    for (const n of [...this.sent.keys()]) if (!keep.has(n)) this.forget(n);
    this.answered = true;
    return { kind: 'sotw', typeUrl: this.typeUrl, versionInfo: view.version, resources, heartbeat: false };
  }

  private takePartial(view: ResourceView, heartbeat: boolean): SotwUpdate | undefined {
    const sub = this.subscription;
    const candidates = this.all ? this.coveredNames(view) : this.dirty;
    const out: [string, ResourceEntry][] = [];
    const forced = this.forced;
    // Candidates are covered: dirty names by the invariant of `pruneDirty`, the others by construction.
    const visit = (n: string) => {
      const e = view.get(n);
      if (e && ((forced.size > 0 && forced.has(n)) || this.sent.get(n) !== e.version)) out.push([n, e]);
    };
    for (const n of candidates) visit(n);
    for (const n of forced) if (!candidates.has(n) && sub.covers(n)) visit(n);
    this.clear();
    this.answered = true;
    if (!out.length) {
      if (!heartbeat) return undefined;
      const resources = this.heartbeats(view);
      if (!resources.length) return undefined;
      return { kind: 'sotw', typeUrl: this.typeUrl, versionInfo: view.version, resources, heartbeat: true };
    }
    const send = this.ctx.sotwFull ? this.existing(view) : out;
    const resources = send.map(([n, e]) => {
      this.recordSent(n, e);
      return item(n, e);
    });
    return { kind: 'sotw', typeUrl: this.typeUrl, versionInfo: view.version, resources, heartbeat: false };
  }
}

/**
 * The delta (incremental) state of one stream for one type.
 *
 * Rules, per the spec ("Incremental xDS"):
 * - A response carries only resources whose version differs from what the client holds, and
 *   `removed_resources` for names the client holds that were deleted (spec: "Deleting
 *   Resources"): removal is reported only for names this stream was sent, never broadcast to
 *   every stream subscribed to the name.
 * - Every name in `resource_names_subscribe` is sent, even when the client seems to hold its
 *   latest version (spec: "the server must still provide those resources in the response").
 *   A subscribed name that does not exist is answered in `removed_resources` (see
 *   `reportMissing`) and parked: it is sent when it appears (lazy / on-demand loading).
 * - Unsubscribing drops the name from this stream's state without a response, except when the
 *   wildcard (or a glob) still covers it: then the name is sent again if it exists, or
 *   reported removed, so the client knows whether to keep it (spec: "Unsubscribing from
 *   Resources", incremental).
 * - On the first request of a reconnecting client, `initial_resource_versions` is what the
 *   client holds: only resources whose version differs are sent, and names it holds that no
 *   longer exist (or it no longer wants) are reported removed.
 * - **VHDS aliases** (VirtualHost type only): a subscribed `<rc name>/<host>` that is not itself
 *   a resource name is an alias, resolved against the `domains` of the virtual hosts named
 *   `<rc name>/…` (Envoy's virtual host selection, see `VhdsIndex`). The virtual host it
 *   resolves to is sent with the alias in `Resource.aliases`; an alias nothing matches is
 *   answered with a `Resource` whose `name` and `aliases` are the alias and which has no
 *   `resource` (Envoy's VHDS docs, "Subscribing to Resources"). A later snapshot that changes
 *   the resolution sends the new virtual host (with the alias) and removes the old one if no
 *   subscription wants it any more; unsubscribing the alias stops its updates.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#incremental-xds
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds
 */
export class DeltaWatch extends BaseWatch {
  /** Discriminator of {@link Watch}. */
  readonly kind = 'delta' as const;
  /** Names that must appear in the next response, in `resources` or in `removed_resources`. */
  private readonly must = new Set<string>();
  /** The VHDS alias state (VirtualHost channels only). */
  private readonly book: AliasBook | undefined = this.channel.vhds ? new AliasBook() : undefined;

  protected hasForced(): boolean {
    return this.must.size > 0 || (this.book !== undefined && this.book.dirty);
  }

  protected wants(name: string): boolean {
    return this.subscription.covers(name) || (this.book !== undefined && this.book.byTarget.has(name));
  }

  protected interestNames(): Iterable<string> {
    const b = this.book;
    return b && b.byTarget.size ? [...this.subscription.names(), ...b.byTarget.keys()] : this.subscription.names();
  }

  protected interestRouteConfigs(): Iterable<string> {
    return this.book ? this.book.byRc.keys() : [];
  }

  /** @internal A virtual host under a route configuration with aliases here changed. */
  markRouteConfig(routeConfiguration: string): void {
    if (this.closed || !this.book) return;
    this.book.staleRc.add(routeConfiguration);
    this.signal();
  }

  /**
   * The VHDS aliases subscribed on this stream, with the virtual host each resolves to (`null`:
   * none matches). Empty for every type but VirtualHost.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds
   */
  aliases(): ReadonlyMap<string, string | null> {
    return this.book?.target ?? EMPTY_ALIASES;
  }

  /**
   * Applies a `DeltaDiscoveryRequest`. Subscription changes are honoured whatever the nonce
   * (spec: "the server must honor changes to the subscription state even if the nonce is
   * stale").
   *
   * @returns how the subscription changed
   */
  request(req: DeltaRequest): SubscriptionChange {
    if (this.closed) throw new Error('xdskit cache: request on a closed watch');
    const sub = this.subscription;
    const first = sub.requestCount === 0;
    if (first && req.initialResourceVersions) {
      for (const [n, v] of Object.entries(req.initialResourceVersions)) this.sent.set(n, v);
    }
    const change = sub.applyDelta(req.resourceNamesSubscribe, req.resourceNamesUnsubscribe);
    this.index(change);
    // A name subscribed is sent even when the client seems to hold it, except on a reconnect's
    // first request for a name whose version the client states in initial_resource_versions:
    // that is exactly what the map is for ("to avoid resending them over the network").
    for (const n of change.added) if (!(first && this.sent.has(n))) this.must.add(n);
    for (const n of change.removed) {
      if (sub.coveredImplicitly(n)) this.must.add(n);
      else {
        this.must.delete(n);
        this.forget(n);
      }
    }
    if (this.book) this.requestAliases(change);
    if (change.wildcardRemoved || change.globsRemoved.length) this.evictUncovered();
    this.pruneDirty(change);
    if (first || change.wildcardAdded || change.globsAdded.length) this.all = true;
    if (this.pending) this.signal();
    return change;
  }

  /** VHDS: tracks subscribed names that may be aliases; unsubscribing an alias drops what only it wanted. */
  private requestAliases(change: SubscriptionChange): void {
    const book = this.book!;
    const ch = this.channel;
    for (const n of change.removed) {
      if (book.untrack(n)) ch.interestRouteConfig(this, routeConfigurationOf(n)!, false);
      if (book.target.has(n)) {
        const old = book.unlink(n);
        // Unsubscribing an alias stops its updates: the virtual host only it wanted leaves the
        // stream's state, without a response (as for any unsubscribed name).
        if (old && !book.byTarget.has(old)) {
          if (!this.subscription.isExplicit(old)) ch.interest(this, old, false);
          if (!this.subscription.covers(old)) {
            this.must.delete(old);
            this.forget(old);
          }
        }
      } else if (book.byTarget.has(n)) {
        // A virtual host unsubscribed by name that aliases still resolve to: keep following it.
        ch.interest(this, n, true);
        this.must.add(n);
      }
    }
    for (const n of change.added) {
      if (routeConfigurationOf(n) === undefined) continue;
      if (book.track(n)) ch.interestRouteConfig(this, routeConfigurationOf(n)!, true);
      book.pending.add(n);
    }
  }

  private link(alias: string, target: string | null): void {
    const b = this.book!;
    b.target.set(alias, target);
    if (target === null) return;
    let set = b.byTarget.get(target);
    if (!set) {
      b.byTarget.set(target, (set = new Set()));
      this.channel.interest(this, target, true);
    }
    set.add(alias);
  }

  /** Unlinks an alias from its target; drops the channel interest in a target no alias wants. */
  private unlinkAlias(alias: string): string | null | undefined {
    const b = this.book!;
    const old = b.unlink(alias);
    if (old && !b.byTarget.has(old) && !this.subscription.isExplicit(old)) this.channel.interest(this, old, false);
    return old;
  }

  /**
   * The update to send now, or `undefined` when the client already holds the current state
   * (or the node has no snapshot yet). Resets the readiness signal.
   */
  take(): DeltaUpdate | undefined {
    const view = this.begin();
    if (!view) return undefined;
    if (this.book) return this.takeVhds(view);
    const sub = this.subscription;
    const heartbeat = this.takeHeartbeat();
    const resources: UpdateResource[] = [];
    const removed: string[] = [];
    const must = this.must;
    /** `covered`: known covered (a dirty name), or undefined to ask the subscription. */
    const visit = (n: string, covered: boolean | undefined) => {
      const e = view.get(n);
      const forced = must.size > 0 && must.has(n);
      if (e && (covered ?? sub.covers(n))) {
        if (forced || this.sent.get(n) !== e.version) {
          resources.push(item(n, e));
          this.recordSent(n, e);
        }
      } else if (this.sent.has(n)) {
        removed.push(n);
        this.forget(n);
      } else if (forced && (this.ctx.reportMissing || sub.coveredImplicitly(n))) {
        removed.push(n);
      }
    };
    if (this.all) {
      const seen = this.coveredNames(view);
      for (const n of this.sent.keys()) seen.add(n);
      for (const n of must) seen.add(n);
      for (const n of seen) visit(n, undefined);
    } else {
      for (const n of this.dirty) visit(n, true);
      for (const n of must) if (!this.dirty.has(n)) visit(n, undefined);
    }
    return this.finishTake(view, resources, removed, heartbeat);
  }

  /**
   * Ends a `take()`: clears what it consumed and gives the update — the resources and removals,
   * or, when there are none and a heartbeat is due, the heartbeat resources — or undefined.
   */
  private finishTake(view: ResourceView, resources: UpdateResource[], removed: string[], heartbeat: boolean): DeltaUpdate | undefined {
    this.dirty.clear();
    this.all = false;
    this.must.clear();
    if (!resources.length && !removed.length) {
      if (!heartbeat) return undefined;
      const beats = this.heartbeats(view);
      if (!beats.length) return undefined;
      return { kind: 'delta', typeUrl: this.typeUrl, systemVersionInfo: view.version, resources: beats, removed: [], heartbeat: true };
    }
    return { kind: 'delta', typeUrl: this.typeUrl, systemVersionInfo: view.version, resources, removed, heartbeat: false };
  }

  /**
   * `take()` of a VirtualHost watch: names and VHDS aliases.
   *
   * Aliases whose resolution may have changed (newly subscribed, or a virtual host of their
   * route configuration changed) are resolved again through the channel's `VhdsIndex`; an
   * alias that resolves to another virtual host (or to none) sends the new one with the alias
   * (or the not-found answer), and the virtual host no subscription wants any more is removed.
   */
  private takeVhds(view: ResourceView): DeltaUpdate | undefined {
    const sub = this.subscription;
    const book = this.book!;
    const index = this.channel.vhds!;
    const heartbeat = this.takeHeartbeat();
    const resources: UpdateResource[] = [];
    const removed: string[] = [];
    const must = this.must;
    /** Virtual hosts to send even if the client holds their version (their aliases changed). */
    const forced = new Set<string>();
    /** Aliases nothing matches, to answer with a resource-less `Resource`. */
    const unmatched = new Set<string>();
    /** Names whose state may differ from what the client holds. */
    const visitAlso = new Set<string>();

    const resolve = book.pending;
    if (this.all) for (const names of book.byRc.values()) for (const n of names) resolve.add(n);
    for (const rc of book.staleRc) for (const n of book.byRc.get(rc) ?? []) resolve.add(n);
    book.staleRc.clear();
    for (const n of resolve) {
      if (!sub.isExplicit(n)) continue;
      const t = view.get(n) ? n : (index.resolve(view, n) ?? null);
      const had = book.target.has(n);
      const old = had ? book.target.get(n)! : undefined;
      if (t === n) {
        // A resource of that very name: a plain subscription (names are checked before aliases).
        if (had) {
          this.unlinkAlias(n);
          if (old) visitAlso.add(old);
        }
        continue;
      }
      if (!had || old !== t) {
        if (had) {
          this.unlinkAlias(n);
          if (old) visitAlso.add(old);
        }
        this.link(n, t);
        if (t) forced.add(t);
        else unmatched.add(n);
      } else if (must.has(n)) {
        if (t) forced.add(t);
        else unmatched.add(n);
      }
    }
    resolve.clear();

    const visit = (n: string) => {
      if (book.target.has(n)) {
        // An alias, not a resource: answered through its virtual host or as unmatched. A
        // resource of that name the client still holds is gone; the not-found answer, when
        // sent, replaces it (one name may not be both added and removed in a response).
        if (this.sent.has(n)) {
          if (!unmatched.has(n)) removed.push(n);
          this.forget(n);
        }
        return;
      }
      const e = view.get(n);
      const aliases = book.byTarget.get(n);
      const force = must.has(n) || forced.has(n);
      if (e && (aliases !== undefined || sub.covers(n))) {
        if (force || this.sent.get(n) !== e.version) {
          const it = item(n, e);
          resources.push(aliases ? withAliases(it, aliases) : it);
          this.recordSent(n, e);
        }
      } else if (this.sent.has(n)) {
        removed.push(n);
        this.forget(n);
      } else if (must.has(n) && (this.ctx.reportMissing || sub.coveredImplicitly(n))) {
        removed.push(n);
      }
    };
    const seen = this.all ? this.coveredNames(view) : new Set(this.dirty);
    if (this.all) {
      for (const n of this.sent.keys()) seen.add(n);
      for (const n of book.byTarget.keys()) seen.add(n);
    }
    for (const n of must) seen.add(n);
    for (const n of forced) seen.add(n);
    for (const n of visitAlso) seen.add(n);
    for (const n of seen) visit(n);
    for (const n of unmatched) {
      // Envoy's VHDS docs, "Subscribing to Resources": "If a virtual host is requested for which
      // the management server does not know about, then the management server should respond
      // with a DeltaDiscoveryResponse in which the resources entry for that virtual host has the
      // name and aliases set to the requested host entry and the resource unpopulated."
      if (book.target.get(n) === null) resources.push(unmatchedAlias(n));
    }
    return this.finishTake(view, resources, removed, heartbeat);
  }
}

const EMPTY_ALIASES: ReadonlyMap<string, string | null> = new Map();

/** The item of a virtual host sent for aliases: the shared item plus this stream's aliases. */
function withAliases(it: UpdateResource, aliases: ReadonlySet<string>): UpdateResource {
  return Object.freeze({ ...it, aliases: [...aliases].sort() });
}

/** The answer to an alias no virtual host matches: its name and alias, no resource. */
function unmatchedAlias(alias: string): UpdateResource {
  return Object.freeze({ name: alias, version: '', bytes: NO_BYTES, aliases: [alias], absent: true });
}

/**
 * The VHDS alias state of one delta watch.
 *
 * - `byRc`: the subscribed names that could be aliases (`<rc>/<x>`), by route configuration:
 *   what to resolve again when a virtual host of that route configuration changes.
 * - `target`: each name currently handled as an alias → the virtual host resource it resolves
 *   to, or `null` when none matches.
 * - `byTarget`: virtual host → the aliases resolving to it (its `Resource.aliases`).
 *
 * @internal
 */
class AliasBook {
  readonly byRc = new Map<string, Set<string>>();
  readonly target = new Map<string, string | null>();
  readonly byTarget = new Map<string, Set<string>>();
  /** Names to resolve at the next take (newly subscribed). */
  readonly pending = new Set<string>();
  /** Route configurations whose virtual hosts changed since the last take. */
  readonly staleRc = new Set<string>();

  get dirty(): boolean {
    return this.pending.size > 0 || this.staleRc.size > 0;
  }

  /** Tracks a subscribed name; true when it is the first under its route configuration. */
  track(name: string): boolean {
    const rc = routeConfigurationOf(name)!;
    let set = this.byRc.get(rc);
    const first = !set;
    if (!set) this.byRc.set(rc, (set = new Set()));
    set.add(name);
    return first;
  }

  /** Stops tracking a name; true when it was the last under its route configuration. */
  untrack(name: string): boolean {
    this.pending.delete(name);
    const rc = routeConfigurationOf(name);
    if (rc === undefined) return false;
    const set = this.byRc.get(rc);
    if (!set?.delete(name) || set.size) return false;
    this.byRc.delete(rc);
    return true;
  }

  /** Unlinks an alias; returns what it resolved to (`undefined` when it was no alias). */
  unlink(alias: string): string | null | undefined {
    if (!this.target.has(alias)) return undefined;
    const old = this.target.get(alias)!;
    this.target.delete(alias);
    if (old !== null) {
      const set = this.byTarget.get(old)!;
      set.delete(alias);
      if (!set.size) this.byTarget.delete(old);
    }
    return old;
  }
}

/**
 * The interface a server drives: opens a watch per stream and type.
 *
 * `SnapshotCache` and `LinearCache` implement it; `MuxCache` routes types to several.
 */
export interface ConfigWatcher {
  /** Opens a SotW watch (a `Stream*`/ADS stream's type). */
  watchSotw(options: WatchOptions): SotwWatch;
  /** Opens a delta watch (a `Delta*` stream's type). */
  watchDelta(options: WatchOptions): DeltaWatch;
  /**
   * The key a client's `Node` is served under (what a server groups its status by). Caches
   * that serve every node alike (`LinearCache`) leave it out.
   * @default undefined (a server then keys nodes by `node.id`)
   */
  nodeKey?(node: Node | undefined): string;
}
