/**
 * The snapshot cache: a snapshot per node key, served to that key's watches.
 */
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import { XdsValidationError, isXdsValidationError, type Problem } from '../registry/errors.js';
import { TypeUrl } from '../registry/type-urls.js';
import { SnapshotValidator, type SnapshotOptions as ValidateSnapshotOptions } from '../validate/index.js';
import { Channel, batch } from './channel.js';
import { changedNames } from './diff.js';
import { byNodeId, type NodeKeyFn } from './node-key.js';
import { ResourceSet } from './resource-set.js';
import { Snapshot, resolveTypeUrl, type SnapshotPatch } from './snapshot.js';
import { defaultStore, type ResourceStore } from './store.js';
import { releaseTrie, retainTrie } from './trie.js';
import {
  BaseWatch,
  DeltaWatch,
  SotwWatch,
  WatchContext,
  type ConfigWatcher,
  type WatchEngineOptions,
  type WatchOptions,
} from './watch.js';

/** Validation of a snapshot before it replaces the current one. */
export type SnapshotValidation = boolean | ValidateSnapshotOptions;

/** Options of {@link SnapshotCache}. */
export interface SnapshotCacheOptions extends WatchEngineOptions {
  /**
   * The key of a client's snapshot, from its `Node`. Grouping is one line:
   * `nodeKey: (node) => node?.cluster ?? ''`.
   * @default byNodeId (`node.id`)
   */
  readonly nodeKey?: NodeKeyFn;
  /**
   * The store `patch` uses for a key that has no snapshot yet.
   * @default defaultStore
   */
  readonly store?: ResourceStore;
  /**
   * Validate every snapshot before it replaces the current one (`validateSnapshot`: field and
   * semantic rules and references); an invalid one is rejected and the last good one stays.
   * `setSnapshot`/`patch` can override it per call.
   * @default false
   */
  readonly validate?: SnapshotValidation;
  /**
   * Interval of TTL heartbeats, in milliseconds: every watch holding resources with a TTL is
   * sent a heartbeat this often. Keep it well below the shortest TTL.
   * @default undefined (no heartbeats)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
   */
  readonly heartbeatInterval?: number;
  /**
   * Forget a node's client information (its `Node`, when it was seen) once it has had no open
   * watch for this long, in milliseconds; a node with no snapshot then leaves `status()`.
   * @default undefined (never)
   */
  readonly nodeIdleTimeout?: number;
  /**
   * The snapshot of a node key the cache has none for, asked when a watch opens for that key
   * (a stream's first request of a type, a unary fetch): a default config, or one built on
   * demand from the client's `Node`. What it returns is set as by `setSnapshot`, validated when
   * the cache validates; a rejected one is recorded in `status(key).rejected` and the watch
   * opens without a snapshot, as when the hook returns `undefined`. It is asked again at the
   * next watch of the key while the key has no snapshot. An error it throws fails the watch.
   * @default undefined (a watch of a key without a snapshot waits for `setSnapshot`)
   * @example new SnapshotCache({ snapshotFor: (key, node) => (node?.cluster === 'edge' ? edgeDefaults : undefined) })
   */
  readonly snapshotFor?: (key: string, node: Node | undefined) => Snapshot | undefined;
  /**
   * The clock, in milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Options of {@link SnapshotCache.setSnapshot} and {@link SnapshotCache.patch}. */
export interface SetSnapshotOptions {
  /**
   * Validate the snapshot first; reject it (throwing `XdsValidationError`) when invalid.
   * @default the cache's `validate` option
   */
  readonly validate?: SnapshotValidation;
}

/** The last snapshot rejected for a node key, and why. */
export interface Rejection {
  readonly problems: readonly Problem[];
  readonly warnings: readonly Problem[];
  /** When (the cache's clock). */
  readonly at: number;
}

/** What the cache knows of one node key. */
export interface NodeStatus {
  readonly key: string;
  /** The `Node` the latest watch of this key presented. */
  readonly node?: Node;
  /** Version per type URL of the current snapshot (empty without one). */
  readonly versions: Readonly<Record<string, string>>;
  /** True when a snapshot is set. */
  readonly hasSnapshot: boolean;
  /** Open watches (one per stream and type). */
  readonly watches: number;
  /** Open watches per type URL. */
  readonly watchesByType: Readonly<Record<string, number>>;
  /** When a watch was first opened for this key. */
  readonly firstSeen?: number;
  /** When a watch was last opened. */
  readonly lastSeen?: number;
  /** Since when the key has had no open watch. */
  readonly idleSince?: number;
  /** When the current snapshot was set. */
  readonly snapshotSetAt?: number;
  /** The last rejected snapshot, if any since the last accepted one. */
  readonly rejected?: Rejection;
}

class NodeState {
  snapshot: Snapshot | undefined;
  readonly channels = new Map<string, Channel<BaseWatch>>();
  watches = 0;
  node: Node | undefined;
  firstSeen: number | undefined;
  lastSeen: number | undefined;
  idleSince: number | undefined;
  snapshotSetAt: number | undefined;
  rejected: Rejection | undefined;
  constructor(readonly key: string) {}
}

const emptySets = new Map<string, ResourceSet>();
function emptySet(typeUrl: string): ResourceSet {
  let s = emptySets.get(typeUrl);
  if (!s) emptySets.set(typeUrl, (s = ResourceSet.empty(typeUrl)));
  return s;
}

/** Holds a snapshot's entries in its store (O(new structure), see `retainTrie`). @internal */
export function retainSnapshot(s: Snapshot): void {
  for (const t of s.types()) retainTrie(s.setOf(t)!.root, (e) => s.store.acquire(e));
}

/** Lets go of a snapshot's entries; entries nothing else holds leave the store. @internal */
export function releaseSnapshot(s: Snapshot): void {
  for (const t of s.types()) releaseTrie(s.setOf(t)!.root, (e) => s.store.release(e));
}

/**
 * `ignore_port_in_host_matching` of a route configuration of a snapshot: VHDS aliases under it
 * are matched without the host's port, as Envoy's route selection does.
 */
function ignoresPort(s: Snapshot | undefined, routeConfiguration: string): boolean {
  const rc = s?.setOf(TypeUrl.RouteConfiguration)?.message(routeConfiguration) as { ignorePortInHostMatching?: boolean } | undefined;
  return rc?.ignorePortInHostMatching === true;
}

function unref(t: ReturnType<typeof setInterval>): void {
  (t as { unref?: () => void }).unref?.();
}

/**
 * A snapshot per node key, and the watches of the streams of those nodes.
 *
 * Setting or patching a snapshot costs O(changed × watches interested in what changed): the
 * new snapshot is diffed against the current one per watched type (O(changed) for derived
 * snapshots), and only the watches subscribed to a changed name (by name, wildcard or glob) are
 * marked. Nothing is encoded: responses use the store's bytes. No lock, no push loop: a slow
 * stream takes its update when it can, computed from the newest snapshot.
 *
 * @example
 * const cache = new SnapshotCache({ validate: true });
 * cache.setSnapshot('envoy-1', Snapshot.create({ clusters, endpoints, listeners, routes }));
 * cache.patch('envoy-1', { set: { endpoints: [newAssignment] } }); // O(changed)
 */
export class SnapshotCache implements ConfigWatcher {
  private readonly states = new Map<string, NodeState>();
  private readonly ctx: WatchContext;
  private readonly keyOf: NodeKeyFn;
  private readonly store: ResourceStore;
  private readonly validateDefault: SnapshotValidation;
  private readonly now: () => number;
  private readonly idleTimeout: number | undefined;
  private readonly snapshotFor: SnapshotCacheOptions['snapshotFor'];
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  constructor(options: SnapshotCacheOptions = {}) {
    this.ctx = new WatchContext(options);
    this.keyOf = options.nodeKey ?? byNodeId;
    this.store = options.store ?? defaultStore;
    this.validateDefault = options.validate ?? false;
    this.now = options.now ?? Date.now;
    this.idleTimeout = options.nodeIdleTimeout;
    this.snapshotFor = options.snapshotFor;
    if (options.heartbeatInterval !== undefined) {
      const t = setInterval(() => this.heartbeat(), options.heartbeatInterval);
      unref(t);
      this.timers.push(t);
    }
    if (this.idleTimeout !== undefined) {
      const t = setInterval(() => this.sweepIdle(), Math.max(1000, Math.min(this.idleTimeout, 60_000)));
      unref(t);
      this.timers.push(t);
    }
  }

  /** The node key of a client's `Node`. */
  nodeKey(node: Node | undefined): string {
    return this.keyOf(node);
  }

  private state(key: string): NodeState {
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = new NodeState(key)));
    return s;
  }

  /**
   * Validators by validation options (`true` or an options object): each keeps what it found of
   * every resource object, so a patched snapshot has only its new resources checked on their
   * own (see `SnapshotValidator`).
   */
  private readonly validators = new Map<SnapshotValidation, SnapshotValidator>();

  private check(key: string, snapshot: Snapshot, validation: SnapshotValidation | undefined): void {
    const v = validation ?? this.validateDefault;
    if (!v) return;
    let validator = this.validators.get(v);
    if (!validator) {
      validator = new SnapshotValidator(v === true ? {} : v);
      // Options objects given per call would pile up: keep the cache default's and a few others.
      if (this.validators.size < 16) this.validators.set(v, validator);
    }
    const result = validator.validate(snapshot.toMap());
    if (result.ok) return;
    this.state(key).rejected = { problems: result.errors, warnings: result.warnings, at: this.now() };
    throw new XdsValidationError(result.errors, `snapshot for node "${key}" rejected; the previous one keeps serving`);
  }

  /**
   * Sets the snapshot of a node key and updates its watches.
   *
   * With validation (option or cache default), an invalid snapshot is rejected: this throws
   * `XdsValidationError` with every problem, `status(key).rejected` records it, and the current
   * snapshot keeps serving.
   */
  setSnapshot(key: string, snapshot: Snapshot, options: SetSnapshotOptions = {}): void {
    this.check(key, snapshot, options.validate);
    const state = this.state(key);
    state.rejected = undefined;
    const old = state.snapshot;
    state.snapshotSetAt = this.now();
    if (old === snapshot) return;
    retainSnapshot(snapshot);
    state.snapshot = snapshot;
    batch(() => {
      for (const [typeUrl, ch] of state.channels) {
        const next = snapshot.setOf(typeUrl) ?? emptySet(typeUrl);
        const prev = ch.view;
        ch.publish(next, prev === undefined ? undefined : changedNames(prev, next));
      }
      // VHDS aliases also depend on their RouteConfiguration (ignore_port_in_host_matching).
      const vh = state.channels.get(TypeUrl.VirtualHost);
      if (vh?.vhds && old) {
        for (const rc of vh.routeConfigsWatched()) if (ignoresPort(old, rc) !== ignoresPort(snapshot, rc)) vh.touchRouteConfig(rc);
      }
    });
    if (old) releaseSnapshot(old);
    snapshot.store.maybeSweep();
  }

  /**
   * Changes a node key's snapshot in O(changed): `set` adds or replaces resources, `remove`
   * drops names. A key without a snapshot starts from an empty one. With validation on, the
   * resources the patch adds are checked on their own, and the references of the whole
   * resulting snapshot again (they span resources).
   *
   * @returns the new snapshot
   * @example cache.patch('envoy-1', { set: { clusters: [api] }, remove: { clusters: ['old'] } })
   */
  patch(key: string, patch: SnapshotPatch, options: SetSnapshotOptions & { versions?: Readonly<Record<string, string>> } = {}): Snapshot {
    const base = this.states.get(key)?.snapshot ?? Snapshot.empty(this.store);
    const next = base.patch(patch, { versions: options.versions });
    this.setSnapshot(key, next, options);
    return next;
  }

  /** The current snapshot of a node key. */
  getSnapshot(key: string): Snapshot | undefined {
    return this.states.get(key)?.snapshot;
  }

  /**
   * Removes a node key's snapshot. Its watches stay open and get nothing until a snapshot is
   * set again (clients keep what they have; nothing is reported removed).
   */
  clearSnapshot(key: string): void {
    const state = this.states.get(key);
    if (!state?.snapshot) return;
    const old = state.snapshot;
    state.snapshot = undefined;
    state.snapshotSetAt = undefined;
    for (const ch of state.channels.values()) ch.publish(undefined, undefined);
    releaseSnapshot(old);
    if (state.watches === 0 && state.idleSince === undefined && !state.rejected) this.states.delete(key);
  }

  /** Node keys that have a snapshot. */
  snapshotKeys(): string[] {
    return [...this.states.values()].filter((s) => s.snapshot).map((s) => s.key);
  }

  /** Node keys the cache knows: with a snapshot, open watches, or recently seen. */
  keys(): string[] {
    this.sweepIdle();
    return [...this.states.keys()];
  }

  /** What the cache knows of a node key, or `undefined` for an unknown key. */
  status(key: string): NodeStatus | undefined {
    this.sweepIdle();
    const s = this.states.get(key);
    if (!s) return undefined;
    const versions: Record<string, string> = {};
    if (s.snapshot) for (const t of s.snapshot.types()) versions[t] = s.snapshot.version(t);
    const watchesByType: Record<string, number> = {};
    for (const [t, ch] of s.channels) watchesByType[t] = ch.watches.size;
    return {
      key: s.key,
      node: s.node,
      versions,
      hasSnapshot: s.snapshot !== undefined,
      watches: s.watches,
      watchesByType,
      firstSeen: s.firstSeen,
      lastSeen: s.lastSeen,
      idleSince: s.idleSince,
      snapshotSetAt: s.snapshotSetAt,
      rejected: s.rejected,
    };
  }

  /** The status of every known node key. */
  statuses(): NodeStatus[] {
    return this.keys().map((k) => this.status(k)!);
  }

  /**
   * Forgets the client information of node keys idle (no open watch) for longer than
   * `nodeIdleTimeout`; keys without a snapshot leave the cache. Runs periodically and before
   * `status()`/`keys()`.
   *
   * @returns the keys forgotten
   */
  sweepIdle(now = this.now()): string[] {
    if (this.idleTimeout === undefined) return [];
    const out: string[] = [];
    for (const s of this.states.values()) {
      if (s.watches > 0 || s.idleSince === undefined || now - s.idleSince < this.idleTimeout) continue;
      out.push(s.key);
      s.idleSince = undefined;
      s.node = undefined;
      s.firstSeen = undefined;
      s.lastSeen = undefined;
      if (!s.snapshot && !s.rejected) this.states.delete(s.key);
    }
    return out;
  }

  /** Marks a TTL heartbeat due on every watch holding resources with a TTL; returns how many. */
  heartbeat(): number {
    return batch(() => this.ctx.heartbeat());
  }

  /** Sets the snapshot the `snapshotFor` hook gives for a key without one, if it gives one. */
  private fill(key: string, node: Node | undefined): void {
    const snapshot = this.snapshotFor?.(key, node);
    if (!snapshot) return;
    try {
      this.setSnapshot(key, snapshot);
    } catch (e) {
      // Recorded in status(key).rejected; the watch opens without a snapshot.
      if (!isXdsValidationError(e)) throw e;
    }
  }

  private open<W extends BaseWatch>(options: WatchOptions, make: (ch: Channel<BaseWatch>, onClose: (w: BaseWatch) => void) => W): W {
    const typeUrl = resolveTypeUrl(options.typeUrl);
    const key = this.keyOf(options.node);
    if (this.snapshotFor && !this.states.get(key)?.snapshot) this.fill(key, options.node);
    const state = this.state(key);
    const now = this.now();
    if (options.node) state.node = options.node;
    state.firstSeen ??= now;
    state.lastSeen = now;
    state.idleSince = undefined;
    state.watches++;
    let ch = state.channels.get(typeUrl);
    if (!ch) {
      ch = new Channel<BaseWatch>(typeUrl, state.snapshot ? (state.snapshot.setOf(typeUrl) ?? emptySet(typeUrl)) : undefined);
      if (ch.vhds) ch.vhds.ignorePort = (rc) => ignoresPort(state.snapshot, rc);
      state.channels.set(typeUrl, ch);
    }
    const channel = ch;
    return make(channel, () => {
      state.watches--;
      if (channel.watches.size === 0 && state.channels.get(typeUrl) === channel) state.channels.delete(typeUrl);
      if (state.watches === 0) state.idleSince = this.now();
    });
  }

  /**
   * Opens a SotW watch for a stream's type. Feed it every (non-stale) `DiscoveryRequest` with
   * `request()`, send what `take()` returns when `onReady` fires, `close()` it when the stream
   * ends.
   */
  watchSotw(options: WatchOptions): SotwWatch {
    return this.open(options, (ch, onClose) => new SotwWatch(ch, this.ctx, options, onClose));
  }

  /** Opens a delta watch for a stream's type (see {@link SnapshotCache.watchSotw}). */
  watchDelta(options: WatchOptions): DeltaWatch {
    return this.open(options, (ch, onClose) => new DeltaWatch(ch, this.ctx, options, onClose));
  }

  /** Stops the cache's timers (heartbeats, idle sweeping). Watches stay usable. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}
