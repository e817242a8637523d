/**
 * Serving types from different caches: EDS from a `LinearCache`, the rest from a
 * `SnapshotCache`, say.
 */
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import { byNodeId } from './node-key.js';
import { resolveTypeUrl, type TypeKey } from './snapshot.js';
import type { ConfigWatcher, DeltaWatch, SotwWatch, WatchOptions } from './watch.js';

/**
 * A {@link ConfigWatcher} that routes each type to the cache serving it.
 *
 * @example
 * const eds = new LinearCache('endpoints');
 * const snapshots = new SnapshotCache();
 * createXdsServer({ cache: new MuxCache({ endpoints: eds }, snapshots) });
 */
export class MuxCache implements ConfigWatcher {
  private readonly routes = new Map<string, ConfigWatcher>();
  /** The cache whose node key this one uses. */
  private readonly keyed: ConfigWatcher | undefined;

  /**
   * @param byType the cache of each type (kind, type URL or full name)
   * @param fallback the cache of every other type; without one, other types throw
   */
  constructor(
    byType: Readonly<Record<string, ConfigWatcher>> | ReadonlyMap<TypeKey, ConfigWatcher>,
    private readonly fallback?: ConfigWatcher,
  ) {
    const entries = byType instanceof Map ? [...byType] : Object.entries(byType);
    for (const [type, cache] of entries) this.routes.set(resolveTypeUrl(type as TypeKey), cache);
    this.keyed = fallback?.nodeKey ? fallback : [...this.routes.values()].find((c) => c.nodeKey);
  }

  /** The cache serving a type. Throws when no cache serves it. */
  cacheFor(type: TypeKey): ConfigWatcher {
    const typeUrl = resolveTypeUrl(type);
    const c = this.routes.get(typeUrl) ?? this.fallback;
    if (!c) throw new Error(`no cache serves ${typeUrl}`);
    return c;
  }

  /**
   * The node key of a client's `Node`: the fallback cache's, else that of the first cache given
   * that keys nodes (a `SnapshotCache`), else `node.id`. A server groups its status by it, so it
   * matches the keys snapshots are set under.
   */
  nodeKey(node: Node | undefined): string {
    return this.keyed ? this.keyed.nodeKey!(node) : byNodeId(node);
  }

  /** Opens a SotW watch on the cache serving the type. */
  watchSotw(options: WatchOptions): SotwWatch {
    return this.cacheFor(options.typeUrl).watchSotw(options);
  }

  /** Opens a delta watch on the cache serving the type. */
  watchDelta(options: WatchOptions): DeltaWatch {
    return this.cacheFor(options.typeUrl).watchDelta(options);
  }
}
