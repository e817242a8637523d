import { describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { Snapshot, SnapshotCache, resource } from 'xdskit/cache';
import { assignment, edsCluster, fixtureSnapshot } from '../support/fixture.js';
import { DeltaClient, namesOf, open } from './clients.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

function setup(options: ConstructorParameters<typeof SnapshotCache>[0] = {}) {
  const cache = new SnapshotCache(options);
  const snap = fixtureSnapshot();
  cache.setSnapshot('n1', snap);
  return { cache, snap };
}

describe('delta watches (spec: Incremental xDS)', () => {
  it('given a legacy wildcard first request, then every resource is sent with its content hash as version', () => {
    const { cache, snap } = setup();
    const { watch } = open(cache, 'delta', CDS);
    watch.request({});
    const u = watch.take()!;
    expect(u).toMatchObject({ kind: 'delta', typeUrl: CDS, systemVersionInfo: snap.version('clusters'), removed: [] });
    expect(namesOf(u)).toEqual(['api', 'web']);
    expect(u.resources.find((r) => r.name === 'web')!.version).toBe(snap.entry('clusters', 'web')!.hash);
  });

  it('given one resource modified, then only that resource is sent', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'delta', CDS);
    watch.request({});
    watch.take();
    cache.patch('n1', { set: { clusters: [edsCluster('web', 2)] } });
    expect(ready.count).toBe(2);
    const u = watch.take()!;
    expect(namesOf(u)).toEqual(['web']);
    expect(u.removed).toEqual([]);
  });

  it('given a resource deleted that the client was sent, then it is reported in removed_resources', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'delta', CDS);
    watch.request({});
    watch.take();
    cache.patch('n1', { remove: { clusters: ['api'] } });
    expect(watch.take()).toMatchObject({ resources: [], removed: ['api'] });
  });

  it('reports removal only for names that were sent', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['api'] });
    watch.take();
    cache.patch('n1', { remove: { endpoints: ['web'] } });
    expect(ready.count).toBe(1);
    expect(watch.take()).toBeUndefined();
  });

  it('given a subscription to a name that does not exist, then it is answered as removed and sent when it appears', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['later'] });
    expect(watch.take()).toMatchObject({ resources: [], removed: ['later'] });
    cache.patch('n1', { set: { endpoints: [assignment('later', [1])] } });
    expect(ready.count).toBe(2);
    expect(namesOf(watch.take())).toEqual(['later']);
  });

  it('given reportMissing: false, then a missing name just parks', () => {
    const { cache } = setup({ reportMissing: false });
    const { watch } = open(cache, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['later'] });
    expect(watch.take()).toBeUndefined();
  });

  it('given a subscription to a name the client already holds, then it is sent again (the client may have dropped it)', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['api'] });
    watch.take();
    watch.request({ resourceNamesSubscribe: ['api'] });
    expect(namesOf(watch.take())).toEqual(['api']);
  });

  it('given a name unsubscribed (no wildcard), then no response is sent and later changes to it are not either', () => {
    const { cache } = setup();
    const { watch, ready } = open(cache, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['api', 'web'] });
    watch.take();
    watch.request({ resourceNamesUnsubscribe: ['web'] });
    expect(watch.take()).toBeUndefined();
    cache.patch('n1', { set: { endpoints: [assignment('web', [5])] } });
    expect(ready.count).toBe(1);
    expect(watch.sentVersions().has('web')).toBe(false); // evicted from the stream's state
  });

  it('given a name unsubscribed while the wildcard covers it, then it is sent again so the client knows to keep it', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'delta', CDS);
    watch.request({ resourceNamesSubscribe: ['*', 'api'] });
    watch.take();
    watch.request({ resourceNamesUnsubscribe: ['api'] });
    expect(watch.take()).toMatchObject({ removed: [] });
  });

  it('given a name unsubscribed while a wildcard is on but the name does not exist, then it is reported removed', () => {
    const { cache } = setup();
    const { watch } = open(cache, 'delta', CDS);
    watch.request({ resourceNamesSubscribe: ['*', 'ghost'] });
    watch.take();
    watch.request({ resourceNamesUnsubscribe: ['ghost'] });
    expect(watch.take()).toMatchObject({ resources: [], removed: ['ghost'] });
  });

  it('given the wildcard unsubscribed, then names only it covered leave the stream state silently', () => {
    const { cache } = setup();
    const client = new DeltaClient(open(cache, 'delta', CDS).watch);
    client.request(['*', 'api']);
    client.drain();
    client.request([], ['*']);
    expect(client.drain()).toBe(0);
    expect([...client.held.keys()]).toEqual(['api']);
    expect([...client.watch.sentVersions().keys()]).toEqual(['api']);
    cache.patch('n1', { set: { clusters: [edsCluster('web', 4)] } });
    expect(client.watch.take()).toBeUndefined();
  });

  describe('initial_resource_versions on a reconnect', () => {
    it('sends only what differs and reports removed what the client holds that no longer exists', () => {
      const { cache, snap } = setup();
      const { watch } = open(cache, 'delta', CDS);
      watch.request({
        resourceNamesSubscribe: ['*'],
        initialResourceVersions: { api: snap.entry('clusters', 'api')!.version, web: 'stale', gone: 'x' },
      });
      const u = watch.take()!;
      expect(namesOf(u)).toEqual(['web']);
      expect(u.removed).toEqual(['gone']);
    });

    it('works with the legacy wildcard (no names, only initial versions)', () => {
      const { cache, snap } = setup();
      const { watch } = open(cache, 'delta', CDS);
      watch.request({ initialResourceVersions: { api: snap.entry('clusters', 'api')!.version, web: snap.entry('clusters', 'web')!.version } });
      expect(watch.take()).toBeUndefined();
    });

    it('given names the client holds but no longer asks for, then they are reported removed', () => {
      const { cache, snap } = setup();
      const { watch } = open(cache, 'delta', EDS);
      watch.request({ resourceNamesSubscribe: ['api'], initialResourceVersions: { api: snap.entry('endpoints', 'api')!.version, web: 'v' } });
      expect(watch.take()).toMatchObject({ resources: [], removed: ['web'] });
    });
  });

  describe('glob collections', () => {
    const coll = 'xdstp://mesh/envoy.config.endpoint.v3.ClusterLoadAssignment/team-a';
    const snapshot = () =>
      Snapshot.create({ endpoints: [assignment(`${coll}/x`, [1]), assignment(`${coll}/y`, [2]), assignment(`${coll}/sub/z`, [3]), assignment('plain', [4])] });

    it('given a glob subscription, then the collection’s members are sent, and new members as they appear', () => {
      const cache = new SnapshotCache();
      cache.setSnapshot('n1', snapshot());
      const { watch, ready } = open(cache, 'delta', EDS);
      watch.request({ resourceNamesSubscribe: [`${coll}/*`] });
      expect(namesOf(watch.take())).toEqual([`${coll}/x`, `${coll}/y`]);
      cache.patch('n1', { set: { endpoints: [assignment(`${coll}/w`, [5]), assignment('other', [6])] } });
      expect(ready.count).toBe(2);
      expect(namesOf(watch.take())).toEqual([`${coll}/w`]);
      cache.patch('n1', { remove: { endpoints: [`${coll}/x`] } });
      expect(watch.take()).toMatchObject({ removed: [`${coll}/x`] });
    });

    it('given the glob unsubscribed, then its members leave the stream state', () => {
      const cache = new SnapshotCache();
      cache.setSnapshot('n1', snapshot());
      const client = new DeltaClient(open(cache, 'delta', EDS).watch);
      client.request([`${coll}/*`, 'plain']);
      client.drain();
      client.request([], [`${coll}/*`]);
      client.drain();
      expect([...client.held.keys()]).toEqual(['plain']);
      expect([...client.watch.sentVersions().keys()]).toEqual(['plain']);
    });
  });

  describe('cost', () => {
    it('given 1,000 watches on distinct names, then changing one name wakes only its watch', () => {
      const cache = new SnapshotCache();
      const names = Array.from({ length: 1000 }, (_, i) => `c${i}`);
      cache.setSnapshot('n1', Snapshot.create({ endpoints: names.map((n) => assignment(n, [1])) }));
      const watches = names.map((n) => {
        const w = open(cache, 'delta', EDS);
        w.watch.request({ resourceNamesSubscribe: [n] });
        w.watch.take();
        return w;
      });
      cache.patch('n1', { set: { endpoints: [assignment('c500', [2])] } });
      expect(watches.filter((w) => w.ready.count > 1).map((w) => w.watch.subscription.names())).toEqual([new Set(['c500'])]);
    });

    it('given a resource with an explicit name (LEDS), then it is served under that name', () => {
      const cache = new SnapshotCache();
      const name = 'xdstp://mesh/envoy.config.endpoint.v3.LbEndpoint/api/10.0.0.1:80';
      cache.setSnapshot('n1', Snapshot.create({ [TypeUrl.LbEndpoint]: [resource({ loadBalancingWeight: 3 }, { name })] }));
      const { watch } = open(cache, 'delta', TypeUrl.LbEndpoint);
      watch.request({ resourceNamesSubscribe: ['xdstp://mesh/envoy.config.endpoint.v3.LbEndpoint/api/*'] });
      expect(namesOf(watch.take())).toEqual([name]);
    });
  });
});
