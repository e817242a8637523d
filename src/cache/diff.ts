/**
 * The diff engine: what changed between two snapshots, per type, from content hashes.
 */
import { ResourceSet, type ResourceView } from './resource-set.js';
import { Snapshot, sameEntry } from './snapshot.js';
import type { ResourceEntry } from './store.js';
import { trieDiff } from './trie.js';

/** What changed in one type. Names are sorted. */
export interface TypeDiff {
  /** Names only in the newer snapshot. */
  readonly added: readonly string[];
  /** Names in both whose content (or TTL) differs. */
  readonly modified: readonly string[];
  /** Names only in the older snapshot. */
  readonly removed: readonly string[];
  /** The newer entries of the added and modified names. */
  readonly resources: ReadonlyMap<string, ResourceEntry>;
}

/** What changed between two snapshots, by type URL; types without a change are left out. */
export type SnapshotDiff = Readonly<Record<string, TypeDiff>>;

const byName = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The difference between two sets of one type, or `undefined` when they hold the same content.
 *
 * O(changed) when one set was derived from the other (they share every untouched node);
 * otherwise every resource is compared by its content hash (no encoding: the hashes are in
 * the entries).
 */
export function diffSets(a: ResourceSet | undefined, b: ResourceSet | undefined): TypeDiff | undefined {
  if (a?.root === b?.root) return undefined;
  const added: string[] = [];
  const modified: string[] = [];
  const removed: string[] = [];
  const resources = new Map<string, ResourceEntry>();
  trieDiff(
    a?.root,
    b?.root,
    {
      added: (l) => {
        added.push(l.k);
        resources.set(l.k, l.v);
      },
      removed: (l) => removed.push(l.k),
      changed: (_, l) => {
        modified.push(l.k);
        resources.set(l.k, l.v);
      },
    },
    sameEntry,
  );
  if (!added.length && !modified.length && !removed.length) return undefined;
  return { added: added.sort(byName), modified: modified.sort(byName), removed: removed.sort(byName), resources };
}

/**
 * What changed from snapshot `a` to snapshot `b`: per type URL, the added, modified and removed
 * names. An absent snapshot counts as empty.
 *
 * Costs O(changed) for snapshots derived from each other with `with`, `without`, `patch` or
 * `SnapshotCache.patch` (and for any two snapshots derived from a common one): the persistent
 * maps they are built on share every untouched node, and shared nodes are skipped without
 * being visited. Unrelated snapshots (built separately from the same files, say) are compared
 * resource by resource through their content hashes, never by re-encoding.
 *
 * @example
 * for (const [typeUrl, d] of Object.entries(diff(before, after))) console.log(typeUrl, d.added, d.modified, d.removed);
 */
export function diff(a: Snapshot | undefined, b: Snapshot | undefined): SnapshotDiff {
  const out: Record<string, TypeDiff> = {};
  const types = new Set([...(a?.types() ?? []), ...(b?.types() ?? [])]);
  for (const typeUrl of [...types].sort()) {
    const d = diffSets(a?.setOf(typeUrl), b?.setOf(typeUrl));
    if (d) out[typeUrl] = d;
  }
  return out;
}

/** True when a diff has no change. */
export function isEmptyDiff(d: SnapshotDiff): boolean {
  return Object.keys(d).length === 0;
}

/**
 * Applies a diff to a snapshot: `applyDiff(a, diff(a, b))` holds the same resources as `b`.
 * O(changed).
 */
export function applyDiff(snapshot: Snapshot, d: SnapshotDiff): Snapshot {
  const additions = new Map<string, Iterable<readonly [string, ResourceEntry]>>();
  const removals = new Map<string, Iterable<string>>();
  for (const [typeUrl, t] of Object.entries(d)) {
    additions.set(typeUrl, t.resources);
    removals.set(typeUrl, t.removed);
  }
  return snapshot.applyEntries(additions, removals);
}

/**
 * The names whose entry differs between two views of one type (added, modified or removed),
 * unsorted: what the watch engine needs to notify. O(changed) for related sets.
 * @internal
 */
export function changedNames(a: ResourceView | undefined, b: ResourceView | undefined): string[] | undefined {
  if (a === b) return [];
  if ((a === undefined || a instanceof ResourceSet) && (b === undefined || b instanceof ResourceSet)) {
    const out: string[] = [];
    trieDiff(
      a?.root,
      b?.root,
      { added: (l) => out.push(l.k), removed: (l) => out.push(l.k), changed: (_, l) => out.push(l.k) },
      sameEntry,
    );
    return out;
  }
  return undefined;
}
