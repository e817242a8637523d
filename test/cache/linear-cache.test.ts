import { describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { LinearCache, MuxCache, ResourceStore, Snapshot, SnapshotCache } from 'xdskit/cache';
import { assignment, fixtureSnapshot } from '../support/fixture.js';
import { DeltaClient, namesOf, open } from './clients.js';

const EDS = TypeUrl.ClusterLoadAssignment;

describe('the linear cache', () => {
  it('serves one type to every node, each resource versioned by its content hash', () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('a', [1]), assignment('b', [2])] });
    expect(eds.typeUrl).toBe(EDS);
    expect(eds.names()).toEqual(['a', 'b']);
    const x = open(eds, 'delta', EDS, 'node-x');
    const y = open(eds, 'delta', EDS, 'node-y');
    x.watch.request({ resourceNamesSubscribe: ['a'] });
    y.watch.request({ resourceNamesSubscribe: ['a', 'b'] });
    const ux = x.watch.take()!;
    expect(namesOf(ux)).toEqual(['a']);
    expect(ux.resources[0]!.version).toBe(eds.get('a')!.hash);
    expect(namesOf(y.watch.take())).toEqual(['a', 'b']);
  });

  it('given update of a resource, then only the watches interested in it are woken', () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('a', [1]), assignment('b', [2])] });
    const x = open(eds, 'delta', EDS);
    const y = open(eds, 'delta', EDS);
    x.watch.request({ resourceNamesSubscribe: ['a'] });
    y.watch.request({ resourceNamesSubscribe: ['b'] });
    x.watch.take();
    y.watch.take();
    expect(eds.update(assignment('a', [5]))).toBe(true);
    expect(x.ready.count).toBe(2);
    expect(y.ready.count).toBe(1);
    expect(namesOf(x.watch.take())).toEqual(['a']);
  });

  it('given update with identical content, then nothing changes and no watch wakes', () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('a', [1])] });
    const x = open(eds, 'sotw', EDS);
    x.watch.request({ resourceNames: ['a'] });
    x.watch.take();
    const version = eds.version;
    expect(eds.update(assignment('a', [1]))).toBe(false);
    expect(eds.version).toBe(version);
    expect(x.ready.count).toBe(1);
  });

  it('given setAll, then only resources whose content changed are marked, and missing ones are removed', () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('a', [1]), assignment('b', [2]), assignment('c', [3])] });
    const client = new DeltaClient(open(eds, 'delta', EDS).watch);
    client.request([]);
    client.drain();
    const changed = eds.setAll([assignment('a', [1]), assignment('b', [20]), assignment('d', [4])]);
    expect(changed.sort()).toEqual(['b', 'c', 'd']);
    const u = client.watch.take()!;
    expect(namesOf(u)).toEqual(['b', 'd']);
    expect(u.removed).toEqual(['c']);
  });

  it('given updateMany and delete, then watches wake once per call with every change', () => {
    const eds = new LinearCache('endpoints');
    const w = open(eds, 'delta', EDS);
    w.watch.request({});
    expect(w.watch.take()).toBeUndefined(); // nothing to send yet (wildcard over an empty cache)
    eds.updateMany([assignment('a', [1]), assignment('b', [2])]);
    expect(w.ready.count).toBe(2);
    expect(namesOf(w.watch.take())).toEqual(['a', 'b']);
    expect(eds.delete('a')).toBe(true);
    expect(eds.delete('a')).toBe(false);
    expect(w.watch.take()).toMatchObject({ removed: ['a'] });
  });

  it('derives its version from the content, so equal content gives equal versions whatever the history', () => {
    const a = new LinearCache('endpoints', { resources: [assignment('x', [1]), assignment('y', [2])] });
    const b = new LinearCache('endpoints', { resources: [assignment('y', [9])] });
    b.update(assignment('x', [1]));
    expect(b.version).not.toBe(a.version);
    b.update(assignment('y', [2]));
    expect(b.version).toBe(a.version);
  });

  it('holds its entries in the store and releases replaced ones', () => {
    const store = new ResourceStore();
    const eds = new LinearCache('endpoints', { store, resources: [assignment('x', [1])] });
    const first = eds.get('x')!;
    eds.update(assignment('x', [2]));
    expect(store.has(first)).toBe(false);
    expect(store.stats().held).toBe(1);
    eds.delete('x');
    expect(store.stats().held).toBe(0);
  });

  it('rejects a watch for another type', () => {
    expect(() => new LinearCache('endpoints').watchSotw({ typeUrl: TypeUrl.Cluster })).toThrow(/serves/);
  });
});

describe('the mux cache', () => {
  it('routes EDS to a linear cache and the other types to a snapshot cache', () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('api', [7])] });
    const snapshots = new SnapshotCache();
    snapshots.setSnapshot('n1', fixtureSnapshot());
    const mux = new MuxCache({ endpoints: eds }, snapshots);
    const e = open(mux, 'sotw', EDS);
    const c = open(mux, 'sotw', TypeUrl.Cluster);
    e.watch.request({ resourceNames: ['api'] });
    c.watch.request({ resourceNames: [] });
    expect(e.watch.take()!.resources[0]!.version).toBe(eds.get('api')!.version);
    expect(namesOf(c.watch.take())).toEqual(['api', 'web']);
    expect(() => new MuxCache({ endpoints: eds }).watchSotw({ typeUrl: TypeUrl.Cluster })).toThrow(/no cache serves/);
    expect(mux.cacheFor('endpoints')).toBe(eds);
    expect(Snapshot.empty().size).toBe(0);
  });
});
