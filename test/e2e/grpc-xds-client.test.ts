import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotCache, Snapshot } from 'xdskit/cache';
import { createXdsServer, type XdsServer, type NackEvent } from 'xdskit/server';
import { startBackend, xdsEchoClient, grpcBootstrap, eventually, type Backend, type EchoClient } from '../support/backends.js';
import { meshResources } from '../support/grpc-mesh.js';

describe('a real @grpc/grpc-js-xds client against the server', () => {
  let backends: Backend[];
  let cache: SnapshotCache;
  let xds: XdsServer;
  let port: number;
  let client: EchoClient;
  const nacks: NackEvent[] = [];
  const NODE = 'grpc-client-1';

  beforeAll(async () => {
    backends = [await startBackend('a'), await startBackend('b')];
    cache = new SnapshotCache();
    cache.setSnapshot(NODE, Snapshot.create(meshResources({ name: 'echo', ports: [backends[0]!.port, backends[1]!.port], weights: [50, 50] })));
    xds = createXdsServer({ cache, onNack: (e) => nacks.push(e) });
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
});
