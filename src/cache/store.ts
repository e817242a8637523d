/**
 * The content-addressed resource store: every distinct resource is encoded once into canonical
 * bytes and hashed once (SHA-256 hex); the hash is the resource's delta version.
 *
 * Every node, stream and snapshot holding an equal resource shares one {@link ResourceEntry}:
 * a response to 10,000 streams copies the same bytes 10,000 times but encodes them once
 * (go-control-plane re-encodes every resource for every node on every push). Entries are
 * reference counted by the caches that hold snapshots; an entry no held snapshot references any
 * more leaves the store.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { encode, typeInfo, type TypeInfo } from '../registry/codec.js';
import type { Duration } from '../gen/google/protobuf/duration.js';
import { durationText } from './resource.js';

/**
 * One distinct resource content: its canonical bytes, their hash, and the message.
 *
 * Entries are immutable and shared; never mutate `message` or `bytes`.
 */
export interface ResourceEntry {
  /** The type URL of the message. */
  readonly typeUrl: string;
  /** SHA-256 of `bytes`, lower-case hex. */
  readonly hash: string;
  /**
   * The resource version sent in delta responses (`Resource.version`): the hash, followed by
   * `/ttl=30s` when the resource has a TTL (a TTL change is a change the client must get).
   */
  readonly version: string;
  /**
   * The canonical encoding of the message (maps sorted): the `value` of its `Any` on the wire.
   */
  readonly bytes: Uint8Array;
  /** The message, as first given (treat as immutable). */
  readonly message: unknown;
  /**
   * The resource's time to live, when it has one.
   * @default undefined
   */
  readonly ttl?: Duration;
}

/** Counters of a {@link ResourceStore}. */
export interface StoreStats {
  /** Messages encoded since the store was made (one per distinct message object and content). */
  readonly encodes: number;
  /** SHA-256 hashes computed (one per encode). */
  readonly hashes: number;
  /** `put` calls answered without encoding (the same message object again, or equal content). */
  readonly hits: number;
  /** Entries currently in the store. */
  readonly entries: number;
  /** Entries held by at least one retained snapshot or linear cache. */
  readonly held: number;
  /** Total size of the canonical bytes of the entries in the store. */
  readonly bytes: number;
  /** Entries that left the store because nothing held them any more. */
  readonly released: number;
}

/** @internal The mutable side of an entry. */
class Entry implements ResourceEntry {
  refs = 0;
  listed = false;
  /** The next entry whose version has the same index slot. */
  next: Entry | undefined = undefined;
  /** The update item made from this entry (see watch.ts), shared by every stream. */
  item: unknown = undefined;
  constructor(
    readonly typeUrl: string,
    readonly hash: string,
    readonly version: string,
    readonly bytes: Uint8Array,
    readonly message: unknown,
    readonly ttl?: Duration,
  ) {}
}

/**
 * The index slot of a version: its first 7 hex digits as a number (28 bits). Numbers hash
 * faster than 64-character strings; the rare entries whose slots collide are chained.
 */
function slotOf(version: string): number {
  let x = 0;
  for (let i = 0; i < 7; i++) {
    const c = version.charCodeAt(i);
    x = (x << 4) | (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return x;
}

/** SHA-256 hex of some bytes (the one-shot `crypto.hash` where Node has it). */
const sha256: (bytes: Uint8Array) => string =
  typeof oneShotHash === 'function'
    ? (bytes) => oneShotHash('sha256', bytes, 'hex')
    : (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * A content-addressed store of resources.
 *
 * `put` returns the entry of a message, encoding and hashing it only when neither the same
 * message object nor an equal content was seen before. Snapshots take their entries from a store
 * (the {@link defaultStore} unless told otherwise); caches hold them with `acquire` and give them
 * back with `release`, and an entry whose last holder lets go is dropped.
 *
 * Messages given to the store are treated as immutable: the store remembers each message object
 * it encoded and does not encode it again, so mutating a message after putting it is a bug.
 *
 * @example
 * const store = new ResourceStore();
 * const e = store.put(TypeUrl.Cluster, cluster);
 * e.hash; // sha256 hex of the canonical bytes
 */
export class ResourceStore {
  /** type URL → version slot → entries (chained through `next`). */
  private readonly byKey = new Map<string, Map<number, Entry>>();
  private count = 0;
  private readonly byMessage = new Map<string, WeakMap<object, Entry>>();
  private readonly infos = new Map<string, TypeInfo>();
  private unheld = 0;
  private heldCount = 0;
  private byteCount = 0;
  private counters = { encodes: 0, hashes: 0, hits: 0, released: 0 };

  /**
   * The entry of a message of the given type (type URL): its canonical bytes and hash.
   *
   * Encodes and hashes only the first time a message object, or an equal content, is seen.
   * Throws for a type URL that is not registered.
   */
  put(typeUrl: string, message: unknown, ttl?: Duration): ResourceEntry {
    const base = this.base(typeUrl, message);
    if (!ttl) return base;
    const version = `${base.hash}/ttl=${durationText(ttl)}`;
    const found = this.lookup(base.typeUrl, version);
    if (found) return found;
    const e = new Entry(base.typeUrl, base.hash, version, base.bytes, base.message, ttl);
    this.list(e);
    return e;
  }

  private lookup(typeUrl: string, version: string): Entry | undefined {
    for (let e = this.byKey.get(typeUrl)?.get(slotOf(version)); e; e = e.next) if (e.version === version) return e;
    return undefined;
  }

  private info(typeUrl: string): TypeInfo {
    let info = this.infos.get(typeUrl);
    if (!info) this.infos.set(typeUrl, (info = typeInfo(typeUrl)));
    return info;
  }

  private base(typeUrl: string, message: unknown): Entry {
    if (message === null || typeof message !== 'object') {
      throw new TypeError(`a resource of ${typeUrl} must be a message object, got ${message === null ? 'null' : typeof message}`);
    }
    let seen = this.byMessage.get(typeUrl);
    if (!seen) this.byMessage.set(typeUrl, (seen = new WeakMap()));
    const known = seen.get(message);
    if (known) {
      this.counters.hits++;
      if (known.listed) return known;
      const listed = this.lookup(known.typeUrl, known.version);
      if (listed) {
        seen.set(message, listed);
        return listed;
      }
      this.list(known);
      return known;
    }
    const info = this.info(typeUrl);
    const bytes = encode(info.fullName, message);
    this.counters.encodes++;
    const hash = sha256(bytes);
    this.counters.hashes++;
    let e = this.lookup(info.typeUrl, hash);
    if (e) this.counters.hits++;
    else {
      e = new Entry(info.typeUrl, hash, hash, bytes, message);
      this.list(e);
    }
    seen.set(message, e);
    return e;
  }

  private list(e: Entry): void {
    if (e.refs === 0) this.unheld++;
    e.listed = true;
    let m = this.byKey.get(e.typeUrl);
    if (!m) this.byKey.set(e.typeUrl, (m = new Map()));
    const slot = slotOf(e.version);
    e.next = m.get(slot);
    m.set(slot, e);
    this.count++;
    this.byteCount += e.bytes.length;
  }

  private unlist(e: Entry): void {
    if (!e.listed) return;
    e.listed = false;
    const m = this.byKey.get(e.typeUrl)!;
    const slot = slotOf(e.version);
    const head = m.get(slot);
    if (head === e) {
      if (e.next) m.set(slot, e.next);
      else m.delete(slot);
    } else {
      for (let p = head; p; p = p.next) {
        if (p.next === e) {
          p.next = e.next;
          break;
        }
      }
    }
    e.next = undefined;
    this.count--;
    this.byteCount -= e.bytes.length;
    if (e.refs === 0) this.unheld--;
  }

  /**
   * Counts one more holder of an entry (a snapshot leaf held by a cache, a linear cache slot).
   * @internal Used by the caches; call `release` once for every `acquire`.
   */
  acquire(entry: ResourceEntry): void {
    const e = entry as Entry;
    if (e.refs++ > 0) return;
    this.heldCount++;
    if (e.listed) this.unheld--;
    else if (!this.lookup(e.typeUrl, e.version)) this.list(e);
  }

  /**
   * Counts one holder less; the entry leaves the store when nothing holds it any more.
   * @internal Used by the caches.
   */
  release(entry: ResourceEntry): void {
    const e = entry as Entry;
    if (e.refs <= 0) throw new Error('xdskit cache: released a store entry that was not acquired');
    if (--e.refs > 0) return;
    this.heldCount--;
    if (e.listed) {
      this.unheld++; // unlist() takes it back off
      this.unlist(e);
      this.counters.released++;
    }
  }

  /** True while the entry is in the store (held, or made recently and not yet swept). */
  has(entry: ResourceEntry): boolean {
    return (entry as Entry).listed === true;
  }

  /** How many holders an entry has. */
  holders(entry: ResourceEntry): number {
    return (entry as Entry).refs ?? 0;
  }

  /**
   * Drops every entry nothing holds (made by `put` for snapshots that no cache took).
   *
   * Runs by itself (after a cache takes a snapshot) when such entries outnumber the held ones;
   * call it to release them now.
   * Dropped entries stay valid for whoever still references them.
   *
   * @returns how many entries were dropped
   */
  sweep(): number {
    let n = 0;
    for (const m of this.byKey.values()) {
      for (const head of [...m.values()]) {
        for (let e: Entry | undefined = head; e; ) {
          const next: Entry | undefined = e.next;
          if (e.refs === 0) {
            this.unlist(e);
            n++;
          }
          e = next;
        }
      }
    }
    this.counters.released += n;
    return n;
  }

  /**
   * Sweeps when entries nothing holds outnumber the held ones (and there are more than a few
   * thousand): amortised O(1) per entry. The caches call it after they took a snapshot, so a
   * snapshot being built is never swept from under its builder.
   * @internal
   */
  maybeSweep(): void {
    if (this.unheld > Math.max(4096, this.heldCount)) this.sweep();
  }

  /** Entries in the store. */
  get size(): number {
    return this.count;
  }

  /** Counters: encodes, hashes, hits, entries, held, bytes, released. */
  stats(): StoreStats {
    return { ...this.counters, entries: this.count, held: this.heldCount, bytes: this.byteCount };
  }
}

/** The store snapshots use when none is given. */
export const defaultStore: ResourceStore = new ResourceStore();
