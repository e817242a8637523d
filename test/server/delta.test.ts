import { afterEach, describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { ResourceStore, SnapshotCache } from 'xdskit/cache';
import { createXdsServer, type AckEvent, type NackEvent, type XdsServer, type XdsServerOptions } from 'xdskit/server';
import { DeltaClient, type DeltaClientOptions } from '../support/delta-client.js';
import { assignment, edsCluster, fixtureSnapshot } from '../support/fixture.js';
import { until } from '../support/wait.js';

const NODE = { id: 'envoy-1' };
let servers: XdsServer[] = [];
let clients: DeltaClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});

async function start(options: Partial<XdsServerOptions> = {}) {
  const cache = (options.cache as SnapshotCache | undefined) ?? new SnapshotCache();
  const events = { acks: [] as AckEvent[], nacks: [] as NackEvent[] };
  const xds = createXdsServer({ cache, onAck: (e) => events.acks.push(e), onNack: (e) => events.nacks.push(e), ...options });
  servers.push(xds);
  const port = await xds.listen('127.0.0.1:0');
  const connect = (o: DeltaClientOptions = {}) => {
    const c = new DeltaClient(`127.0.0.1:${port}`, { node: NODE, ...o });
    clients.push(c);
    return c;
  };
  return { cache, xds, events, connect, port };
}

const names = (r: { response: { resources?: { name?: string }[] } }) => (r.response.resources ?? []).map((x) => x.name).sort();


describe('a delta ADS stream', () => {
  it('sends what a subscription adds, nothing for an unsubscribe, and nothing more for names it left', async () => {
    const { cache, events, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['api']);
    const first = await c.next();
    expect(names(first)).toEqual(['api']);
    expect(first.response.nonce).toBeTruthy();
    expect(first.response.resources![0]!.version).toBe(cache.getSnapshot('envoy-1')!.entry(TypeUrl.ClusterLoadAssignment, 'api')!.version);
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['web']);
    expect(names(await c.next())).toEqual(['web']);
    c.unsubscribe(TypeUrl.ClusterLoadAssignment, ['api']);
    expect(await c.quiet(200)).toBe(true);
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [9001])] } });
    expect(await c.quiet(200)).toBe(true);
    cache.patch('envoy-1', { set: { endpoints: [assignment('web', [9002])] } });
    expect(names(await c.next())).toEqual(['web']);
    await until(() => events.acks.length === 3);
    expect(c.names(TypeUrl.ClusterLoadAssignment)).toEqual(['web']);
  });

  it('serves the wildcard: every resource, then only additions, changes and removals', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.subscribe(TypeUrl.Cluster, ['*']);
    expect(names(await c.next())).toEqual(['api', 'web']);
    cache.patch('envoy-1', { set: { clusters: [edsCluster('new')] } });
    const added = await c.next();
    expect(names(added)).toEqual(['new']);
    expect(added.response.removedResources).toEqual([]);
    cache.patch('envoy-1', { remove: { clusters: ['web'] } });
    const removed = await c.next();
    expect(removed.response.resources).toEqual([]);
    expect(removed.response.removedResources).toEqual(['web']);
    expect(c.names(TypeUrl.Cluster)).toEqual(['api', 'new']);
  });

  it('treats an empty first request as the legacy wildcard', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.subscribe(TypeUrl.Listener, []);
    expect(names(await c.next())).toEqual(['ingress']);
  });

  it('answers a name that does not exist in removed_resources, and sends it when it appears', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['later']);
    const missing = await c.next();
    expect(missing.response.removedResources).toEqual(['later']);
    cache.patch('envoy-1', { set: { endpoints: [assignment('later', [9003])] } });
    expect(names(await c.next())).toEqual(['later']);
  });

  it('sends only what differs to a client that reconnects with initial_resource_versions', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.subscribe(TypeUrl.Cluster, ['*']);
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['api', 'web']);
    await c.next(TypeUrl.Cluster);
    await c.next(TypeUrl.ClusterLoadAssignment);
    // Reconnecting with nothing changed: nothing to send.
    await c.reconnect();
    const sent = c.sent.slice(-2);
    expect(sent.map((r) => Object.keys(r.initialResourceVersions ?? {}).sort())).toEqual([
      ['api', 'web'],
      ['api', 'web'],
    ]);
    expect(await c.quiet(300)).toBe(true);
    // While the client is away: web's endpoints change, cluster api goes away.
    await c.reconnect(() => {
      cache.patch('envoy-1', { set: { endpoints: [assignment('web', [9002])] }, remove: { clusters: ['api'] } });
    });
    const cds = await c.next(TypeUrl.Cluster);
    expect(cds.response.resources).toEqual([]);
    expect(cds.response.removedResources).toEqual(['api']);
    const eds = await c.next(TypeUrl.ClusterLoadAssignment);
    expect(names(eds)).toEqual(['web']);
    expect(c.names(TypeUrl.Cluster)).toEqual(['web']);
  });

  it('reports a NACK once, does not resend the rejected version, and sends the next change', async () => {
    const { cache, xds, events, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    let reject = false;
    const c = connect({ reject: () => (reject ? 'bad endpoint' : undefined) });
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['api']);
    await c.next();
    await until(() => events.acks.length === 1);
    reject = true;
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [1])] } });
    const bad = await c.next();
    expect(await c.quiet(300)).toBe(true);
    expect(events.nacks).toHaveLength(1);
    expect(events.nacks[0]).toMatchObject({ nonce: bad.response.nonce, resourceNames: ['api'], error: { code: 3, message: 'bad endpoint' } });
    const eds = xds.status('envoy-1')!.types[0]!;
    expect(eds.lastNack).toMatchObject({ nonce: bad.response.nonce, error: 'bad endpoint' });
    // The client still holds the old version.
    expect(c.held.get(TypeUrl.ClusterLoadAssignment)!.get('api')!.version).not.toBe(bad.response.resources![0]!.version);
    reject = false;
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [9001])] } });
    expect(names(await c.next())).toEqual(['api']);
    await until(() => events.acks.length === 2);
  });

  it('honours a subscription change that carries a stale nonce', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect({ manualAck: true });
    c.subscribe(TypeUrl.ClusterLoadAssignment, ['api']);
    await c.next();
    c.send({ typeUrl: TypeUrl.ClusterLoadAssignment, responseNonce: 'not-a-nonce-we-sent', resourceNamesSubscribe: ['web'] });
    expect(names(await c.next())).toEqual(['web']);
  });

  it('holds a cluster removal until the route that used it moved away', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.subscribe(TypeUrl.Cluster, ['*']);
    c.subscribe(TypeUrl.RouteConfiguration, ['local_route']);
    await c.next();
    await c.next();
    const from = c.received.length;
    const route = structuredClone(cache.getSnapshot('envoy-1')!.get(TypeUrl.RouteConfiguration, 'local_route')) as any;
    route.virtualHosts[0].routes[0].action.route.clusterSpecifier = { $case: 'cluster', cluster: 'api-v2' };
    cache.patch('envoy-1', { set: { clusters: [edsCluster('api-v2')], routes: [route] }, remove: { clusters: ['api'] } });
    for (let i = 0; i < 3; i++) await c.next();
    const seq = c.received.slice(from).map((r) => ({ type: r.response.typeUrl, names: names(r), removed: r.response.removedResources }));
    expect(seq).toEqual([
      { type: TypeUrl.Cluster, names: ['api-v2'], removed: [] },
      { type: TypeUrl.RouteConfiguration, names: ['local_route'], removed: [] },
      { type: TypeUrl.Cluster, names: [], removed: ['api'] },
    ]);
  });

  it('serves the per-type delta services', async () => {
    const { cache, port } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const grpc = await import('@grpc/grpc-js');
    const { xdsServiceDefinition } = await import('xdskit/server');
    const Cds = grpc.makeGenericClientConstructor(xdsServiceDefinition('envoy.service.cluster.v3.ClusterDiscoveryService'), 'cds');
    const client = new Cds(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (client as any).DeltaClusters();
    call.on('error', () => {});
    const got = new Promise<any>((resolve) => call.on('data', resolve));
    call.write({ node: NODE, resourceNamesSubscribe: ['*'] });
    const r = await got;
    expect(r.typeUrl).toBe(TypeUrl.Cluster);
    expect(r.resources.map((x: { name: string }) => x.name).sort()).toEqual(['api', 'web']);
    call.cancel();
    client.close();
  });
});

describe('responses from pre-encoded bytes', () => {
  it('encode a changed resource once, whatever the number of streams', async () => {
    const store = new ResourceStore();
    const cache = new SnapshotCache({ store });
    const { connect } = await start({ cache });
    cache.setSnapshot('envoy-1', fixtureSnapshot({ store }));
    const streams = Array.from({ length: 50 }, () => connect());
    for (const c of streams) c.subscribe(TypeUrl.ClusterLoadAssignment, ['*']);
    await Promise.all(streams.map((c) => c.next()));
    const before = store.stats().encodes;
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [7001, 7002])] } });
    const got = await Promise.all(streams.map((c) => c.next()));
    expect(store.stats().encodes - before).toBe(1);
    const bytes = new Set(got.map((g) => Buffer.from(g.response.resources![0]!.resource!.value!).toString('base64')));
    expect(bytes.size).toBe(1);
    expect(got.every((g) => names(g).join() === 'api')).toBe(true);
  });
});
