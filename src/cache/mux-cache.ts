/**
 * Serving types from different caches: EDS from a `LinearCache`, the rest from a
 * `SnapshotCache`, say.
 */
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
  }

  /** The cache serving a type. Throws when no cache serves it. */
  cacheFor(type: TypeKey): ConfigWatcher {
    const typeUrl = resolveTypeUrl(type);
    const c = this.routes.get(typeUrl) ?? this.fallback;
    if (!c) throw new Error(`no cache serves ${typeUrl}`);
    return c;
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
