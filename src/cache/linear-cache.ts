/**
 * The linear cache: one type, node-agnostic, a version per resource — typically EDS for a whole
 * fleet, where endpoints churn and every client reads the same assignments.
 */
import { Channel, batch } from './channel.js';
import { contributionOf, digestHex, type ResourceView } from './resource-set.js';
import { resolveItems, type ResourceItem, type TypeItems } from './resource.js';
import { resolveTypeUrl, type TypeKey } from './snapshot.js';
import { defaultStore, type ResourceEntry, type ResourceStore } from './store.js';
import { hashName } from './trie.js';
import {
  BaseWatch,
  DeltaWatch,
  SotwWatch,
  WatchContext,
  type ConfigWatcher,
  type WatchEngineOptions,
  type WatchOptions,
} from './watch.js';

/** Options of {@link LinearCache}. */
export interface LinearCacheOptions extends WatchEngineOptions {
  /**
   * The store resources are encoded into.
   * @default defaultStore
   */
  readonly store?: ResourceStore;
  /**
   * The initial resources.
   * @default none
   */
  readonly resources?: TypeItems;
  /**
   * Interval of TTL heartbeats, in milliseconds.
   * @default undefined (no heartbeats)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
   */
  readonly heartbeatInterval?: number;
}

/**
 * One type of resources shared by every client, each with its own version (its content hash).
 *
 * `update`, `delete`, `updateMany` and `setAll` mark only the resources whose content actually
 * changed (go-control-plane's `SetResources` treats every supplied resource as modified), and
 * wake only the watches interested in them: O(changed × interested watches) per call. The type
 * version is derived from the content, incrementally.
 *
 * @example
 * const eds = new LinearCache('endpoints');
 * eds.update(assignment);              // one ClusterLoadAssignment
 * eds.setAll(allAssignments);          // only the changed ones reach the watches
 * server uses eds for EDS: new MuxCache({ endpoints: eds }, snapshots)
 */
export class LinearCache implements ConfigWatcher, ResourceView {
  /** The type URL served. */
  readonly typeUrl: string;
  private readonly entries = new Map<string, ResourceEntry>();
  private readonly digest = [0, 0, 0, 0];
  private versionText: string | undefined;
  private readonly store: ResourceStore;
  private readonly ctx: WatchContext;
  private readonly channel: Channel<BaseWatch>;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(type: TypeKey, options: LinearCacheOptions = {}) {
    this.typeUrl = resolveTypeUrl(type);
    this.store = options.store ?? defaultStore;
    this.ctx = new WatchContext(options);
    this.channel = new Channel<BaseWatch>(this.typeUrl, this);
    if (options.resources) this.updateMany(options.resources);
    if (options.heartbeatInterval !== undefined) {
      this.timer = setInterval(() => this.heartbeat(), options.heartbeatInterval);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** The type version: derived from every (name, resource version) pair. */
  get version(): string {
    return (this.versionText ??= digestHex(this.digest));
  }

  /** Number of resources. */
  get size(): number {
    return this.entries.size;
  }

  /** The entry of a resource. */
  get(name: string): ResourceEntry | undefined {
    return this.entries.get(name);
  }

  /** The message of a resource. */
  message(name: string): unknown {
    return this.entries.get(name)?.message;
  }

  /** Calls `fn` for every resource. */
  forEach(fn: (entry: ResourceEntry, name: string) => void): void {
    for (const [n, e] of this.entries) fn(e, n);
  }

  /** The names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  private account(name: string, e: ResourceEntry, sign: 1 | -1): void {
    contributionOf(hashName(name), e.version, this.digest, sign);
    this.versionText = undefined;
  }

  /** Binds a name; returns true when the content changed. */
  private put(name: string, e: ResourceEntry): boolean {
    const prev = this.entries.get(name);
    if (prev && (prev === e || prev.version === e.version)) return false;
    this.store.acquire(e);
    this.entries.set(name, e);
    this.account(name, e, 1);
    if (prev) {
      this.account(name, prev, -1);
      this.store.release(prev);
    }
    return true;
  }

  private drop(name: string): boolean {
    const prev = this.entries.get(name);
    if (!prev) return false;
    this.entries.delete(name);
    this.account(name, prev, -1);
    this.store.release(prev);
    return true;
  }

  private publish(changed: string[]): string[] {
    this.store.maybeSweep();
    if (changed.length) batch(() => this.channel.publish(this, changed));
    return changed;
  }

  /** Adds or replaces one resource; returns true when its content changed. */
  update(item: ResourceItem): boolean {
    return this.updateMany([item]).length > 0;
  }

  /** Removes a resource; returns true when it existed. */
  delete(name: string): boolean {
    return this.updateMany([], [name]).length > 0;
  }

  /**
   * Adds or replaces resources and removes names in one update; watches are woken once.
   * @returns the names whose content changed (added, modified or removed)
   */
  updateMany(items: TypeItems, remove: Iterable<string> = []): string[] {
    const resolved = resolveItems(this.store, this.typeUrl, items);
    const changed = new Set<string>();
    for (const name of remove) if (this.drop(name)) changed.add(name);
    for (const [name, e] of resolved) if (this.put(name, e)) changed.add(name);
    return this.publish([...changed]);
  }

  /**
   * Replaces the whole content: resources not given are removed, and only the resources whose
   * content changed are marked.
   * @returns the names whose content changed (added, modified or removed)
   */
  setAll(items: TypeItems): string[] {
    const resolved = resolveItems(this.store, this.typeUrl, items);
    const keep = new Set(resolved.map(([n]) => n));
    const changed: string[] = [];
    for (const name of [...this.entries.keys()]) if (!keep.has(name) && this.drop(name)) changed.push(name);
    for (const [name, e] of resolved) if (this.put(name, e)) changed.push(name);
    return this.publish(changed);
  }

  private check(options: WatchOptions): void {
    const t = resolveTypeUrl(options.typeUrl);
    if (t !== this.typeUrl) throw new Error(`this linear cache serves ${this.typeUrl}, not ${t}`);
  }

  /** Opens a SotW watch (the node is not used: every client sees the same resources). */
  watchSotw(options: WatchOptions): SotwWatch {
    this.check(options);
    return new SotwWatch(this.channel, this.ctx, options, () => {});
  }

  /** Opens a delta watch (the node is not used). */
  watchDelta(options: WatchOptions): DeltaWatch {
    this.check(options);
    return new DeltaWatch(this.channel, this.ctx, options, () => {});
  }

  /** Open watches. */
  get watchCount(): number {
    return this.channel.watches.size;
  }

  /** Marks a TTL heartbeat due on every watch holding resources with a TTL; returns how many. */
  heartbeat(): number {
    return batch(() => this.ctx.heartbeat());
  }

  /** Stops the heartbeat timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
