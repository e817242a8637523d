/**
 * Immutable snapshots: the complete config of a node (or a group of nodes), per type URL.
 */
import { typeInfo, type TypeRef } from '../registry/codec.js';
import { RESOURCE_KINDS, type ResourceKind } from '../registry/type-urls.js';
import { validateSnapshot, type SnapshotOptions as ValidateSnapshotOptions, type ValidationResult } from '../validate/index.js';
import { ResourceSet } from './resource-set.js';
import { assertUnique, resolveItems, type TypeItems } from './resource.js';
import { defaultStore, type ResourceEntry, type ResourceStore } from './store.js';
import { trieDiff } from './trie.js';

/** A type: a resource file kind (`clusters`), a type URL, a full name or a codec. */
export type TypeKey = ResourceKind | TypeRef;

/**
 * Resources of several types: a mapping by kind or type URL (`{ clusters: [...] }`,
 * `{ [TypeUrl.Listener]: [...] }`), or a `Map` of type URL → items (what `loadEnvoyConfig`
 * returns in `resources`).
 */
export type SnapshotInput =
  | { readonly [K in ResourceKind]?: TypeItems }
  | Readonly<Record<string, TypeItems>>
  | ReadonlyMap<string, TypeItems>;

/** Names to remove, per type. */
export type SnapshotRemovals = Readonly<Record<string, Iterable<string>>> | ReadonlyMap<string, Iterable<string>>;

/** An O(changed) change of a snapshot: resources to add or replace, names to remove. */
export interface SnapshotPatch {
  /**
   * Resources to add or replace, per type.
   * @default {}
   */
  readonly set?: SnapshotInput;
  /**
   * Names to remove, per type (names that do not exist are ignored).
   * @default {}
   */
  readonly remove?: SnapshotRemovals;
}

/** Options of {@link Snapshot.create}. */
export interface SnapshotOptions {
  /**
   * The store the resources are encoded into.
   * @default defaultStore
   */
  readonly store?: ResourceStore;
  /**
   * The version of every type in the snapshot.
   * @default derived from the content of each type
   */
  readonly version?: string;
  /**
   * Versions per type (kind or type URL), over `version`.
   * @default derived from the content of each type
   */
  readonly versions?: Readonly<Record<string, string>>;
}

const urlCache = new Map<unknown, string>();

/**
 * The type URL of a type key: a kind (`clusters`), a type URL, a full name or a codec.
 * Throws for a type that is not registered.
 */
export function resolveTypeUrl(type: TypeKey): string {
  let url = urlCache.get(type);
  if (url !== undefined) return url;
  url = typeof type === 'string' && Object.hasOwn(RESOURCE_KINDS, type) ? RESOURCE_KINDS[type as ResourceKind] : typeInfo(type).typeUrl;
  urlCache.set(type, url);
  return url;
}

function entriesOf<V>(input: ReadonlyMap<string, V> | Readonly<Record<string, V>>): [string, V][] {
  return input instanceof Map ? [...input] : Object.entries(input as Record<string, V>);
}

function versionFor(versions: Readonly<Record<string, string>> | undefined, typeUrl: string, fallback: string | undefined): string | undefined {
  if (versions) for (const [k, v] of Object.entries(versions)) if (resolveTypeUrl(k) === typeUrl) return v;
  return fallback;
}

/**
 * An immutable snapshot: per type URL, a map name → resource and a version.
 *
 * Any registered type URL may appear. A type that is absent holds no resources. Deriving a
 * snapshot (`with`, `without`, `patch`) costs O(changed) and shares every untouched resource
 * with the original, so the diff between them costs O(changed) too.
 *
 * @example
 * const v1 = Snapshot.create({ clusters: [api, web], listeners: [ingress] });
 * const v2 = v1.with('clusters', [apiWithNewTimeout]);
 * diff(v1, v2); // { 'type.googleapis.com/envoy.config.cluster.v3.Cluster': { added: [], modified: ['api'], removed: [] } }
 */
export class Snapshot {
  private constructor(
    /** The store holding this snapshot's entries. */
    readonly store: ResourceStore,
    private readonly sets: ReadonlyMap<string, ResourceSet>,
  ) {}

  /**
   * A snapshot of the given resources.
   *
   * Each resource is encoded and hashed once in the store (unless the same message object or an
   * equal content is already there). Throws `XdsValidationError` for an unnamed resource or a
   * name given twice in a type, and an error for an unregistered type.
   */
  static create(resources: SnapshotInput = {}, options: SnapshotOptions = {}): Snapshot {
    const store = options.store ?? defaultStore;
    const sets = new Map<string, ResourceSet>();
    for (const [key, items] of entriesOf(resources as ReadonlyMap<string, TypeItems>)) {
      if (items === undefined || items === null) continue;
      const typeUrl = resolveTypeUrl(key);
      const version = versionFor(options.versions, typeUrl, options.version);
      const prev = sets.get(typeUrl);
      if (prev) {
        sets.set(typeUrl, prev.edit(resolveItems(store, typeUrl, items), [], version));
        continue;
      }
      // Into an empty set, duplicates show as fewer names than items: no name set needed.
      const pairs = resolveItems(store, typeUrl, items, false);
      const set = ResourceSet.empty(typeUrl).edit(pairs, [], version);
      if (set.size !== pairs.length) assertUnique(typeUrl, pairs);
      sets.set(typeUrl, set);
    }
    return new Snapshot(store, sets);
  }

  /** A snapshot with no resources. */
  static empty(store: ResourceStore = defaultStore): Snapshot {
    return new Snapshot(store, new Map());
  }

  /** The type URLs present (possibly with no resources), sorted. */
  types(): string[] {
    return [...this.sets.keys()].sort();
  }

  /** The resources of a type (an empty set when the type is absent). */
  resources(type: TypeKey): ResourceSet {
    const typeUrl = resolveTypeUrl(type);
    return this.sets.get(typeUrl) ?? ResourceSet.empty(typeUrl);
  }

  /** @internal The set of a type URL, if present. */
  setOf(typeUrl: string): ResourceSet | undefined {
    return this.sets.get(typeUrl);
  }

  /** True when the type is present (even with no resources). */
  has(type: TypeKey): boolean {
    return this.sets.has(resolveTypeUrl(type));
  }

  /** The message of a resource. */
  get(type: TypeKey, name: string): unknown {
    return this.sets.get(resolveTypeUrl(type))?.message(name);
  }

  /** The store entry of a resource: bytes, hash, version. */
  entry(type: TypeKey, name: string): ResourceEntry | undefined {
    return this.sets.get(resolveTypeUrl(type))?.get(name);
  }

  /** The version of a type (given, or derived from its content). */
  version(type: TypeKey): string {
    return this.resources(type).version;
  }

  /** The number of resources over all types. */
  get size(): number {
    let n = 0;
    for (const s of this.sets.values()) n += s.size;
    return n;
  }

  private withSet(set: ResourceSet): Snapshot {
    if (this.sets.get(set.typeUrl) === set) return this;
    const sets = new Map(this.sets);
    sets.set(set.typeUrl, set);
    return new Snapshot(this.store, sets);
  }

  /**
   * A snapshot with these resources added or replaced (by name) in a type. O(changed).
   *
   * The type's version becomes `options.version`, or is derived from the new content.
   */
  with(type: TypeKey, items: TypeItems, options: { version?: string } = {}): Snapshot {
    const typeUrl = resolveTypeUrl(type);
    const set = this.sets.get(typeUrl) ?? ResourceSet.empty(typeUrl);
    return this.withSet(set.edit(resolveItems(this.store, typeUrl, items), [], options.version));
  }

  /** A snapshot without these names in a type (names that do not exist are ignored). O(changed). */
  without(type: TypeKey, names: Iterable<string>, options: { version?: string } = {}): Snapshot {
    const typeUrl = resolveTypeUrl(type);
    const set = this.sets.get(typeUrl);
    if (!set) return this;
    return this.withSet(set.edit([], names, options.version));
  }

  /**
   * A snapshot with several types changed at once: `set` adds or replaces, `remove` drops.
   * Removals apply before additions. O(changed).
   */
  patch(patch: SnapshotPatch, options: { versions?: Readonly<Record<string, string>> } = {}): Snapshot {
    const removals = new Map<string, Iterable<string>>();
    for (const [k, names] of entriesOf(patch.remove ?? {})) removals.set(resolveTypeUrl(k), names);
    const additions = new Map<string, [string, ResourceEntry][]>();
    for (const [k, items] of entriesOf((patch.set ?? {}) as ReadonlyMap<string, TypeItems>)) {
      if (items === undefined || items === null) continue;
      const typeUrl = resolveTypeUrl(k);
      additions.set(typeUrl, [...(additions.get(typeUrl) ?? []), ...resolveItems(this.store, typeUrl, items)]);
    }
    return this.applyEntries(additions, removals, options.versions);
  }

  /**
   * A snapshot with prepared entries set and names removed, per type URL. O(changed).
   * @internal Used by `applyDiff` and the caches.
   */
  applyEntries(
    additions: ReadonlyMap<string, Iterable<readonly [string, ResourceEntry]>>,
    removals: ReadonlyMap<string, Iterable<string>>,
    versions?: Readonly<Record<string, string>>,
  ): Snapshot {
    let sets: Map<string, ResourceSet> | undefined;
    for (const typeUrl of new Set([...additions.keys(), ...removals.keys()])) {
      const set = this.sets.get(typeUrl) ?? ResourceSet.empty(typeUrl);
      const next = set.edit(additions.get(typeUrl) ?? [], removals.get(typeUrl) ?? [], versionFor(versions, typeUrl, undefined));
      if (next !== set || !this.sets.has(typeUrl)) (sets ??= new Map(this.sets)).set(typeUrl, next);
    }
    return sets ? new Snapshot(this.store, sets) : this;
  }

  /**
   * True when both snapshots hold the same resources (same names, same contents and TTLs) in
   * every type. Versions given by the caller are not compared. O(changed) for related snapshots.
   */
  equals(other: Snapshot): boolean {
    if (other === this) return true;
    for (const typeUrl of new Set([...this.sets.keys(), ...other.sets.keys()])) {
      const a = this.sets.get(typeUrl);
      const b = other.sets.get(typeUrl);
      if (a?.root === b?.root) continue;
      let differs = false;
      try {
        trieDiff(a?.root, b?.root, {
          added: () => { differs = true; throw STOP; },
          removed: () => { differs = true; throw STOP; },
          changed: () => { differs = true; throw STOP; },
        }, sameEntry);
      } catch (e) {
        if (e !== STOP) throw e;
      }
      if (differs) return false;
    }
    return true;
  }

  /**
   * The reference problems of the snapshot, from the validation layer: every RDS route
   * configuration, EDS service name, cluster named by a route or a TCP proxy, SDS secret and
   * ECDS config referenced exists; names are unique; no two listeners share an address. Each
   * resource's own field rules are not checked here (`SnapshotCache.setSnapshot(key, s,
   * { validate: true })` checks both).
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#eventual-consistency-considerations
   */
  consistent(options: Omit<ValidateSnapshotOptions, 'referencesOnly'> = {}): ValidationResult {
    return validateSnapshot(this.toMap(), { ...options, referencesOnly: true });
  }

  /** The messages per type URL (sorted by name): the shape `validateSnapshot` and `loadEnvoyConfig` use. */
  toMap(): Map<string, unknown[]> {
    const out = new Map<string, unknown[]>();
    for (const typeUrl of this.types()) out.set(typeUrl, this.sets.get(typeUrl)!.messages());
    return out;
  }
}

const STOP = Symbol('stop');

/** Equal content: same type and same version (hash, and TTL when there is one). */
export function sameEntry(a: ResourceEntry, b: ResourceEntry): boolean {
  return a === b || (a.version === b.version && a.typeUrl === b.typeUrl);
}
