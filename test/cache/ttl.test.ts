import { afterEach, describe, expect, it, vi } from 'vitest';
import { TypeUrl } from 'xdskit';
import { LinearCache, Snapshot, SnapshotCache, toDuration, withTtl } from 'xdskit/cache';
import { assignment, edsCluster } from '../support/fixture.js';
import { open } from './clients.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

function cacheWith(ttl = '30s') {
  const cache = new SnapshotCache();
  cache.setSnapshot(
    'n1',
    Snapshot.create({
      clusters: [withTtl(edsCluster('timed'), ttl), edsCluster('plain')],
      endpoints: [withTtl(assignment('timed', [1]), ttl), assignment('plain', [2])],
    }),
  );
  return cache;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('resources with a TTL (spec: TTL)', () => {
  it('parses durations', () => {
    expect(toDuration('30s')).toEqual({ seconds: '30', nanos: 0 });
    expect(toDuration('1.5s')).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(toDuration('250ms')).toEqual({ seconds: '0', nanos: 250_000_000 });
    expect(toDuration(2000)).toEqual({ seconds: '2', nanos: 0 });
    expect(toDuration('2m')).toEqual({ seconds: '120', nanos: 0 });
    expect(() => toDuration('soon')).toThrow(/invalid duration/);
  });

  it('given a resource with a TTL, then updates carry the TTL (SotW wraps it in discovery.v3.Resource from it)', () => {
    const cache = cacheWith();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    const u = watch.take()!;
    expect(u.resources.find((r) => r.name === 'timed')!.ttl).toEqual({ seconds: '30', nanos: 0 });
    expect(u.resources.find((r) => r.name === 'plain')!.ttl).toBeUndefined();
  });

  it('given a heartbeat on a delta watch, then only TTL resources are sent, as envelopes without the resource', () => {
    const cache = cacheWith();
    const { watch, ready } = open(cache, 'delta', CDS);
    watch.request({});
    const first = watch.take()!;
    expect(cache.heartbeat()).toBe(1);
    expect(ready.count).toBe(2);
    const hb = watch.take()!;
    expect(hb.heartbeat).toBe(true);
    expect(hb.resources).toEqual([
      { name: 'timed', version: first.resources.find((r) => r.name === 'timed')!.version, bytes: new Uint8Array(0), ttl: { seconds: '30', nanos: 0 }, heartbeat: true },
    ]);
    expect(hb.removed).toEqual([]);
    expect(watch.take()).toBeUndefined();
  });

  it('given a heartbeat on a SotW full-state watch, then TTL resources are envelopes and the others are sent in full', () => {
    const cache = cacheWith();
    const { watch } = open(cache, 'sotw', CDS);
    watch.request({ resourceNames: [] });
    watch.take();
    cache.heartbeat();
    const hb = watch.take()!;
    expect(hb.heartbeat).toBe(true);
    const timed = hb.resources.find((r) => r.name === 'timed')!;
    const plain = hb.resources.find((r) => r.name === 'plain')!;
    expect(timed.heartbeat).toBe(true);
    expect(timed.bytes.length).toBe(0);
    expect(plain.heartbeat).toBeUndefined();
    expect(plain.bytes.length).toBeGreaterThan(0);
  });

  it('given a heartbeat on a SotW watch of another type, then only the TTL resources are sent', () => {
    const cache = cacheWith();
    const { watch } = open(cache, 'sotw', EDS);
    watch.request({ resourceNames: ['timed', 'plain'] });
    watch.take();
    cache.heartbeat();
    const hb = watch.take()!;
    expect(hb.resources.map((r) => [r.name, r.heartbeat])).toEqual([['timed', true]]);
  });

  it('given watches holding no TTL resource, then heartbeats skip them', () => {
    const cache = cacheWith();
    const { watch, ready } = open(cache, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['plain'] });
    watch.take();
    expect(cache.heartbeat()).toBe(0);
    expect(ready.count).toBe(1);
  });

  it('given a pending change, then the update is a full one (it refreshes the TTL too), not a heartbeat', () => {
    const cache = cacheWith();
    const { watch } = open(cache, 'delta', CDS);
    watch.request({});
    watch.take();
    cache.heartbeat();
    cache.patch('n1', { set: { clusters: [withTtl(edsCluster('timed', 5), '30s')] } });
    const u = watch.take()!;
    expect(u.heartbeat).toBe(false);
    expect(u.resources[0]!.bytes.length).toBeGreaterThan(0);
  });

  it('given a TTL removed from a resource, then it is resent without TTL and heartbeats stop', () => {
    const cache = cacheWith();
    const { watch } = open(cache, 'delta', CDS);
    watch.request({});
    watch.take();
    cache.patch('n1', { set: { clusters: [edsCluster('timed')] } });
    const u = watch.take()!;
    expect(u.resources.map((r) => [r.name, r.ttl])).toEqual([['timed', undefined]]);
    expect(cache.heartbeat()).toBe(0);
  });

  it('given heartbeatInterval, then heartbeats are marked on that period', () => {
    vi.useFakeTimers();
    const eds = new LinearCache('endpoints', { heartbeatInterval: 5000, resources: [withTtl(assignment('a', [1]), '20s')] });
    const { watch, ready } = open(eds, 'delta', EDS);
    watch.request({ resourceNamesSubscribe: ['a'] });
    watch.take();
    vi.advanceTimersByTime(5000);
    expect(ready.count).toBe(2);
    expect(watch.take()!.heartbeat).toBe(true);
    eds.close();
    vi.advanceTimersByTime(5000);
    expect(ready.count).toBe(2);
  });
});
