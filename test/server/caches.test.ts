import { afterEach, describe, expect, it } from 'vitest';
import { TypeUrl, unpack } from 'xdskit';
import { LinearCache, MuxCache, SnapshotCache, byNodeCluster, withTtl, Snapshot } from 'xdskit/cache';
import { ADS_ORDER, createXdsServer, orderRank, type XdsServer } from 'xdskit/server';
import { SotwClient } from '../support/sotw-client.js';
import { DeltaClient } from '../support/delta-client.js';
import { assignment, fixtureResources, fixtureSnapshot } from '../support/fixture.js';
import { until } from '../support/wait.js';

let servers: XdsServer[] = [];
let closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers) c();
  closers = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});


describe('the server on other caches', () => {
  it('serves EDS from a LinearCache and the rest from a SnapshotCache through a MuxCache', async () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('api', [8081]), assignment('web', [8090])] });
    const snapshots = new SnapshotCache();
    const { listeners, routes, clusters } = fixtureResources();
    snapshots.setSnapshot('envoy-1', Snapshot.create({ listeners, routes, clusters }));
    const xds = createXdsServer({ cache: new MuxCache({ endpoints: eds }, snapshots) });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const a = new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    const b = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-2' } });
    closers.push(() => a.close(), () => b.close());
    a.subscribe(TypeUrl.Cluster, ['*']);
    a.subscribe(TypeUrl.ClusterLoadAssignment, ['api', 'web']);
    b.request(TypeUrl.ClusterLoadAssignment, ['api']);
    await a.next(TypeUrl.Cluster);
    await a.next(TypeUrl.ClusterLoadAssignment);
    await b.next();
    eds.update(assignment('api', [9999]));
    const d = await a.next(TypeUrl.ClusterLoadAssignment);
    expect(d.response.resources!.map((r) => r.name)).toEqual(['api']);
    const s = await b.next();
    expect(s.resources).toHaveLength(1);
    expect(xds.stats()).toMatchObject({ streams: 2, watches: 3 });
  });
});

describe('node keys from the cache', () => {
  it('groups status and CSDS by the node key of the snapshot cache behind a MuxCache (node.cluster), not by node.id', async () => {
    const eds = new LinearCache('endpoints', { resources: [assignment('api', [8081])] });
    const snapshots = new SnapshotCache({ nodeKey: byNodeCluster });
    const { listeners, routes, clusters } = fixtureResources();
    snapshots.setSnapshot('payments', Snapshot.create({ listeners, routes, clusters }));
    const xds = createXdsServer({ cache: new MuxCache({ endpoints: eds }, snapshots) });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const a = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'pod-1', cluster: 'payments' } });
    closers.push(() => a.close());
    a.request(TypeUrl.Cluster, []);
    const r = await a.next();
    expect(r.resources).toHaveLength(2);
    await until(() => xds.status('payments')?.types[0]?.ackedVersion !== undefined);
    expect(xds.status().map((n) => n.key)).toEqual(['payments']);
    expect(xds.status('pod-1')).toBeUndefined();
    expect(xds.clientStatus().config![0]!.node!.id).toBe('pod-1');
  });
});

describe('resources with a TTL', () => {
  it('travel in a Resource envelope with their TTL, and heartbeats refresh them without content', async () => {
    const cache = new SnapshotCache();
    const runtime = { name: 'rtds', layer: { fault: { enabled: true } } };
    cache.setSnapshot('envoy-1', Snapshot.create({ runtimes: [withTtl(runtime, '30s')] }));
    const xds = createXdsServer({ cache });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const sotw = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    const delta = new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    closers.push(() => sotw.close(), () => delta.close());
    sotw.request(TypeUrl.Runtime, ['rtds']);
    delta.subscribe(TypeUrl.Runtime, ['rtds']);
    const first = await sotw.next();
    const env = unpack(first.resources![0]!, 'envoy.service.discovery.v3.Resource');
    expect(env.ttl).toEqual({ seconds: '30', nanos: 0 });
    expect((unpack(env.resource!) as { name: string }).name).toBe('rtds');
    const d1 = await delta.next();
    expect(d1.response.resources![0]!.ttl).toEqual({ seconds: '30', nanos: 0 });
    await until(() => xds.status('envoy-1')!.types.every((t) => !t.pending));
    expect(cache.heartbeat()).toBe(2);
    const beat = await sotw.next();
    const beatEnv = unpack(beat.resources![0]!, 'envoy.service.discovery.v3.Resource');
    expect(beatEnv.resource).toBeUndefined();
    expect(beatEnv).toMatchObject({ name: 'rtds', ttl: { seconds: '30', nanos: 0 } });
    const d2 = await delta.next();
    expect(d2.response.resources![0]!.resource).toBeUndefined();
    expect(d2.response.resources![0]!.name).toBe('rtds');
  });
});

describe('status', () => {
  it('keeps a node for statusRetentionMs after its last stream closed, with what it last ACKed', async () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const xds = createXdsServer({ cache, statusRetentionMs: 300 });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const c = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    c.request(TypeUrl.Cluster);
    const r = await c.next();
    await until(() => xds.status('envoy-1')?.types[0]?.ackedVersion === r.versionInfo);
    c.close();
    await until(() => xds.status('envoy-1')?.streams === 0);
    const gone = xds.status('envoy-1')!;
    expect(gone.disconnectedAt).toBeInstanceOf(Date);
    expect(gone.types[0]).toMatchObject({ ackedVersion: r.versionInfo, pending: false, subscribed: ['*'], resources: 2 });
    await until(() => xds.status('envoy-1') === undefined, 2000);
    expect(xds.stats()).toEqual({ streams: 0, watches: 0, nodes: 0 });
  });
});

describe('the ADS order table', () => {
  it('puts secrets before clusters, clusters before endpoints, endpoints before listeners, listeners before routes', () => {
    const order = [TypeUrl.Secret, TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.VirtualHost];
    const ranks = order.map(orderRank);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(Object.isFrozen(ADS_ORDER)).toBe(true);
    expect(orderRank('type.googleapis.com/some.Unknown')).toBe(ADS_ORDER.length);
  });
});
