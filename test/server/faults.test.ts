import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import v8 from 'node:v8';
import vm from 'node:vm';
import { decode, TypeUrl } from 'xdskit';
import { Snapshot, SnapshotCache } from 'xdskit/cache';
import { createXdsServer, type ResponseEvent, type XdsServer } from 'xdskit/server';
import { AdsClient, DeltaClient } from '../support/delta-client.js';
import { assignment, fixtureSnapshot } from '../support/fixture.js';
import { rawGrpcStream } from '../support/raw-grpc.js';
import { until as waitUntil } from '../support/wait.js';

let servers: XdsServer[] = [];
let closers: (() => void)[] = [];

afterEach(async () => {
  for (const c of closers) c();
  closers = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});

/** `count` assignments named c0..c{count-1}, each with `endpoints` endpoints; `round` changes their ports. */
function assignments(count: number, endpoints: number, round: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => assignment(`c${i}`, Array.from({ length: endpoints }, (_, j) => 10000 + round * 100 + j)));
}

const until = (check: () => boolean): Promise<void> => waitUntil(check, 10_000, 10);

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc ?? (v8.setFlagsFromString('--expose-gc'), vm.runInNewContext('gc') as () => void);
  g();
  g();
}

describe('a slow or stalled stream', () => {
  it('never delays the others, and keeps one pending update where the newest state wins', async () => {
    const cache = new SnapshotCache();
    const responses: ResponseEvent[] = [];
    const xds = createXdsServer({ cache, onResponse: (e) => responses.push(e) });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const base = Snapshot.create({ endpoints: assignments(300, 20, 0) });
    cache.setSnapshot('slow', base);
    cache.setSnapshot('fast', base);
    // The slow client reads its first response, then stops reading.
    const slow = rawGrpcStream(port, '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources', 'envoy.service.discovery.v3.DeltaDiscoveryRequest');
    closers.push(() => slow.close());
    slow.send({ node: { id: 'slow' }, typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: ['*'] });
    await until(() => slow.messages === 1);
    slow.pause();
    const fast = new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'fast' } });
    closers.push(() => fast.close());
    fast.subscribe(TypeUrl.ClusterLoadAssignment, ['*']);
    await fast.next();
    const rounds = 30;
    const latencies: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const update = { set: { endpoints: assignments(300, 20, round) } };
      const t0 = performance.now();
      cache.patch('slow', update);
      cache.patch('fast', update);
      const r = await fast.next(TypeUrl.ClusterLoadAssignment, 5000);
      latencies.push(r.at - t0);
      expect(r.response.resources).toHaveLength(300);
    }
    const toSlow = responses.filter((r) => r.stream.nodeKey === 'slow');
    // The first response, the one write HTTP/2 flow control stalled, and the one taken when
    // grpc-js accepted it: every other round collapsed into the watch's pending slot.
    expect(toSlow.length).toBeLessThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    expect(xds.status('slow')!.types[0]!.pending).toBe(true);
    // Once the client reads again, it gets the newest state, not every round.
    slow.resume();
    const latest = cache.getSnapshot('slow')!;
    const isLatest = (b: Buffer) =>
      (decode('envoy.service.discovery.v3.DeltaDiscoveryResponse', b).resources ?? []).every(
        (r) => latest.entry(TypeUrl.ClusterLoadAssignment, r.name!)!.version === r.version,
      );
    await until(() => slow.bodies.length > 1 && isLatest(slow.bodies.at(-1)!));
    await new Promise((r) => setTimeout(r, 200));
    expect(slow.messages).toBeLessThanOrEqual(4);
    expect(responses.filter((r) => r.stream.nodeKey === 'slow').length).toBe(slow.messages);
  });

  it('that disconnects in the middle of a push leaves nothing behind', async () => {
    const cache = new SnapshotCache();
    const xds = createXdsServer({ cache, statusRetentionMs: 0 });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    cache.setSnapshot('envoy-1', Snapshot.create({ endpoints: assignments(500, 20, 0) }));
    const watcher = new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    closers.push(() => watcher.close());
    watcher.subscribe(TypeUrl.ClusterLoadAssignment, ['c0']);
    await watcher.next();
    for (let i = 0; i < 10; i++) {
      const c = new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
      c.subscribe(TypeUrl.ClusterLoadAssignment, ['*']);
      await until(() => xds.stats().streams === 2);
      cache.patch('envoy-1', { set: { endpoints: assignments(500, 20, i + 1) } });
      // Leave while the server writes the 500 changed assignments.
      c.close();
      await watcher.next();
    }
    await until(() => xds.stats().streams === 1);
    expect(xds.stats()).toEqual({ streams: 1, watches: 1, nodes: 1 });
    expect(cache.status('envoy-1')!.watches).toBe(1);
  });
});

describe('many streams connecting and leaving', () => {
  it('leave no watch behind and keep memory flat', async () => {
    const cache = new SnapshotCache();
    const xds = createXdsServer({ cache, statusRetentionMs: 0 });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    cache.setSnapshot('envoy', fixtureSnapshot());
    const wave = async () => {
      // Fresh connections each wave, as real clients have (Node's HTTP/2 rapid-reset guard
      // closes a connection on which thousands of streams were cancelled).
      const channels = Array.from({ length: 20 }, () => new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
      const clients = Array.from(
        { length: 1000 },
        (_, i) => new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'envoy', cluster: `c${i}` }, client: channels[i % channels.length] }),
      );
      for (const c of clients) {
        c.subscribe(TypeUrl.Cluster, ['*']);
        c.subscribe(TypeUrl.ClusterLoadAssignment, ['api', 'web']);
      }
      await Promise.all(clients.map(async (c) => {
        await c.next(TypeUrl.Cluster, 20_000);
        await c.next(TypeUrl.ClusterLoadAssignment, 20_000);
      }));
      expect(xds.stats()).toMatchObject({ streams: 1000, watches: 2000 });
      expect(cache.status('envoy')!.watches).toBe(2000);
      for (const c of clients) c.close();
      for (const ch of channels) ch.close();
      await until(() => xds.stats().streams === 0);
      expect(xds.stats()).toEqual({ streams: 0, watches: 0, nodes: 0 });
      expect(cache.status('envoy')!.watches).toBe(0);
      expect(xds.status()).toEqual([]);
    };
    await wave();
    gc();
    const after1 = process.memoryUsage().heapUsed;
    await wave();
    await wave();
    gc();
    const after3 = process.memoryUsage().heapUsed;
    // Two more waves of 1,000 streams: the heap does not keep them (allow a few MB of noise).
    expect(after3 - after1).toBeLessThan(8 * 1024 * 1024);
  }, 60_000);
});
