import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { SnapshotCache, Snapshot } from 'xdskit/cache';
import { createXdsServer, type XdsServer, type NackEvent, type ResponseEvent } from 'xdskit/server';
import { startBackend, xdsEchoClient, grpcBootstrap, eventually, type Backend, type EchoClient } from '../support/backends.js';
import { meshResources } from '../support/grpc-mesh.js';

describe('a real @grpc/grpc-js-xds client against the server', () => {
  let backends: Backend[];
  let cache: SnapshotCache;
  let xds: XdsServer;
  let port: number;
  let client: EchoClient;
  const nacks: NackEvent[] = [];
  const responses: ResponseEvent[] = [];
  const mesh = (weights: [number, number], addressB?: string) =>
    Snapshot.create(meshResources({ name: 'echo', ports: [backends[0]!.port, backends[1]!.port], weights, ...(addressB ? { addressB } : {}) }));
  const NODE = 'grpc-client-1';

  beforeAll(async () => {
    backends = [await startBackend('a'), await startBackend('b')];
    cache = new SnapshotCache();
    cache.setSnapshot(NODE, Snapshot.create(meshResources({ name: 'echo', ports: [backends[0]!.port, backends[1]!.port], weights: [50, 50] })));
    xds = createXdsServer({ cache, onNack: (e) => nacks.push(e), onResponse: (e) => responses.push(e) });
    port = await xds.listen('127.0.0.1:0');
    client = xdsEchoClient('xds:///echo', grpcBootstrap(`127.0.0.1:${port}`, { id: NODE }));
  });

  afterAll(async () => {
    client?.close();
    await xds?.close({ graceMs: 500 });
    await Promise.all(backends.map((b) => b.stop()));
  });

  it('answers the first RPC through LDS, RDS, CDS and EDS', async () => {
    expect(['a', 'b']).toContain(await client.who(10_000));
  });

  it('spreads traffic over both backends', async () => {
    const spread = await client.spread(100);
    expect(spread['a']).toBeGreaterThan(20);
    expect(spread['b']).toBeGreaterThan(20);
  });

  it('shifts traffic when the route weights change (90/10, then 0/100)', async () => {
    cache.setSnapshot(NODE, mesh([90, 10]));
    expect(await eventually(async () => ((await client.spread(50))['a'] ?? 0) >= 40)).toBe(true);
    const spread = await client.spread(200);
    expect(spread['a']).toBeGreaterThanOrEqual(150);
    expect(spread['b']).toBeGreaterThanOrEqual(3);
    cache.setSnapshot(NODE, mesh([0, 100]));
    expect(await eventually(async () => (await client.spread(20))['b'] === 20)).toBe(true);
    expect(await client.spread(100)).toEqual({ b: 100 });
  });

  it('records the NACK of an endpoint the client rejects, keeps serving the last good config and resends nothing', async () => {
    cache.setSnapshot(NODE, mesh([50, 50]));
    expect(await eventually(async () => ((await client.spread(40))['a'] ?? 0) > 0)).toBe(true);
    const before = responses.length;
    // A DNS name in an EDS endpoint: valid Envoy config, but gRPC clients need IP addresses.
    cache.setSnapshot(NODE, mesh([50, 50], 'backend-b.invalid'));
    expect(await eventually(() => nacks.length > 0)).toBe(true);
    const nack = nacks[0]!;
    expect(nack.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
    expect(nack.nodeKey).toBe(NODE);
    expect(nack.error.message).toMatch(/backend-b\.invalid/);
    expect(nack.resourceNames).toEqual(['echo-b']);
    const eds = xds.status(NODE)!.types.find((t) => t.typeUrl === TypeUrl.ClusterLoadAssignment)!;
    expect(eds.lastNack).toMatchObject({ nonce: nack.nonce, version: nack.version });
    expect(eds.lastNack!.error).toMatch(/backend-b\.invalid/);
    expect(eds.ackedVersion).not.toBe(eds.sentVersion);
    // Traffic keeps going to both backends on the last good endpoints.
    const spread = await client.spread(60);
    expect(spread['a']).toBeGreaterThan(5);
    expect(spread['b']).toBeGreaterThan(5);
    // Nothing is resent: exactly one EDS response carried the rejected version.
    await new Promise((r) => setTimeout(r, 500));
    const edsSince = responses.slice(before).filter((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment);
    expect(edsSince).toHaveLength(1);
    expect(nacks).toHaveLength(1);
  });

  it('recovers with the next valid push', async () => {
    cache.setSnapshot(NODE, mesh([0, 100]));
    expect(await eventually(async () => (await client.spread(20))['b'] === 20)).toBe(true);
    const eds = xds.status(NODE)!.types.find((t) => t.typeUrl === TypeUrl.ClusterLoadAssignment)!;
    expect(await eventually(() => xds.status(NODE)!.types.find((t) => t.typeUrl === TypeUrl.ClusterLoadAssignment)!.ackedVersion === eds.sentVersion)).toBe(true);
    const status = xds.status(NODE)!;
    expect(status.streams).toBe(1);
    expect(status.types.map((t) => t.typeUrl).sort()).toEqual(
      [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration].sort(),
    );
    for (const t of status.types) expect(t.pending).toBe(false);
  });
});
