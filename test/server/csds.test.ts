import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as prom from 'prom-client';
import { TypeUrl, unpack } from 'xdskit';
import { Snapshot, SnapshotCache } from 'xdskit/cache';
import { createXdsServer, CSDS_SERVICE, xdsServiceDefinition, type XdsServer } from 'xdskit/server';
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


describe('CSDS', () => {
  it('reports per node what was sent, ACKed and NACKed, over gRPC', async () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    cache.setSnapshot('envoy-2', fixtureSnapshot());
    const xds = createXdsServer({ cache });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const a = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1', metadata: { region: 'eu', tier: { level: 2 }, tags: ['blue', 'canary'], debug: true } } });
    let reject = false;
    const b = new DeltaClient(`127.0.0.1:${port}`, {
      node: { id: 'envoy-2', metadata: { region: 'us', tier: { level: 1 }, tags: ['blue'], debug: null } },
      reject: () => (reject ? 'no thanks' : undefined),
    });
    closers.push(() => a.close(), () => b.close());
    a.request(TypeUrl.Cluster);
    a.request(TypeUrl.ClusterLoadAssignment, ['api', 'missing']);
    b.subscribe(TypeUrl.ClusterLoadAssignment, ['api']);
    await a.next();
    await a.next();
    await b.next();
    await until(() => xds.status().every((n) => n.types.every((t) => t.ackedVersion !== undefined)));
    reject = true;
    cache.patch('envoy-2', { set: { endpoints: [assignment('api', [1])] } });
    await b.next();
    await until(() => xds.status('envoy-2')!.types[0]!.lastNack !== undefined);

    const Csds = grpc.makeGenericClientConstructor(xdsServiceDefinition(CSDS_SERVICE), 'csds');
    const client = new Csds(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    closers.push(() => client.close());
    const fetch = (req: object) =>
      new Promise<any>((resolve, reject) => (client as any).FetchClientStatus(req, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
    const all = await fetch({});
    expect(all.config.map((c: any) => c.node.id)).toEqual(['envoy-1', 'envoy-2']);
    const one = all.config[0].genericXdsConfigs.map((g: any) => [g.typeUrl.split('.').pop(), g.name, g.configStatus, g.clientStatus]);
    expect(one).toEqual([
      ['Cluster', 'api', 1, 3],
      ['Cluster', 'web', 1, 3],
      ['ClusterLoadAssignment', 'api', 1, 3],
      ['ClusterLoadAssignment', 'missing', 2, 1],
    ]);
    const api = all.config[0].genericXdsConfigs[0];
    expect(api.versionInfo).toBe(cache.getSnapshot('envoy-1')!.entry(TypeUrl.Cluster, 'api')!.version);
    expect((unpack(api.xdsConfig) as { name: string }).name).toBe('api');
    const two = all.config[1].genericXdsConfigs[0];
    expect(two).toMatchObject({ name: 'api', configStatus: 4, clientStatus: 4 });
    expect(two.errorState.details).toBe('no thanks');

    const filtered = await fetch({ nodeMatchers: [{ nodeId: { matchPattern: { $case: 'prefix', prefix: 'envoy-2' } } }], excludeResourceContents: true });
    expect(filtered.config).toHaveLength(1);
    expect(filtered.config[0].genericXdsConfigs[0].xdsConfig).toBeUndefined();
    const byRegex = await fetch({ nodeMatchers: [{ nodeId: { matchPattern: { $case: 'safeRegex', safeRegex: { regex: 'envoy-[0-9]' } } } }] });
    expect(byRegex.config).toHaveLength(2);

    // Node metadata matchers: every StructMatcher of a NodeMatcher must match; any NodeMatcher may.
    const ids = async (...nodeMetadatas: object[]) => (await fetch({ nodeMatchers: [{ nodeMetadatas }] })).config.map((c: any) => c.node.id);
    const path = (...keys: string[]) => keys.map((key) => ({ segment: { $case: 'key', key } }));
    expect(await ids({ path: path('region'), value: { matchPattern: { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: 'eu' } } } } })).toEqual(['envoy-1']);
    expect(await ids({ path: path('tier', 'level'), value: { matchPattern: { $case: 'doubleMatch', doubleMatch: { matchPattern: { $case: 'range', range: { start: 1, end: 2 } } } } } })).toEqual(['envoy-2']);
    expect(await ids({ path: path('tags'), value: { matchPattern: { $case: 'listMatch', listMatch: { matchPattern: { $case: 'oneOf', oneOf: { matchPattern: { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: 'canary' } } } } } } } } })).toEqual(['envoy-1']);
    expect(await ids({ path: path('debug'), value: { matchPattern: { $case: 'nullMatch', nullMatch: {} } } })).toEqual(['envoy-2']);
    expect(await ids({ path: path('debug'), value: { matchPattern: { $case: 'boolMatch', boolMatch: true } } })).toEqual(['envoy-1']);
    expect(await ids({ path: path('region'), value: { matchPattern: { $case: 'presentMatch', presentMatch: true } } })).toEqual(['envoy-1', 'envoy-2']);
    // present_match: "If the path is referring to a non-primitive value, the result is always not matched."
    expect(await ids({ path: path('tier'), value: { matchPattern: { $case: 'presentMatch', presentMatch: true } } })).toEqual([]);
    expect(await ids({ path: path('tier', 'level', 'deeper'), value: { matchPattern: { $case: 'presentMatch', presentMatch: true } } })).toEqual([]);
    expect(
      await ids(
        { path: path('region'), value: { matchPattern: { $case: 'orMatch', orMatch: { valueMatchers: [{ matchPattern: { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: 'us' } } } }, { matchPattern: { $case: 'boolMatch', boolMatch: true } }] } } } },
        { path: path('tags'), value: { matchPattern: { $case: 'listMatch', listMatch: { matchPattern: { $case: 'oneOf', oneOf: { matchPattern: { $case: 'presentMatch', presentMatch: true } } } } } } },
      ),
    ).toEqual(['envoy-2']);
    const both = await fetch({
      nodeMatchers: [
        { nodeId: { matchPattern: { $case: 'exact', exact: 'envoy-1' } }, nodeMetadatas: [{ path: path('region'), value: { matchPattern: { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: 'us' } } } } }] },
        { nodeId: { matchPattern: { $case: 'exact', exact: 'envoy-2' } } },
      ],
    });
    expect(both.config.map((c: any) => c.node.id)).toEqual(['envoy-2']);
    await expect(fetch({ nodeMatchers: [{ nodeMetadatas: [{ path: path('x') }] }] })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('a value matcher needs one of'),
    });

    // The streaming variant answers each request.
    const stream = (client as any).StreamClientStatus();
    stream.on('error', () => {});
    const got = new Promise<any>((resolve) => stream.on('data', resolve));
    stream.write({ nodeMatchers: [{ nodeId: { matchPattern: { $case: 'exact', exact: 'envoy-1' } } }] });
    expect((await got).config.map((c: any) => c.node.id)).toEqual(['envoy-1']);
    stream.cancel();
  });
});

describe('CSDS access', () => {
  it('never returns the contents of secrets, and can be restricted to some callers', async () => {
    const cache = new SnapshotCache();
    const secret = { name: 'server-cert', tlsCertificate: { privateKey: { specifier: { $case: 'inlineString', inlineString: 'PRIVATE KEY' } } } };
    cache.setSnapshot('envoy-1', Snapshot.create({ secrets: [secret], clusters: fixtureResources().clusters }));
    let allow = true;
    const xds = createXdsServer({ cache, authorizeCsds: () => (allow ? true : 'not an operator') });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    const c = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' } });
    closers.push(() => c.close());
    c.request(TypeUrl.Secret, ['server-cert']);
    c.request(TypeUrl.Cluster);
    await c.next();
    await c.next();
    const Csds = grpc.makeGenericClientConstructor(xdsServiceDefinition(CSDS_SERVICE), 'csds');
    const client = new Csds(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    closers.push(() => client.close());
    const fetch = () =>
      new Promise<any>((resolve, reject) => (client as any).FetchClientStatus({}, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
    const configs = (await fetch()).config[0].genericXdsConfigs;
    const sec = configs.find((g: any) => g.typeUrl === TypeUrl.Secret);
    expect(sec.name).toBe('server-cert');
    expect(sec.xdsConfig).toBeUndefined();
    expect(configs.find((g: any) => g.typeUrl === TypeUrl.Cluster).xdsConfig).toBeDefined();
    allow = false;
    await expect(fetch()).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'not an operator' });
  });
});

describe('metrics', () => {
  it('count streams, requests, pushes, ACKs and NACKs in a prom-client registry', async () => {
    const registry = new prom.Registry();
    const cache = new SnapshotCache();
    cache.setSnapshot('envoy-1', fixtureSnapshot());
    const xds = createXdsServer({ cache, metrics: { client: prom, registry } });
    servers.push(xds);
    const port = await xds.listen('127.0.0.1:0');
    let reject = false;
    const c = new SotwClient(`127.0.0.1:${port}`, { node: { id: 'envoy-1' }, reject: () => (reject ? 'bad' : undefined) });
    closers.push(() => c.close());
    c.request(TypeUrl.Cluster);
    await c.next();
    await until(() => xds.status('envoy-1')!.types[0]!.ackedVersion !== undefined);
    reject = true;
    cache.patch('envoy-1', { remove: { clusters: ['web'] } });
    await c.next();
    await until(() => xds.status('envoy-1')!.types[0]!.lastNack !== undefined);
    const text = await registry.metrics();
    const value = (line: string) => Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').pop());
    expect(value('xds_server_streams{kind="sotw"}')).toBe(1);
    expect(value('xds_server_pushes_total{type="envoy.config.cluster.v3.Cluster"}')).toBe(2);
    expect(value('xds_server_acks_total{type="envoy.config.cluster.v3.Cluster"}')).toBe(1);
    expect(value('xds_server_nacks_total{type="envoy.config.cluster.v3.Cluster"}')).toBe(1);
    expect(value('xds_server_requests_total{type="envoy.config.cluster.v3.Cluster"}')).toBe(3);
    expect(value('xds_server_push_bytes_total{type="envoy.config.cluster.v3.Cluster"}')).toBeGreaterThan(100);
    expect(value('xds_server_push_ack_seconds_count{type="envoy.config.cluster.v3.Cluster"}')).toBe(2);
    // A second server in the same process reuses the metrics.
    expect(() => createXdsServer({ cache, metrics: { client: prom, registry } })).not.toThrow();
  });
});
