import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { encode, TypeUrl } from 'xdskit';
import { SnapshotCache } from 'xdskit/cache';
import { ADS_SERVICE, createXdsServer, xdsServiceDefinition, type XdsServer, type XdsServerOptions } from 'xdskit/server';
import { SotwClient } from '../support/sotw-client.js';
import { DeltaClient } from '../support/delta-client.js';
import { assignment, fixtureSnapshot } from '../support/fixture.js';

let servers: XdsServer[] = [];
let closers: (() => void)[] = [];

afterEach(async () => {
  for (const c of closers) c();
  closers = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});

async function start(options: Partial<XdsServerOptions> = {}) {
  const cache = new SnapshotCache();
  cache.setSnapshot('envoy-1', fixtureSnapshot());
  const errors: Error[] = [];
  const xds = createXdsServer({ cache, onError: (e) => errors.push(e), ...options });
  servers.push(xds);
  const port = await xds.listen('127.0.0.1:0');
  const sotw = () => {
    const c = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    closers.push(() => c.close());
    return c;
  };
  const delta = () => {
    const c = new DeltaClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    closers.push(() => c.close());
    return c;
  };
  return { cache, xds, port, sotw, delta, errors };
}

/** An ADS stream that writes raw bytes, for requests no client would encode. */
function rawAds(port: number): { write(b: Buffer): void; ended: Promise<grpc.StatusObject> } {
  const def = { ...xdsServiceDefinition(ADS_SERVICE) } as Record<string, grpc.MethodDefinition<any, any>>;
  def['StreamAggregatedResources'] = { ...def['StreamAggregatedResources']!, requestSerialize: (b: Buffer) => b };
  const Ctor = grpc.makeGenericClientConstructor(def, 'raw');
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  closers.push(() => client.close());
  const call = (client as any).StreamAggregatedResources();
  call.on('error', () => {});
  call.on('data', () => {});
  const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  return { write: (b) => call.write(b), ended };
}

describe('bad input', () => {
  it('ends an ADS stream without a type URL with INVALID_ARGUMENT, and no other stream notices', async () => {
    const { cache, sotw } = await start();
    const healthy = sotw();
    healthy.request(TypeUrl.ClusterLoadAssignment, ['api']);
    await healthy.next();
    const bad = sotw();
    bad.send({ resourceNames: ['x'] });
    const status = await bad.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toBe('ADS request without a type_url');
    cache.patch('envoy-1', { set: { endpoints: [assignment('api', [9001])] } });
    expect((await healthy.next()).resources).toHaveLength(1);
    expect(healthy.status).toBeUndefined();
  });

  it('rejects a type URL that is not a message of the Envoy API', async () => {
    const { delta } = await start();
    const c = delta();
    c.subscribe('type.googleapis.com/envoy.config.cluster.v3.Nope', ['*']);
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/unknown type URL "type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Nope"/);
  });

  it('rejects bytes that are not a DiscoveryRequest, naming the problem', async () => {
    const { port } = await start();
    const raw = rawAds(port);
    raw.write(Buffer.from([0x08, 0x01, 0x07]));
    const status = await raw.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/^cannot decode envoy\.service\.discovery\.v3\.DiscoveryRequest: /);
  });

  it('rejects an absurdly long list of names with RESOURCE_EXHAUSTED', async () => {
    const { port, sotw, delta } = await start({ limits: { maxResourceNames: 1000 } });
    const c = sotw();
    c.request(TypeUrl.ClusterLoadAssignment, Array.from({ length: 1001 }, (_, i) => `c${i}`));
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toBe('request lists 1001 resource names; the limit is 1000');
    const d = delta();
    d.subscribe(TypeUrl.ClusterLoadAssignment, Array.from({ length: 1001 }, (_, i) => `c${i}`));
    expect((await d.ended).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // The default limit also holds for a request far larger than any real one.
    const raw = rawAds(port);
    raw.write(Buffer.from(encode('envoy.service.discovery.v3.DiscoveryRequest', { typeUrl: TypeUrl.Cluster, resourceNames: Array.from({ length: 1001 }, () => 'x') })));
    expect((await raw.ended).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('rejects more resource types on one stream than the limit', async () => {
    const { sotw } = await start({ limits: { maxTypesPerStream: 2 } });
    const c = sotw();
    c.request(TypeUrl.Cluster);
    c.request(TypeUrl.Listener);
    c.request(TypeUrl.RouteConfiguration, ['local_route']);
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/more than 2 resource types/);
  });

  it('keeps serving when an event handler throws, and reports the error', async () => {
    const { xds, sotw, errors } = await start();
    xds.subscribe({
      onResponse: () => {
        throw new Error('handler bug');
      },
    });
    const c = sotw();
    c.request(TypeUrl.Cluster);
    expect((await c.next()).resources).toHaveLength(2);
    expect(errors.map((e) => e.message)).toContain('handler bug');
  });
});

describe('shutdown', () => {
  it('ends open streams with UNAVAILABLE, refuses new ones and releases every watch', async () => {
    const { cache, xds, sotw, delta } = await start();
    const a = sotw();
    a.request(TypeUrl.Cluster);
    await a.next();
    const b = delta();
    b.subscribe(TypeUrl.Cluster, ['*']);
    await b.next();
    expect(xds.stats()).toMatchObject({ streams: 2, watches: 2 });
    await xds.close({ graceMs: 1000 });
    expect((await a.ended).code).toBe(grpc.status.UNAVAILABLE);
    expect((await b.ended).details).toBe('xds server is shutting down');
    expect(xds.stats()).toMatchObject({ streams: 0, watches: 0 });
    expect(cache.status('envoy-1')!.watches).toBe(0);
  });
});
