/**
 * A persistent hash trie (HAMT) of resource name → value: the per-type map inside a snapshot.
 *
 * Immutable once built: `set`/`remove` copy only the path from the root to the changed leaf
 * (at most 7 nodes of at most 32 slots), so a snapshot derived from another one shares every
 * untouched node with it. That sharing is what makes the cache's costs follow the change, not
 * the size:
 * - {@link trieDiff} skips every subtree the two tries share (`a === b`), so the diff of two
 *   snapshots derived from each other costs O(changed), and falls back to comparing values
 *   where nothing is shared;
 * - {@link retainTrie}/{@link releaseTrie} count references per node: retaining a new root
 *   only walks the nodes it does not share with an already retained trie, so the store learns
 *   which entries gained or lost their last holder in O(changed);
 * - {@link trieDigest} caches a 128-bit order-independent sum per node, so a derived type
 *   version costs O(changed) too.
 *
 * Batches (`TrieEditor`) mutate the nodes they created themselves in place (an owner token), so
 * building 100k leaves or applying a 1,000-item patch does not copy a path per item.
 *
 * @internal
 */

const LEAF = 0;
const BRANCH = 1;
const COLLISION = 2;

/** One name → value binding. Shared between tries as long as neither name nor value change. */
export interface Leaf<V> {
  readonly t: 0;
  readonly k: string;
  readonly h: number;
  readonly v: V;
  /** How many retained parents (or roots) hold this leaf. */
  rc: number;
}

interface Branch<V> {
  readonly t: 1;
  bm: number;
  a: TrieNode<V>[];
  /** Owner token of the batch that created the node (mutable only inside that batch). */
  o: object | undefined;
  rc: number;
  /** Cached digest (4 lanes), computed on demand. */
  d?: number[];
}

interface Collision<V> {
  readonly t: 2;
  readonly h: number;
  leaves: Leaf<V>[];
  o: object | undefined;
  rc: number;
  d?: number[];
}

/** A node of the trie; `undefined` is the empty trie. */
export type TrieNode<V> = Leaf<V> | Branch<V> | Collision<V>;

/** 32-bit FNV-1a of a string's UTF-16 code units, finished with a murmur3 mix. */
export function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** A new leaf (not yet in any trie). */
export function leaf<V>(k: string, v: V, h = hashName(k)): Leaf<V> {
  return { t: LEAF, k, h, v, rc: 0 };
}

/** The leaf bound to `k`, if any. */
export function trieGet<V>(root: TrieNode<V> | undefined, k: string, h = hashName(k)): Leaf<V> | undefined {
  let n = root;
  let shift = 0;
  while (n) {
    if (n.t === LEAF) return n.k === k ? n : undefined;
    if (n.t === BRANCH) {
      const bit = 1 << ((h >>> shift) & 31);
      if (!(n.bm & bit)) return undefined;
      n = n.a[popcount(n.bm & (bit - 1))];
      shift += 5;
    } else {
      if (n.h !== h) return undefined;
      for (const l of n.leaves) if (l.k === k) return l;
      return undefined;
    }
  }
  return undefined;
}

/** Calls `fn` for every leaf (in trie order, which is stable for a given content). */
export function trieForEach<V>(n: TrieNode<V> | undefined, fn: (l: Leaf<V>) => void): void {
  if (!n) return;
  if (n.t === LEAF) fn(n);
  else if (n.t === BRANCH) for (const c of n.a) trieForEach(c, fn);
  else for (const l of n.leaves) fn(l);
}

/**
 * Edits a trie in a batch: nodes created by this editor are mutated in place, every other node
 * is copied on first write. `root` is the result; the input trie is never changed.
 */
export class TrieEditor<V> {
  private readonly owner = {};
  /** Leaves added (new names), net of removals of names added in this batch. */
  sizeDelta = 0;

  constructor(public root: TrieNode<V> | undefined) {}

  private editable(n: Branch<V>): Branch<V> {
    if (n.o === this.owner) return n;
    return { t: BRANCH, bm: n.bm, a: n.a.slice(), o: this.owner, rc: 0 };
  }

  private editableCollision(n: Collision<V>): Collision<V> {
    if (n.o === this.owner) return n;
    return { t: COLLISION, h: n.h, leaves: n.leaves.slice(), o: this.owner, rc: 0 };
  }

  /**
   * Binds `l.k` to `l.v`. Returns the leaf it replaced, `undefined` for a new name, or `l`
   * itself when the name was already bound to the very same value (nothing changed).
   */
  set(l: Leaf<V>): Leaf<V> | undefined {
    const out: { prev?: Leaf<V> } = {};
    this.root = this.insert(this.root, l, 0, out);
    return out.prev;
  }

  /** Unbinds `k`; returns the removed leaf, if there was one. */
  remove(k: string, h = hashName(k)): Leaf<V> | undefined {
    const out: { prev?: Leaf<V> } = {};
    this.root = this.delete(this.root, k, h, 0, out);
    if (out.prev) this.sizeDelta--;
    return out.prev;
  }

  private insert(n: TrieNode<V> | undefined, l: Leaf<V>, shift: number, out: { prev?: Leaf<V> }): TrieNode<V> {
    if (!n) {
      this.sizeDelta++;
      return l;
    }
    if (n.t === LEAF) {
      if (n.k === l.k) {
        if (n.v === l.v) {
          out.prev = l;
          return n;
        }
        out.prev = n;
        return l;
      }
      this.sizeDelta++;
      return this.merge(n, l, shift);
    }
    if (n.t === BRANCH) {
      const bit = 1 << ((l.h >>> shift) & 31);
      const pos = popcount(n.bm & (bit - 1));
      if (!(n.bm & bit)) {
        this.sizeDelta++;
        const e = this.editable(n);
        e.a.splice(pos, 0, l);
        e.bm |= bit;
        return e;
      }
      const child = n.a[pos]!;
      const next = this.insert(child, l, shift + 5, out);
      if (next === child) return n;
      const e = this.editable(n);
      e.a[pos] = next;
      return e;
    }
    // Collision node: every leaf has the same full hash.
    if (n.h === l.h) {
      const i = n.leaves.findIndex((x) => x.k === l.k);
      if (i >= 0) {
        const prev = n.leaves[i]!;
        if (prev.v === l.v) {
          out.prev = l;
          return n;
        }
        out.prev = prev;
        const e = this.editableCollision(n);
        e.leaves[i] = l;
        return e;
      }
      this.sizeDelta++;
      const e = this.editableCollision(n);
      e.leaves.push(l);
      return e;
    }
    // Different hash: put the collision node under a branch and insert next to it.
    const wrapped: Branch<V> = { t: BRANCH, bm: 1 << ((n.h >>> shift) & 31), a: [n], o: this.owner, rc: 0 };
    return this.insert(wrapped, l, shift, out);
  }

  private merge(a: Leaf<V>, b: Leaf<V>, shift: number): TrieNode<V> {
    if (a.h === b.h) return { t: COLLISION, h: a.h, leaves: [a, b], o: this.owner, rc: 0 };
    const ia = (a.h >>> shift) & 31;
    const ib = (b.h >>> shift) & 31;
    if (ia === ib) return { t: BRANCH, bm: 1 << ia, a: [this.merge(a, b, shift + 5)], o: this.owner, rc: 0 };
    return { t: BRANCH, bm: (1 << ia) | (1 << ib), a: ia < ib ? [a, b] : [b, a], o: this.owner, rc: 0 };
  }

  private delete(n: TrieNode<V> | undefined, k: string, h: number, shift: number, out: { prev?: Leaf<V> }): TrieNode<V> | undefined {
    if (!n) return undefined;
    if (n.t === LEAF) {
      if (n.k !== k) return n;
      out.prev = n;
      return undefined;
    }
    if (n.t === BRANCH) {
      const bit = 1 << ((h >>> shift) & 31);
      if (!(n.bm & bit)) return n;
      const pos = popcount(n.bm & (bit - 1));
      const child = n.a[pos]!;
      const next = this.delete(child, k, h, shift + 5, out);
      if (next === child) return n;
      if (!next) {
        if (n.a.length === 1) return undefined;
        if (n.a.length === 2) {
          const other = n.a[1 - pos]!;
          if (other.t === LEAF) return other; // collapse: a branch never holds a lone leaf
        }
        const e = this.editable(n);
        e.a.splice(pos, 1);
        e.bm &= ~bit;
        return e;
      }
      if (next.t === LEAF && n.a.length === 1) return next;
      const e = this.editable(n);
      e.a[pos] = next;
      return e;
    }
    if (n.h !== h) return n;
    const i = n.leaves.findIndex((x) => x.k === k);
    if (i < 0) return n;
    out.prev = n.leaves[i];
    if (n.leaves.length === 2) return n.leaves[1 - i];
    const e = this.editableCollision(n);
    e.leaves.splice(i, 1);
    return e;
  }
}

/** Callbacks of {@link trieDiff}. */
export interface TrieDiffSink<V> {
  added(l: Leaf<V>): void;
  removed(l: Leaf<V>): void;
  changed(before: Leaf<V>, after: Leaf<V>): void;
}

/**
 * Compares two tries: every name only in `b` is added, only in `a` removed, in both with
 * different values (per `same`) changed.
 *
 * Subtrees shared by both tries are skipped without being visited, so tries derived from each
 * other diff in O(changed); unrelated tries diff in O(size) by comparing values.
 */
export function trieDiff<V>(
  a: TrieNode<V> | undefined,
  b: TrieNode<V> | undefined,
  sink: TrieDiffSink<V>,
  same: (x: V, y: V) => boolean,
): void {
  if (a === b) return;
  if (!a) return trieForEach(b, (l) => sink.added(l));
  if (!b) return trieForEach(a, (l) => sink.removed(l));
  if (a.t === BRANCH && b.t === BRANCH) {
    let bits = a.bm | b.bm;
    while (bits) {
      const bit = bits & -bits;
      bits &= ~bit;
      const ca = a.bm & bit ? a.a[popcount(a.bm & (bit - 1))] : undefined;
      const cb = b.bm & bit ? b.a[popcount(b.bm & (bit - 1))] : undefined;
      trieDiff(ca, cb, sink, same);
    }
    return;
  }
  if (a.t === LEAF && b.t === LEAF && a.k === b.k) {
    if (a.v !== b.v && !same(a.v, b.v)) sink.changed(a, b);
    return;
  }
  // Different shapes (a leaf where the other has a subtree, collisions): compare by name.
  const left = new Map<string, Leaf<V>>();
  trieForEach(a, (l) => left.set(l.k, l));
  trieForEach(b, (l) => {
    const x = left.get(l.k);
    if (!x) return sink.added(l);
    left.delete(l.k);
    if (x.v !== l.v && !same(x.v, l.v)) sink.changed(x, l);
  });
  for (const l of left.values()) sink.removed(l);
}

/**
 * Counts one more holder of a trie. The first time a node is held, its children are held in
 * turn, down to the leaves, whose values are passed to `acquire`. Nodes already held by another
 * trie stop the walk, so holding a trie derived from a held one costs O(changed).
 */
export function retainTrie<V>(n: TrieNode<V> | undefined, acquire: (v: V) => void): void {
  if (!n) return;
  if (n.rc++ > 0) return;
  if (n.t === LEAF) acquire(n.v);
  else if (n.t === BRANCH) for (const c of n.a) retainTrie(c, acquire);
  else for (const l of n.leaves) retainTrie(l, acquire);
}

/** Counts one holder less; values of leaves no longer held by anything go to `release`. */
export function releaseTrie<V>(n: TrieNode<V> | undefined, release: (v: V) => void): void {
  if (!n) return;
  if (n.rc <= 0) throw new Error('xdskit cache: released a trie node that was not retained');
  if (--n.rc > 0) return;
  if (n.t === LEAF) release(n.v);
  else if (n.t === BRANCH) for (const c of n.a) releaseTrie(c, release);
  else for (const l of n.leaves) releaseTrie(l, release);
}

/** Adds a leaf's contribution to `acc` (four 32-bit lanes). */
export type Contribution<V> = (l: Leaf<V>, acc: number[]) => void;

/**
 * The 128-bit order-independent digest of a trie: the lane-wise sum (mod 2^32) of each leaf's
 * contribution. Cached per inner node, so the digest of a derived trie costs O(changed).
 */
export function trieDigest<V>(n: TrieNode<V> | undefined, contribution: Contribution<V>): number[] {
  const out = [0, 0, 0, 0];
  if (n) addDigest(n, contribution, out);
  return out;
}

function addDigest<V>(n: TrieNode<V>, contribution: Contribution<V>, acc: number[]): void {
  if (n.t === LEAF) return contribution(n, acc);
  let d = n.d;
  if (!d) {
    d = [0, 0, 0, 0];
    if (n.t === BRANCH) for (const c of n.a) addDigest(c, contribution, d);
    else for (const l of n.leaves) contribution(l, d);
    n.d = d;
  }
  acc[0] = (acc[0]! + d[0]!) | 0;
  acc[1] = (acc[1]! + d[1]!) | 0;
  acc[2] = (acc[2]! + d[2]!) | 0;
  acc[3] = (acc[3]! + d[3]!) | 0;
}
