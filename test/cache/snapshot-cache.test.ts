import { describe, expect, it } from 'vitest';
import { TypeUrl, isXdsValidationError } from 'xdskit';
import { ResourceStore, Snapshot, SnapshotCache, byMetadata, byNodeCluster } from 'xdskit/cache';
import { edsCluster, fixtureResources, fixtureSnapshot } from '../support/fixture.js';
import { namesOf } from './clients.js';

describe('the snapshot cache', () => {
  it('keys snapshots by node id by default', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    expect(cache.nodeKey({ id: 'envoy-1', cluster: 'x' })).toBe('envoy-1');
    const w = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'envoy-1' } });
    w.request({ resourceNames: [] });
    expect(namesOf(w.take())).toEqual(['api', 'web']);
  });

  it('given a grouping node key (node.cluster), then every replica of a service shares one snapshot', () => {
    const cache = new SnapshotCache({ nodeKey: byNodeCluster });
    cache.setSnapshot('payments', fixtureSnapshot());
    const a = cache.watchDelta({ typeUrl: 'clusters', node: { id: 'pod-1', cluster: 'payments' } });
    const b = cache.watchDelta({ typeUrl: 'clusters', node: { id: 'pod-2', cluster: 'payments' } });
    a.request({});
    b.request({});
    expect(namesOf(a.take())).toEqual(['api', 'web']);
    expect(namesOf(b.take())).toEqual(['api', 'web']);
    expect(cache.status('payments')!.watches).toBe(2);
  });

  it('given a metadata node key, then nodes are grouped by that field, with a fallback', () => {
    const key = byMetadata('role', 'default');
    expect(key({ id: 'a', metadata: { role: 'ingress' } })).toBe('ingress');
    expect(key({ id: 'b' })).toBe('default');
  });

  it('given patch on a key without a snapshot, then it starts from an empty one', () => {
    const cache = new SnapshotCache();
    const s = cache.patch('k', { set: { clusters: [edsCluster('a')] } });
    expect(cache.getSnapshot('k')).toBe(s);
    expect(s.resources('clusters').names()).toEqual(['a']);
  });

  it('given patch, then the new snapshot shares everything untouched with the old one', () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store });
    cache.setSnapshot('k', fixtureSnapshot({ store }));
    const encodes = store.stats().encodes;
    cache.patch('k', { set: { clusters: [edsCluster('api', 5)] }, remove: { endpoints: ['web'] } });
    expect(store.stats().encodes).toBe(encodes + 1);
    expect(cache.getSnapshot('k')!.resources('endpoints').names()).toEqual(['api']);
  });

  describe('validation', () => {
    it('rejects an invalid snapshot with every problem, and the last good one keeps serving', () => {
      const cache = new SnapshotCache({ validate: true });
      const good = fixtureSnapshot();
      cache.setSnapshot('k', good);
      const w = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'k' } });
      w.request({ resourceNames: [] });
      w.take();
      const bad = good.without('clusters', ['web']); // a route still sends to web
      let err: unknown;
      try {
        cache.setSnapshot('k', bad);
      } catch (e) {
        err = e;
      }
      expect(isXdsValidationError(err)).toBe(true);
      expect((err as Error).message).toMatch(/rejected; the previous one keeps serving/);
      expect(cache.getSnapshot('k')).toBe(good);
      expect(w.take()).toBeUndefined();
      const st = cache.status('k')!;
      expect(st.rejected!.problems.length).toBeGreaterThan(0);
      expect(st.rejected!.problems.map((p) => p.message).join()).toMatch(/web/);
      cache.setSnapshot('k', good.with('clusters', [edsCluster('web', 2)]));
      expect(cache.status('k')!.rejected).toBeUndefined();
    });

    it('rejects a resource that breaks its field rules', () => {
      const cache = new SnapshotCache();
      const r = fixtureResources();
      const broken = Snapshot.create({ ...r, clusters: [...r.clusters, { ...edsCluster('neg'), connectTimeout: { seconds: '-1', nanos: 0 } }] });
      expect(() => cache.setSnapshot('k', broken, { validate: true })).toThrow(/connect_timeout/);
      expect(cache.getSnapshot('k')).toBeUndefined();
    });

    it('rejects an invalid patch and keeps the snapshot', () => {
      const cache = new SnapshotCache({ validate: true });
      const good = fixtureSnapshot();
      cache.setSnapshot('k', good);
      expect(() => cache.patch('k', { remove: { routes: ['local_route'] } })).toThrow();
      expect(cache.getSnapshot('k')).toBe(good);
    });

    it('given validation off for one call, then the snapshot is taken as is', () => {
      const cache = new SnapshotCache({ validate: true });
      cache.setSnapshot('k', fixtureSnapshot().without('clusters', ['web']), { validate: false });
      expect(cache.getSnapshot('k')!.resources('clusters').names()).toEqual(['api']);
    });
  });

  describe('status', () => {
    it('reports versions per type, open watches per type and when the node was seen', () => {
      let now = 1000;
      const cache = new SnapshotCache({ now: () => now });
      const snap = fixtureSnapshot();
      cache.setSnapshot('k', snap);
      const w = cache.watchDelta({ typeUrl: TypeUrl.Cluster, node: { id: 'k', cluster: 'c' } });
      now = 2000;
      const st = cache.status('k')!;
      expect(st).toMatchObject({ key: 'k', hasSnapshot: true, watches: 1, watchesByType: { [TypeUrl.Cluster]: 1 }, firstSeen: 1000, snapshotSetAt: 1000 });
      expect(st.node).toEqual({ id: 'k', cluster: 'c' });
      expect(st.versions[TypeUrl.Cluster]).toBe(snap.version('clusters'));
      w.close();
      expect(cache.status('k')).toMatchObject({ watches: 0, idleSince: 2000 });
      expect(cache.status('nobody')).toBeUndefined();
    });

    it('given a node with no stream for longer than nodeIdleTimeout, then it is dropped from status', () => {
      let now = 0;
      const cache = new SnapshotCache({ nodeIdleTimeout: 60_000, now: () => now });
      const w = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'gone' } });
      const k = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'kept' } });
      cache.setSnapshot('kept', fixtureSnapshot());
      w.close();
      k.close();
      now = 30_000;
      expect(cache.keys().sort()).toEqual(['gone', 'kept']);
      now = 61_000;
      expect(cache.sweepIdle()).toEqual(['gone', 'kept']);
      expect(cache.status('gone')).toBeUndefined();
      // A node with a snapshot keeps it; only its client information goes.
      expect(cache.status('kept')).toMatchObject({ hasSnapshot: true, node: undefined, idleSince: undefined });
      cache.close();
    });

    it('given a node that reconnects before the timeout, then it stays', () => {
      let now = 0;
      const cache = new SnapshotCache({ nodeIdleTimeout: 10_000, now: () => now });
      cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'n' } }).close();
      now = 5000;
      const w = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'n' } });
      now = 20_000;
      expect(cache.sweepIdle()).toEqual([]);
      expect(cache.status('n')!.watches).toBe(1);
      w.close();
      cache.close();
    });
  });

  it('given 100 streams taking an update, then nothing is encoded and every stream gets the same pre-encoded item', () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store, nodeKey: () => 'all' });
    cache.setSnapshot('all', fixtureSnapshot({ store }));
    const watches = Array.from({ length: 100 }, (_, i) => {
      const w = i % 2 ? cache.watchDelta({ typeUrl: TypeUrl.Cluster }) : cache.watchSotw({ typeUrl: TypeUrl.Cluster });
      if (w.kind === 'delta') w.request({});
      else w.request({ resourceNames: [] });
      w.take();
      return w;
    });
    const encodes = store.stats().encodes;
    cache.patch('all', { set: { clusters: [edsCluster('api', 4)] } });
    const items = watches.map((w) => w.take()!.resources.find((r) => r.name === 'api')!);
    expect(store.stats().encodes).toBe(encodes + 1);
    expect(new Set(items).size).toBe(1);
    expect(items[0]!.bytes).toBe(cache.getSnapshot('all')!.entry('clusters', 'api')!.bytes);
  });

  it('given 1,000 node keys sharing one snapshot, then its resources are encoded once and held once', () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store });
    const snap = fixtureSnapshot({ store });
    for (let i = 0; i < 1000; i++) cache.setSnapshot(`node-${i}`, snap);
    expect(store.stats()).toMatchObject({ encodes: 6, entries: 6, held: 6 });
    for (let i = 0; i < 1000; i++) cache.clearSnapshot(`node-${i}`);
    expect(store.stats()).toMatchObject({ entries: 0, held: 0 });
  });

  describe('the default-snapshot hook (snapshotFor)', () => {
    it('given a watch for a key without a snapshot, then the hook is asked once and its snapshot is served', () => {
      const asked: [string, string | undefined][] = [];
      const cache = new SnapshotCache({
        nodeKey: byNodeCluster,
        snapshotFor: (key, node) => {
          asked.push([key, node?.id]);
          return fixtureSnapshot();
        },
      });
      const a = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'pod-1', cluster: 'payments' } });
      a.request({ resourceNames: [] });
      expect(namesOf(a.take())).toEqual(['api', 'web']);
      const b = cache.watchDelta({ typeUrl: TypeUrl.ClusterLoadAssignment, node: { id: 'pod-2', cluster: 'payments' } });
      b.request({});
      expect(namesOf(b.take())).toEqual(['api', 'web']);
      expect(asked).toEqual([['payments', 'pod-1']]);
      expect(cache.snapshotKeys()).toEqual(['payments']);
    });

    it('given a key that has a snapshot, then the hook is not asked', () => {
      let asked = 0;
      const cache = new SnapshotCache({ snapshotFor: () => (asked++, fixtureSnapshot()) });
      cache.setSnapshot('k', fixtureSnapshot());
      cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'k' } });
      expect(asked).toBe(0);
    });

    it('given the hook has nothing for a key, then the watch waits, and the hook is asked again at the next watch', () => {
      let ready = false;
      let asked = 0;
      const cache = new SnapshotCache({ snapshotFor: () => (asked++, ready ? fixtureSnapshot() : undefined) });
      const a = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'k' } });
      a.request({ resourceNames: [] });
      expect(a.take()).toBeUndefined();
      expect(a.view).toBeUndefined();
      ready = true;
      const b = cache.watchSotw({ typeUrl: TypeUrl.Listener, node: { id: 'k' } });
      expect(asked).toBe(2);
      // The snapshot the second watch brought reaches the first one too.
      expect(a.pending).toBe(true);
      expect(namesOf(a.take())).toEqual(['api', 'web']);
      b.close();
    });

    it('rejects an invalid default snapshot when the cache validates: the watch opens without one and status records why', () => {
      const cache = new SnapshotCache({ validate: true, snapshotFor: () => fixtureSnapshot().without('clusters', ['web']) });
      const w = cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'k' } });
      w.request({ resourceNames: [] });
      expect(w.take()).toBeUndefined();
      expect(cache.getSnapshot('k')).toBeUndefined();
      expect(cache.status('k')!.rejected!.problems.length).toBeGreaterThan(0);
    });

    it('fails the watch when the hook throws', () => {
      const cache = new SnapshotCache({
        snapshotFor: () => {
          throw new Error('no config store');
        },
      });
      expect(() => cache.watchSotw({ typeUrl: TypeUrl.Cluster, node: { id: 'k' } })).toThrow('no config store');
      expect(cache.keys()).toEqual([]);
    });
  });

  it('given a watch, then its view is the current resources of its type for its node key, read-only', () => {
    const cache = new SnapshotCache();
    const w = cache.watchDelta({ typeUrl: TypeUrl.Cluster, node: { id: 'k' } });
    expect(w.view).toBeUndefined();
    const snap = fixtureSnapshot();
    cache.setSnapshot('k', snap);
    expect(w.view!.version).toBe(snap.version(TypeUrl.Cluster));
    expect(w.view!.get('api')).toBe(snap.entry('clusters', 'api'));
    cache.patch('k', { remove: { clusters: ['api'] } });
    expect(w.view!.get('api')).toBeUndefined();
    cache.clearSnapshot('k');
    expect(w.view).toBeUndefined();
  });
});
