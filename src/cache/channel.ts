/**
 * One type's resources as seen by the watches of one node key (or of a linear cache), with the
 * index resource name → interested watches that makes an update cost O(changed × watches
 * interested in what changed).
 *
 * @internal
 */
import { TypeUrl } from '../registry/type-urls.js';
import type { ResourceView } from './resource-set.js';
import { collectionKey } from './subscription.js';
import { VhdsIndex, routeConfigurationOf } from './vhds.js';

/** What a channel needs of a watch. */
export interface ChannelWatch {
  /** A resource the watch is interested in changed (or appeared, or went away). */
  mark(name: string): void;
  /** Everything may have changed (the view was replaced without a known diff). */
  markAll(): void;
  /**
   * A virtual host of a route configuration the watch holds VHDS aliases under changed: the
   * aliases may resolve differently.
   */
  markRouteConfig?(routeConfiguration: string): void;
}

// -------------------------------------------------------------------------------------------
// Notifications: watches that became ready are told after the update that made them ready is
// complete, outside of any cache method, and each at most once per update.

let depth = 0;
let flushing = false;
const queue: (() => void)[] = [];

function flush(): void {
  // Not re-entrant: a callback that causes another notification (a request from inside
  // onReady) appends to the queue, and this loop delivers it.
  if (flushing) return;
  flushing = true;
  let firstError: unknown;
  let failed = false;
  try {
    for (let i = 0; i < queue.length; i++) {
      try {
        queue[i]!();
      } catch (e) {
        if (!failed) firstError = e;
        failed = true;
      }
    }
  } finally {
    queue.length = 0;
    flushing = false;
  }
  if (failed) {
    // A failing callback must not stop the others, nor fail the update that triggered it.
    queueMicrotask(() => {
      throw firstError;
    });
  }
}

/** Runs `fn`, delivering the readiness callbacks it causes when the outermost batch ends. */
export function batch<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    if (--depth === 0 && queue.length) flush();
  }
}

/** Schedules a readiness callback (now, or at the end of the current batch). */
export function notify(fn: () => void): void {
  queue.push(fn);
  if (depth === 0) flush();
}

/** Adds `w` to the set of `key` (made on demand) or removes it (the set goes when empty). */
function toggle<W>(index: Map<string, Set<W>>, key: string, w: W, on: boolean): void {
  let set = index.get(key);
  if (on) {
    if (!set) index.set(key, (set = new Set()));
    set.add(w);
  } else if (set) {
    set.delete(w);
    if (!set.size) index.delete(key);
  }
}

/** A type's current resources for one node key, and who is interested in which names. */
export class Channel<W extends ChannelWatch = ChannelWatch> {
  /** The current resources; `undefined` while the node key has no snapshot. */
  view: ResourceView | undefined;
  /** Every open watch on this channel. */
  readonly watches = new Set<W>();
  private readonly byName = new Map<string, Set<W>>();
  private readonly wildcards = new Set<W>();
  private readonly byGlob = new Map<string, Set<W>>();
  /** VHDS: route configuration → watches holding aliases under it. */
  private readonly byRouteConfig = new Map<string, Set<W>>();
  /**
   * The alias index of a VirtualHost channel (VHDS); undefined for every other type.
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds
   */
  readonly vhds: VhdsIndex | undefined;

  constructor(
    readonly typeUrl: string,
    view: ResourceView | undefined,
  ) {
    this.view = view;
    this.vhds = typeUrl === TypeUrl.VirtualHost ? new VhdsIndex() : undefined;
  }

  /** Adds or removes a watch's interest in a name. */
  interest(w: W, name: string, on: boolean): void {
    toggle(this.byName, name, w, on);
  }

  /** Adds or removes a watch's interest in a glob collection (by its index key). */
  interestGlob(w: W, key: string, on: boolean): void {
    toggle(this.byGlob, key, w, on);
  }

  /** Adds or removes a watch's wildcard interest. */
  interestWildcard(w: W, on: boolean): void {
    if (on) this.wildcards.add(w);
    else this.wildcards.delete(w);
  }

  /** Adds or removes a watch's interest in the aliases of a route configuration (VHDS). */
  interestRouteConfig(w: W, routeConfiguration: string, on: boolean): void {
    toggle(this.byRouteConfig, routeConfiguration, w, on);
  }

  /**
   * Marks the watches holding aliases under a route configuration, whose resolution may have
   * changed for a reason outside this channel (its RouteConfiguration changed).
   */
  touchRouteConfig(routeConfiguration: string): void {
    const ws = this.byRouteConfig.get(routeConfiguration);
    if (ws) for (const w of ws) w.markRouteConfig?.(routeConfiguration);
  }

  /** Route configurations some watch holds aliases under. */
  routeConfigsWatched(): IterableIterator<string> {
    return this.byRouteConfig.keys();
  }

  /** Number of names with at least one interested watch (for tests and status). */
  get indexedNames(): number {
    return this.byName.size;
  }

  /**
   * Replaces the view and marks the watches interested in the changed names. Without a list
   * of changed names (the view was unknown before), every watch is marked.
   */
  publish(view: ResourceView | undefined, changed: Iterable<string> | undefined): void {
    this.view = view;
    if (!view) return;
    if (changed === undefined) {
      this.vhds?.reset();
      for (const w of this.watches) w.markAll();
      return;
    }
    if (this.vhds) changed = this.publishVhds(view, changed);
    const wild = this.wildcards;
    const globs = this.byGlob;
    for (const name of changed) {
      const named = this.byName.get(name);
      if (named) for (const w of named) w.mark(name);
      if (wild.size) for (const w of wild) w.mark(name);
      if (globs.size) {
        const k = collectionKey(name);
        const g = k === undefined ? undefined : globs.get(k);
        if (g) for (const w of g) w.mark(name);
      }
    }
  }

  /**
   * VHDS: keeps the alias index in step with the view, and marks the watches whose aliases
   * under a changed virtual host's route configuration may now resolve differently.
   */
  private publishVhds(view: ResourceView, changed: Iterable<string>): readonly string[] {
    const list = Array.isArray(changed) ? (changed as string[]) : [...changed];
    this.vhds!.apply(view, list);
    if (this.byRouteConfig.size) {
      for (const name of list) {
        const rc = routeConfigurationOf(name);
        if (rc !== undefined) this.touchRouteConfig(rc);
      }
    }
    return list;
  }

  /** Forgets a watch entirely (on close). */
  remove(w: W, names: Iterable<string>, globKeys: Iterable<string>, routeConfigs: Iterable<string> = []): void {
    this.watches.delete(w);
    this.wildcards.delete(w);
    for (const n of names) this.interest(w, n, false);
    for (const k of globKeys) this.interestGlob(w, k, false);
    for (const rc of routeConfigs) this.interestRouteConfig(w, rc, false);
  }
}
