import { describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { LinearCache, MuxCache, SnapshotCache, byNodeCluster } from 'xdskit/cache';
import { assignment, fixtureSnapshot } from '../support/fixture.js';
import { namesOf } from './clients.js';

describe('the mux cache', () => {
  it('routes each type to its cache, and the other types to the fallback', () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('api', [8081])] });
    const snapshots = new SnapshotCache();
    snapshots.setSnapshot('envoy-1', fixtureSnapshot());
    const mux = new MuxCache({ endpoints: eds }, snapshots);
    expect(mux.cacheFor(TypeUrl.ClusterLoadAssignment)).toBe(eds);
    expect(mux.cacheFor('clusters')).toBe(snapshots);
    const w = mux.watchDelta({ typeUrl: TypeUrl.ClusterLoadAssignment, node: { id: 'envoy-1' } });
    w.request({ resourceNamesSubscribe: ['api'] });
    expect(namesOf(w.take())).toEqual(['api']);
    expect(eds.watchCount).toBe(1);
  });

  it('given a fallback that keys nodes, then its node key is the fallback one', () => {
    const mux = new MuxCache({ endpoints: new LinearCache('endpoints') }, new SnapshotCache({ nodeKey: byNodeCluster }));
    expect(mux.nodeKey({ id: 'pod-1', cluster: 'payments' })).toBe('payments');
  });

  it('given no fallback, then its node key is that of the first cache given that keys nodes', () => {
    const mux = new MuxCache({ endpoints: new LinearCache('endpoints'), clusters: new SnapshotCache({ nodeKey: byNodeCluster }) });
    expect(mux.nodeKey({ id: 'pod-1', cluster: 'payments' })).toBe('payments');
  });

  it('given only caches that serve every node alike, then its node key is node.id', () => {
    const mux = new MuxCache({ endpoints: new LinearCache('endpoints') });
    expect(mux.nodeKey({ id: 'pod-1', cluster: 'payments' })).toBe('pod-1');
    expect(mux.nodeKey(undefined)).toBe('');
  });

  it('fails to watch a type no cache serves', () => {
    const mux = new MuxCache({ endpoints: new LinearCache('endpoints') });
    expect(() => mux.watchSotw({ typeUrl: TypeUrl.Cluster })).toThrow(/no cache serves/);
  });
});
