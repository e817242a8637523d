import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl } from 'xdskit';
import { SnapshotCache } from 'xdskit/cache';
import { createXdsServer, type AckEvent, type NackEvent, type RequestEvent, type ResponseEvent, type XdsServer, type XdsServerOptions } from 'xdskit/server';
import { SotwClient } from '../support/sotw-client.js';
import { assignment, edsCluster, fixtureSnapshot } from '../support/fixture.js';
import { until } from '../support/wait.js';

const NODE = { id: 'envoy-1', cluster: 'test' };

let servers: XdsServer[] = [];
let clients: SotwClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});

async function start(options: Partial<XdsServerOptions> = {}) {
  const cache = (options.cache as SnapshotCache | undefined) ?? new SnapshotCache();
  const events = { acks: [] as AckEvent[], nacks: [] as NackEvent[], requests: [] as RequestEvent[], responses: [] as ResponseEvent[] };
  const xds = createXdsServer({
    cache,
    onAck: (e) => events.acks.push(e),
    onNack: (e) => events.nacks.push(e),
    onRequest: (e) => events.requests.push(e),
    onResponse: (e) => events.responses.push(e),
    ...options,
  });
  servers.push(xds);
  const port = await xds.listen('127.0.0.1:0');
  const connect = (o: ConstructorParameters<typeof SotwClient>[1] = {}) => {
    const c = new SotwClient(`127.0.0.1:${port}`, { node: NODE, ...o });
    clients.push(c);
    return c;
  };
  return { cache, xds, port, events, connect };
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (the server processed what the client sent). */

describe('a SotW ADS stream', () => {
  it('answers the first request with a nonce and the type version, and an ACK with nothing', async () => {
    const { cache, xds, events, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.request(TypeUrl.Cluster);
    const r = await c.next(TypeUrl.Cluster);
    expect(r.nonce).toBeTruthy();
    expect(r.versionInfo).toBe(cache.getSnapshot('envoy-1')!.version(TypeUrl.Cluster));
    expect(c.names(TypeUrl.Cluster)).toEqual(['api', 'web']);
    expect(await c.quiet(200)).toBe(true);
    expect(events.acks).toHaveLength(1);
    expect(events.acks[0]).toMatchObject({ nodeKey: 'envoy-1', typeUrl: TypeUrl.Cluster, version: r.versionInfo, nonce: r.nonce });
    expect(events.acks[0]!.resourceNames).toEqual(['api', 'web']);
    const cds = xds.status('envoy-1')!.types.find((t) => t.typeUrl === TypeUrl.Cluster)!;
    expect(cds).toMatchObject({ sentVersion: r.versionInfo, ackedVersion: r.versionInfo, pending: false, subscribed: ['*'], resources: 2 });
  });

  it('waits for a node without a snapshot, and answers when one is set', async () => {
    const { cache, connect } = await start();
    const c = connect();
    c.request(TypeUrl.Cluster);
    expect(await c.quiet(200)).toBe(true);
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    expect((await c.next(TypeUrl.Cluster)).resources).toHaveLength(2);
  });

  it('remembers the node sent on the first request only', async () => {
    const { cache, xds, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.request(TypeUrl.Cluster);
    await c.next(TypeUrl.Cluster);
    expect(c.sent[1]!.node).toBeUndefined();
    c.request(TypeUrl.ClusterLoadAssignment, ['api']);
    const eds = await c.next(TypeUrl.ClusterLoadAssignment);
    expect(eds.resources).toHaveLength(1);
    expect(xds.status('envoy-1')!.node).toMatchObject(NODE);
  });

  it('tells a NACK from an ACK by error_detail, reports it once per nonce and does not resend the rejected version', async () => {
    const { cache, xds, events, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    let reject = false;
    const c = connect({ reject: () => (reject ? 'cluster web: unsupported lb_policy' : undefined) });
    c.request(TypeUrl.Cluster);
    const v1 = await c.next(TypeUrl.Cluster);
    await until(() => events.acks.length === 1);
    reject = true;
    cache.patch('envoy-1', { set: { clusters: [edsCluster('web', 2)] } });
    const v2 = await c.next(TypeUrl.Cluster);
    expect(v2.versionInfo).not.toBe(v1.versionInfo);
    expect(await c.quiet(300)).toBe(true);
    expect(events.nacks).toHaveLength(1);
    const nack = events.nacks[0]!;
    expect(nack).toMatchObject({ typeUrl: TypeUrl.Cluster, version: v2.versionInfo, acceptedVersion: v1.versionInfo, nonce: v2.nonce });
    expect(nack.error.message).toBe('cluster web: unsupported lb_policy');
    const cds = xds.status('envoy-1')!.types.find((t) => t.typeUrl === TypeUrl.Cluster)!;
    expect(cds.ackedVersion).toBe(v1.versionInfo);
    expect(cds.sentVersion).toBe(v2.versionInfo);
    expect(cds.lastNack).toMatchObject({ nonce: v2.nonce, version: v2.versionInfo, error: 'cluster web: unsupported lb_policy', code: 3 });
    expect(cds.pending).toBe(false);
    // The client repeats the old error_detail with the old nonce on its next request (here,
    // a new EDS subscription on the same stream, and a CDS request with the same names):
    // it is not a second NACK.
    c.send({ typeUrl: TypeUrl.Cluster, versionInfo: v1.versionInfo, responseNonce: v2.nonce, resourceNames: [], errorDetail: { code: 3, message: 'cluster web: unsupported lb_policy' } });
    expect(await c.quiet(200)).toBe(true);
    expect(events.nacks).toHaveLength(1);
    // A content change is sent, and ACKed.
    reject = false;
    cache.patch('envoy-1', { set: { clusters: [edsCluster('web', 3)] } });
    const v3 = await c.next(TypeUrl.Cluster);
    await settle();
    expect(events.acks.map((a) => a.version)).toEqual([v1.versionInfo, v3.versionInfo]);
  });

  it('counts a request with error_detail as a NACK even when it carries the new version', async () => {
    const { cache, events, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect({ manualAck: true });
    c.request(TypeUrl.Cluster);
    const r = await c.next(TypeUrl.Cluster);
    c.send({ typeUrl: TypeUrl.Cluster, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: [], errorDetail: { code: 13, message: 'partly applied' } });
    await settle();
    expect(events.acks).toHaveLength(0);
    expect(events.nacks).toHaveLength(1);
    expect(events.nacks[0]!.error).toEqual({ code: 13, message: 'partly applied' });
  });

  it('ignores a request with a stale nonce', async () => {
    const { cache, events, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect({ manualAck: true });
    c.request(TypeUrl.ClusterLoadAssignment, ['api']);
    const first = await c.next();
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [9001])] } });
    const second = await c.next();
    // An ACK of the first response arrives after the second was sent: stale.
    c.send({ typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: first.versionInfo, responseNonce: first.nonce, resourceNames: ['api', 'web'] });
    expect(await c.quiet(300)).toBe(true);
    expect(events.acks).toHaveLength(0);
    expect(events.requests.at(-1)).toMatchObject({ stale: true, nonce: first.nonce });
    // The current nonce is honoured, with its subscription change.
    c.send({ typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: second.versionInfo, responseNonce: second.nonce, resourceNames: ['api', 'web'] });
    const third = await c.next();
    expect(third.resources).toHaveLength(1);
    expect(events.acks).toHaveLength(1);
  });

  it('serves a per-type service without type_url, and rejects another type on it', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect({ method: 'StreamListeners' });
    c.send({ resourceNames: [] });
    const r = await c.next();
    expect(r.typeUrl).toBe(TypeUrl.Listener);
    expect(c.names(TypeUrl.Listener)).toEqual(['ingress']);
    const bad = connect({ method: 'StreamClusters' });
    bad.send({ typeUrl: TypeUrl.Listener });
    const status = await bad.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/ClusterDiscoveryService, which serves only .*Cluster/);
  });
});

describe('ADS ordering', () => {
  it('sends a change that touches every type as clusters, endpoints, listeners, routes', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    for (const [t, names] of [
      [TypeUrl.RouteConfiguration, ['local_route']],
      [TypeUrl.Listener, []],
      [TypeUrl.ClusterLoadAssignment, ['api', 'web']],
      [TypeUrl.Cluster, []],
    ] as const) c.request(t, [...names]);
    for (let i = 0; i < 4; i++) await c.next();
    const from = c.received.length;
    const snap = cache.getSnapshot('envoy-1')!;
    const route = structuredClone(snap.get(TypeUrl.RouteConfiguration, 'local_route')) as { virtualHosts: { name: string }[] };
    route.virtualHosts[0]!.name = 'all-v2';
    const listener = structuredClone(snap.get(TypeUrl.Listener, 'ingress')) as { statPrefix?: string; perConnectionBufferLimitBytes?: number };
    listener.perConnectionBufferLimitBytes = 65536;
    cache.patch('envoy-1', { set: { routes: [route], listeners: [listener], endpoints: [assignment('api', [9001])], clusters: [edsCluster('api', 2)] } });
    for (let i = 0; i < 4; i++) await c.next();
    expect(c.received.slice(from).map((r) => r.typeUrl)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
    ]);
  });

  it('removes a cluster only after the route that used it moved away (make-before-break)', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect();
    c.request(TypeUrl.Cluster);
    c.request(TypeUrl.RouteConfiguration, ['local_route']);
    await c.next();
    await c.next();
    const from = c.received.length;
    // Replace cluster "api" by "api-v2" and point the route at it, in one change.
    const route = structuredClone(cache.getSnapshot('envoy-1')!.get(TypeUrl.RouteConfiguration, 'local_route')) as any;
    route.virtualHosts[0].routes[0].action.route.clusterSpecifier = { $case: 'cluster', cluster: 'api-v2' };
    cache.patch('envoy-1', {
      set: { clusters: [edsCluster('api-v2')], routes: [route], endpoints: [assignment('api-v2', [9001])] },
      remove: { clusters: ['api'], endpoints: ['api'] },
    });
    for (let i = 0; i < 3; i++) await c.next();
    const seq = c.received.slice(from);
    expect(seq.map((r) => r.typeUrl)).toEqual([TypeUrl.Cluster, TypeUrl.RouteConfiguration, TypeUrl.Cluster]);
    const names = (r: (typeof seq)[number]) => (r.resources ?? []).map((a) => (a.value ? a.typeUrl : '')).length;
    // First the new cluster added while the old one stays, then the route, then the removal.
    expect(names(seq[0]!)).toBe(3);
    expect(seq[0]!.versionInfo).toMatch(/\+staged$/);
    expect(names(seq[2]!)).toBe(2);
    expect(c.names(TypeUrl.Cluster)).toEqual(['api-v2', 'web']);
    expect(seq[2]!.versionInfo).toBe(cache.getSnapshot('envoy-1')!.version(TypeUrl.Cluster));
  });

  it('with waitForAck, sends the next type of a change only after the previous one is answered', async () => {
    const { cache, events, connect } = await start({ ordering: { waitForAck: true } });
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c = connect({ manualAck: true });
    const ack = (r: { typeUrl?: string; versionInfo?: string; nonce?: string }, names: string[] = []) =>
      c.send({ typeUrl: r.typeUrl!, versionInfo: r.versionInfo!, responseNonce: r.nonce!, resourceNames: names });
    c.request(TypeUrl.Cluster);
    ack(await c.next());
    c.request(TypeUrl.ClusterLoadAssignment, ['api']);
    ack(await c.next(), ['api']);
    await until(() => events.acks.length === 2);
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [9001])], clusters: [edsCluster('api', 2)] } });
    const first = await c.next();
    expect(first.typeUrl).toBe(TypeUrl.Cluster);
    expect(await c.quiet(300)).toBe(true);
    ack(first);
    const second = await c.next();
    expect(second.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
  });

  it('answers named resources that exist at once by default, and holds them with holdUntilAllNamed', async () => {
    const a = await start();
    a.cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c1 = a.connect();
    c1.request(TypeUrl.ClusterLoadAssignment, ['api', 'not-yet']);
    expect((await c1.next()).resources).toHaveLength(1);
    const b = await start({ holdUntilAllNamed: true });
    b.cache.setSnapshot('envoy-1', fixtureSnapshot());
    const c2 = b.connect();
    c2.request(TypeUrl.ClusterLoadAssignment, ['api', 'not-yet']);
    expect(await c2.quiet(300)).toBe(true);
    b.cache.patch('envoy-1', { set: { endpoints: [assignment('not-yet', [9009])] } });
    const r = await c2.next();
    expect(r.resources).toHaveLength(2);
  });
});

describe('the unary Fetch RPCs', () => {
  it('answer with the current resources of the type and leave no watch behind', async () => {
    const { cache, xds, port } = await start();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const { xdsServiceDefinition } = await import('xdskit/server');
    const Cds = grpc.makeGenericClientConstructor(xdsServiceDefinition('envoy.service.cluster.v3.ClusterDiscoveryService'), 'cds');
    const client = new Cds(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const r = await new Promise<any>((resolve, reject) =>
        (client as any).FetchClusters({ node: NODE, resourceNames: [] }, (e: Error | null, v: unknown) => (e ? reject(e) : resolve(v))),
      );
      expect(r.typeUrl).toBe(TypeUrl.Cluster);
      expect(r.resources).toHaveLength(2);
      expect(r.versionInfo).toBe(cache.getSnapshot('envoy-1')!.version(TypeUrl.Cluster));
      expect(cache.status('envoy-1')!.watches).toBe(0);
      expect(xds.stats().watches).toBe(0);
    } finally {
      client.close();
    }
  });
});
