/**
 * The snapshot cache and delta engine: a content-addressed resource store, immutable
 * snapshots, the snapshot and linear caches, SotW and delta watches, and `diff`.
 *
 * @module
 */
export { ResourceStore, defaultStore, type ResourceEntry, type StoreStats } from './store.js';
export { resource, withTtl, toDuration, isResourceSpec, type ResourceSpec, type ResourceItem, type TypeItems, type DurationInput } from './resource.js';
export { ResourceSet, type ResourceView } from './resource-set.js';
export {
  Snapshot,
  resolveTypeUrl,
  sameEntry,
  type TypeKey,
  type SnapshotInput,
  type SnapshotOptions,
  type SnapshotPatch,
  type SnapshotRemovals,
} from './snapshot.js';
export { diff, diffSets, applyDiff, isEmptyDiff, type TypeDiff, type SnapshotDiff } from './diff.js';
export {
  Subscription,
  WILDCARD,
  isGlob,
  collectionKey,
  globKey,
  type SubscriptionChange,
} from './subscription.js';
export {
  SotwWatch,
  DeltaWatch,
  type Watch,
  type ConfigWatcher,
  type WatchOptions,
  type WatchEngineOptions,
  type SotwRequest,
  type DeltaRequest,
  type SotwUpdate,
  type DeltaUpdate,
  type UpdateResource,
} from './watch.js';
export {
  SnapshotCache,
  type SnapshotCacheOptions,
  type SetSnapshotOptions,
  type SnapshotValidation,
  type NodeStatus,
  type Rejection,
} from './snapshot-cache.js';
export { LinearCache, type LinearCacheOptions } from './linear-cache.js';
export { MuxCache } from './mux-cache.js';
export { vhdsAlias, parseVhdsName, hostWithoutPort } from './vhds.js';
export { byNodeId, byNodeCluster, byMetadata, type NodeKeyFn } from './node-key.js';
