import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, TypeUrl, messageNames, findType } from 'xdskit';
import { ResourceStore, Snapshot, SnapshotCache, withTtl } from 'xdskit/cache';
import { fillMessage } from '../support/arbitrary.js';
import { edsCluster, fixtureResources } from '../support/fixture.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('the resource store', () => {
  it('given a message, when it is put, then its entry holds the canonical bytes and their SHA-256 as hash and version', () => {
    const store = new ResourceStore();
    const c = edsCluster('api');
    const e = store.put(TypeUrl.Cluster, c);
    expect(Buffer.from(e.bytes).equals(Buffer.from(encode(TypeUrl.Cluster, c as never)))).toBe(true);
    expect(e.hash).toBe(sha(e.bytes));
    expect(e.version).toBe(e.hash);
    expect(e.typeUrl).toBe(TypeUrl.Cluster);
    expect(store.stats()).toMatchObject({ encodes: 1, hashes: 1, entries: 1 });
  });

  it('given the same message object put twice, then it is encoded once', () => {
    const store = new ResourceStore();
    const c = edsCluster('api');
    const a = store.put(TypeUrl.Cluster, c);
    const b = store.put(TypeUrl.Cluster, c);
    expect(b).toBe(a);
    expect(store.stats().encodes).toBe(1);
  });

  it('given two equal messages (different objects), then they share one entry', () => {
    const store = new ResourceStore();
    const a = store.put(TypeUrl.Cluster, edsCluster('api'));
    const b = store.put(TypeUrl.Cluster, edsCluster('api'));
    expect(b).toBe(a);
    expect(store.size).toBe(1);
  });

  it('given map fields in different insertion orders, then the bytes and hash are the same (maps are sorted)', () => {
    const store = new ResourceStore();
    const withMeta = (keys: string[]) => ({
      ...edsCluster('api'),
      metadata: { filterMetadata: Object.fromEntries(keys.map((k) => [k, { [`${k}-b`]: 1, [`${k}-a`]: 2 }])), typedFilterMetadata: {} },
    });
    const a = store.put(TypeUrl.Cluster, withMeta(['x', 'a', 'm']));
    const b = store.put(TypeUrl.Cluster, withMeta(['m', 'x', 'a']));
    expect(b.hash).toBe(a.hash);
    expect(Buffer.from(a.bytes).equals(Buffer.from(encode(TypeUrl.Cluster, withMeta(['a', 'm', 'x']) as never)))).toBe(true);
  });

  it('given any registered message type, then the store bytes equal the registry encode byte for byte', () => {
    const types = messageNames().filter((n) => findType(n) && !n.startsWith('google.protobuf.'));
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.integer({ min: 0, max: 1_000_000 }), (type, seed) => {
        const m = fillMessage(type, seed);
        const e = new ResourceStore().put(findType(type)!.typeUrl, m);
        expect(Buffer.from(e.bytes).equals(Buffer.from(encode(type, m)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('given an Any whose content was encoded elsewhere with its maps unsorted, then the store bytes still equal the registry encode', () => {
    const meta = findType('envoy.config.core.v3.Metadata')!;
    const foreign = Buffer.from(meta.codec.encode({ filterMetadata: { b: { x: 1 }, a: { y: 2 } } } as never).finish());
    const packed = (value: Buffer) => ({
      ...edsCluster('api'),
      typedExtensionProtocolOptions: { 'envoy.x': { typeUrl: meta.typeUrl, value } },
    });
    const store = new ResourceStore();
    const a = store.put(TypeUrl.Cluster, packed(foreign));
    expect(Buffer.from(a.bytes).equals(Buffer.from(encode(TypeUrl.Cluster, packed(foreign) as never)))).toBe(true);
    // The same content encoded canonically (as pack() does) is the same resource.
    const canonical = Buffer.from(meta.codec.encode({ filterMetadata: { a: { y: 2 }, b: { x: 1 } } } as never).finish());
    expect(store.put(TypeUrl.Cluster, packed(canonical))).toBe(a);
  });

  it('given a TTL, then the entry shares the bytes but has its own version carrying the TTL', () => {
    const store = new ResourceStore();
    const c = edsCluster('api');
    const plain = store.put(TypeUrl.Cluster, c);
    const spec = withTtl(c, '30s');
    const timed = store.put(TypeUrl.Cluster, spec.resource, spec.ttl);
    expect(timed.bytes).toBe(plain.bytes);
    expect(timed.hash).toBe(plain.hash);
    expect(timed.version).toBe(`${plain.hash}/ttl=30s`);
    expect(timed.ttl).toEqual({ seconds: '30', nanos: 0 });
    expect(store.stats().encodes).toBe(1);
  });

  it('given a resource with and without a TTL held by different keys, then each leaves the store on its own', () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store });
    const c = edsCluster('api');
    cache.setSnapshot('plain', Snapshot.create({ clusters: [c] }, { store }));
    cache.setSnapshot('timed', Snapshot.create({ clusters: [withTtl(c, '5s')] }, { store }));
    const plain = cache.getSnapshot('plain')!.entry('clusters', 'api')!;
    const timed = cache.getSnapshot('timed')!.entry('clusters', 'api')!;
    expect(store.size).toBe(2);
    cache.clearSnapshot('plain');
    expect([store.has(plain), store.has(timed)]).toEqual([false, true]);
    expect(store.put(TypeUrl.Cluster, c, timed.ttl)).toBe(timed);
    cache.setSnapshot('plain', Snapshot.create({ clusters: [c] }, { store }));
    cache.clearSnapshot('timed');
    expect([store.has(plain), store.has(timed)]).toEqual([true, false]);
    expect(store.put(TypeUrl.Cluster, c)).toBe(plain);
    expect(store.stats().encodes).toBe(1);
  });

  it('given entries held by a cache, when no snapshot holds them any more, then they leave the store', () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store });
    const s1 = Snapshot.create(fixtureResources(), { store });
    cache.setSnapshot('a', s1);
    cache.setSnapshot('b', s1);
    const api = s1.entry('clusters', 'api')!;
    expect(store.holders(api)).toBe(1); // one trie leaf, held by both keys through shared nodes
    const s2 = s1.without('clusters', ['api']);
    cache.setSnapshot('a', s2);
    expect(store.has(api)).toBe(true); // 'b' still holds it
    cache.setSnapshot('b', s2);
    expect(store.has(api)).toBe(false);
    expect(store.stats().released).toBeGreaterThanOrEqual(1);
    cache.clearSnapshot('a');
    cache.clearSnapshot('b');
    expect(store.stats()).toMatchObject({ held: 0, entries: 0 });
  });

  it('given a message whose entry was released, when it is put again, then it is not encoded again', () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store });
    const c = edsCluster('api');
    cache.setSnapshot('a', Snapshot.create({ clusters: [c] }, { store }));
    cache.clearSnapshot('a');
    expect(store.size).toBe(0);
    const again = store.put(TypeUrl.Cluster, c);
    expect(store.has(again)).toBe(true);
    expect(store.stats().encodes).toBe(1);
  });

  it('given snapshots no cache took, when the store is swept, then their entries leave it', () => {
    const store = new ResourceStore();
    Snapshot.create(fixtureResources(), { store });
    expect(store.size).toBeGreaterThan(0);
    store.sweep();
    expect(store.size).toBe(0);
  });

  it('rejects a resource that is not an object', () => {
    expect(() => new ResourceStore().put(TypeUrl.Cluster, 'api')).toThrow(/must be a message object/);
  });

  it('rejects an unregistered type URL', () => {
    expect(() => new ResourceStore().put('type.googleapis.com/not.a.Type', {})).toThrow(/unknown type/);
  });
});
