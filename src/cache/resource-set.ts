/**
 * The resources of one type in a snapshot: an immutable map name → entry, with a version.
 */
import type { ResourceEntry } from './store.js';
import { TrieEditor, hashName, leaf, trieDigest, trieForEach, trieGet, type Leaf, type TrieNode } from './trie.js';

/**
 * What a watch reads of one type: the resources by name and the type version.
 *
 * Implemented by {@link ResourceSet} (a snapshot's type) and by the live state of a
 * `LinearCache`.
 */
export interface ResourceView {
  /** The type URL of the resources. */
  readonly typeUrl: string;
  /** The version of the type (SotW `version_info`, delta `system_version_info`). */
  readonly version: string;
  /** Number of resources. */
  readonly size: number;
  /** The entry of a name, if the resource exists. */
  get(name: string): ResourceEntry | undefined;
  /** Calls `fn` for every resource. */
  forEach(fn: (entry: ResourceEntry, name: string) => void): void;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * A resource's share of the type version, added to `acc` (four 32-bit lanes): the resource
 * version's 128 leading bits (its content hash, already a SHA-256) mixed with the hash of its
 * name, so that two names swapping contents change the sum. The type version is the lane-wise
 * sum over the resources, so it depends on the content only (not on insertion order or history)
 * and is updated in O(changed).
 * @internal
 */
export function contributionOf(nameHash: number, version: string, acc: number[], sign = 1): void {
  const extra = version.length > 64 ? hashName(version.slice(64)) : 0;
  for (let lane = 0; lane < 4; lane++) {
    const w = parseInt(version.slice(lane * 8, lane * 8 + 8), 16) | 0;
    const n = Math.imul((nameHash + Math.imul(lane + 1, 0x9e3779b9)) | 0, 0x85ebca6b);
    acc[lane] = (acc[lane]! + sign * fmix(w ^ n ^ extra)) | 0;
  }
}

function contribution(l: Leaf<ResourceEntry>, acc: number[]): void {
  contributionOf(l.h, l.v.version, acc);
}

/** The version text of a digest: 32 hex digits. @internal */
export function digestHex(d: readonly number[]): string {
  return hex(d);
}

function hex(d: readonly number[]): string {
  let s = '';
  for (const x of d) s += (x >>> 0).toString(16).padStart(8, '0');
  return s;
}

/**
 * The resources of one type: an immutable map of name → {@link ResourceEntry}, and its version.
 *
 * The version is the one given by the caller, or derived from the content: a 128-bit sum over
 * (name, resource version) pairs, as 32 hex digits, so two replicas computing the same
 * resources agree on it without talking to each other.
 */
export class ResourceSet implements ResourceView {
  private derived?: string;

  /** @internal Use `Snapshot` methods to make sets. */
  constructor(
    readonly typeUrl: string,
    /** @internal */ readonly root: TrieNode<ResourceEntry> | undefined,
    readonly size: number,
    private readonly given?: string,
  ) {}

  /** An empty set of a type. */
  static empty(typeUrl: string, version?: string): ResourceSet {
    return new ResourceSet(typeUrl, undefined, 0, version);
  }

  /** The version: given when the set was made, or derived from the content. */
  get version(): string {
    if (this.given !== undefined) return this.given;
    return (this.derived ??= hex(trieDigest(this.root, contribution)));
  }

  /** The version derived from the content, whether or not one was given. */
  get contentVersion(): string {
    return (this.derived ??= hex(trieDigest(this.root, contribution)));
  }

  /** True when the version was given by the caller rather than derived. */
  get versionGiven(): boolean {
    return this.given !== undefined;
  }

  /** The entry of a name. */
  get(name: string): ResourceEntry | undefined {
    return trieGet(this.root, name)?.v;
  }

  /** The message of a name. */
  message(name: string): unknown {
    return trieGet(this.root, name)?.v.message;
  }

  /** True when a resource of that name exists. */
  has(name: string): boolean {
    return trieGet(this.root, name) !== undefined;
  }

  /** Calls `fn` for every resource (in a stable, content-determined order). */
  forEach(fn: (entry: ResourceEntry, name: string) => void): void {
    trieForEach(this.root, (l) => fn(l.v, l.k));
  }

  /** The names, sorted. */
  names(): string[] {
    const out: string[] = [];
    trieForEach(this.root, (l) => out.push(l.k));
    return out.sort();
  }

  /** `[name, entry]` pairs, sorted by name. */
  entries(): [string, ResourceEntry][] {
    const out: [string, ResourceEntry][] = [];
    trieForEach(this.root, (l) => out.push([l.k, l.v]));
    return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  }

  /** The messages, sorted by name. */
  messages(): unknown[] {
    return this.entries().map(([, e]) => e.message);
  }

  /** Iterates `[name, entry]` pairs, sorted by name. */
  [Symbol.iterator](): IterableIterator<[string, ResourceEntry]> {
    return this.entries()[Symbol.iterator]();
  }

  /**
   * A new set with `set` bound and `remove` unbound, sharing every untouched node with this one.
   * Returns this set itself when the content does not change and no other version is given.
   * @internal
   */
  edit(set: Iterable<readonly [string, ResourceEntry]>, remove: Iterable<string>, version?: string): ResourceSet {
    const ed = new TrieEditor(this.root);
    for (const name of remove) ed.remove(name);
    for (const [name, entry] of set) ed.set(leaf(name, entry, hashName(name)));
    if (ed.root === this.root && (version === undefined || version === this.given)) return this;
    return new ResourceSet(this.typeUrl, ed.root, this.size + ed.sizeDelta, version);
  }
}
