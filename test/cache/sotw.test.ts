import { describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { Snapshot, SnapshotCache } from 'xdskit/cache';
import { assignment, edsCluster, fixtureSnapshot } from '../support/fixture.js';
import { namesOf, open } from './clients.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const LDS = TypeUrl.Listener;

function setup() {
  const cache = new SnapshotCache();
  const snap = fixtureSnapshot();
  cache.setSnapshot('n1', snap);
  return { cache, snap };
}

describe('SotW watches of a full-state type (CDS; spec: Grouping Resources into Responses)', () => {
  it('given a legacy wildcard request, then the response holds every cluster, the type version and pre-encoded bytes', () => {
    const { cache, snap } = setup();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    expect(ready.count).toBe(1);
    const u = watch.take()!;
    expect(u).toMatchObject({ kind: 'sotw', typeUrl: CDS, versionInfo: snap.version('clusters'), heartbeat: false });
    expect(namesOf(u)).toEqual(['api', 'web']);
    const api = u.resources.find((r) => r.name === 'api')!;
    expect(api.bytes).toBe(snap.entry('clusters', 'api')!.bytes);
    expect(api.version).toBe(snap.entry('clusters', 'api')!.hash);
  });

  it('given an ACK (same names), then nothing is sent', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    const u = watch.take()!;
    watch.request({ resourceNames: [], versionInfo: u.versionInfo });
    expect(watch.take()).toBeUndefined();
    expect(ready.count).toBe(1);
  });

  it('given one cluster modified, then the next response still carries every cluster', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    watch.take();
    cache.patch('n1', { set: { clusters: [edsCluster('api', 9)] } });
    expect(ready.count).toBe(2);
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
  });

  it('given a cluster removed, then the response leaves it out (absence deletes it)', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    watch.take();
    cache.patch('n1', { remove: { clusters: ['web'] } });
    expect(namesOf(watch.take())).toEqual(['api']);
    cache.patch('n1', { remove: { clusters: ['api'] } });
    const u = watch.take()!;
    expect(u.resources).toEqual([]); // an empty response deletes everything
  });

  it('given explicit names (a gRPC client), then only those are sent, and a first request for a missing name is answered empty', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', LDS);
    watch.request({ resourceNames: ['missing'] });
    expect(watch.take()!.resources).toEqual([]);
    watch.request({ resourceNames: ['missing', 'ingress'] });
    expect(namesOf(watch.take())).toEqual(['ingress']);
  });

  it('given a change to a resource the client did not subscribe to, then the watch is not woken', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: ['api'] });
    watch.take();
    cache.patch('n1', { set: { clusters: [edsCluster('web', 3)], endpoints: [assignment('api', [1])] } });
    expect(ready.count).toBe(1);
    expect(watch.pending).toBe(false);
  });

  it('given a reconnect whose version_info is the current version (wildcard only), then nothing is resent until a change', () => {
    const { cache, snap } = setup();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [], versionInfo: snap.version('clusters') });
    expect(watch.take()).toBeUndefined();
    cache.patch('n1', { set: { clusters: [edsCluster('api', 4)] } });
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
  });

  it('given a reconnect with a stale version, then the full state is sent', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [], versionInfo: 'old' });
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
  });

  it('given a NACK (same names, old version), then the rejected version is not resent until the content changes', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    const first = watch.take()!;
    cache.patch('n1', { set: { clusters: [edsCluster('api', 8)] } });
    watch.take(); // the client NACKs this one
    watch.request({ resourceNames: [], versionInfo: first.versionInfo });
    expect(watch.take()).toBeUndefined();
    cache.patch('n1', { set: { clusters: [edsCluster('api', 2)] } });
    expect(watch.take()!.versionInfo).not.toBe(first.versionInfo);
  });
});

describe('SotW watches of the other types (EDS, RDS...)', () => {
  it('given names, then the response holds those that exist; a change sends only what changed', () => {
    const { cache, snap } = setup();
    const { watch } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['api', 'web'] });
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
    cache.patch('n1', { set: { endpoints: [assignment('api', [9])] } });
    const u = watch.take()!;
    expect(namesOf(u)).toEqual(['api']);
    expect(u.versionInfo).not.toBe(snap.version('endpoints'));
  });

  it('given a removal, then nothing is sent (absence means nothing for these types)', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['api', 'web'] });
    watch.take();
    cache.patch('n1', { remove: { endpoints: ['web'] } });
    expect(ready.count).toBe(2);
    expect(watch.take()).toBeUndefined();
  });

  it('given a name that does not exist yet, then the request parks until it appears (lazy loading)', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['later'] });
    expect(watch.take()).toBeUndefined();
    cache.patch('n1', { set: { endpoints: [assignment('later', [1])] } });
    expect(ready.count).toBe(2);
    expect(namesOf(watch.take())).toEqual(['later']);
  });

  it('given a name newly requested, then it is sent even when it was sent before and did not change', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['api'] });
    watch.take();
    watch.request({ resourceNames: [] }); // unsubscribes everything (not a wildcard any more)
    expect(watch.take()).toBeUndefined();
    watch.request({ resourceNames: ['api', 'web'] });
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
  });

  it('given sotwFullResponses, then every subscribed resource is sent on each change', () => {
    const cache = new SnapshotCache({ sotwFullResponses: true });
    cache.setSnapshot('n1', fixtureSnapshot());
    const { watch } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['api', 'web'] });
    watch.take();
    cache.patch('n1', { set: { endpoints: [assignment('api', [9])] } });
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
  });
});

describe('the pending-response slot', () => {
  it('given several updates before the stream takes one, then it gets one update with the newest state', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['api'] });
    watch.take();
    for (let p = 1; p <= 5; p++) cache.patch('n1', { set: { endpoints: [assignment('api', [p])] } });
    expect(ready.count).toBe(2); // signalled once, not five times
    const u = watch.take()!;
    expect(u.resources[0]!.version).toBe(cache.getSnapshot('n1')!.entry('endpoints', 'api')!.version);
    expect(watch.take()).toBeUndefined();
  });

  it('given changes that cancel out before the take, then nothing is sent', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['api'] });
    watch.take();
    const before = cache.getSnapshot('n1')!;
    cache.patch('n1', { set: { endpoints: [assignment('api', [77])] } });
    cache.setSnapshot('n1', before);
    expect(watch.pending).toBe(true);
    expect(watch.take()).toBeUndefined();
  });

  it('given a watch opened before any snapshot, then it is answered when the snapshot is set', () => {
    const cache = new SnapshotCache();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    expect(watch.take()).toBeUndefined();
    cache.setSnapshot('n1', fixtureSnapshot());
    expect(ready.count).toBe(2);
    expect(namesOf(watch.take())).toEqual(['api', 'web']);
  });

  it('given a snapshot cleared, then watches get nothing (clients keep what they have)', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    watch.take();
    cache.clearSnapshot('n1');
    expect(watch.take()).toBeUndefined();
  });

  it('given a snapshot for another node key, then this node’s watches are not woken', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    watch.take();
    cache.setSnapshot('n2', Snapshot.create({ clusters: [edsCluster('other')] }));
    expect(ready.count).toBe(1);
  });

  it('given a closed watch, then it is never signalled again and leaves the index', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: ['api'] });
    watch.take();
    watch.close();
    cache.patch('n1', { set: { clusters: [edsCluster('api', 6)] } });
    expect(ready.count).toBe(1);
    expect(watch.take()).toBeUndefined();
    expect(cache.status('n1')!.watches).toBe(0);
    expect(() => watch.request({ resourceNames: [] })).toThrow(/closed watch/);
  });

  it('given a callback that sends a request from inside onReady, then every watch is told once', () => {
    const { cache } = setup();
    const calls: string[] = [];
    const b = cache.watchSotw({ typeUrl: EDS, node: { id: 'n1' }, onReady: () => calls.push('b') });
    const a = cache.watchSotw({
      typeUrl: CDS,
      node: { id: 'n1' },
      onReady: (w) => {
        calls.push('a');
        w.take();
        b.request({ resourceNames: ['api'] });
      },
    });
    a.request({ resourceNames: [] });
    expect(calls).toEqual(['a', 'b']);
    b.take();
    cache.patch('n1', { set: { clusters: [edsCluster('api', 2)], endpoints: [assignment('api', [3])] } });
    expect(calls.slice(2).sort()).toEqual(['a', 'b']);
  });

  it('delivers onReady after the cache call that caused it, so a callback may call back into the cache', () => {
    const { cache } = setup();
    const seen: string[] = [];
    const watch = cache.watchSotw({
      typeUrl: CDS,
      node: { id: 'n1' },
      onReady: (w) => {
        const u = w.take();
        if (u) seen.push(...u.resources.map((r) => r.name));
      },
    });
    watch.request({ resourceNames: ['api'] });
    expect(seen).toEqual(['api']);
    cache.patch('n1', { set: { clusters: [edsCluster('api', 3)] } });
    expect(seen).toEqual(['api', 'api']);
  });
});
