import { afterEach, describe, expect, it } from 'vitest';
import { TypeUrl, type envoy } from 'xdskit';
import { Snapshot, SnapshotCache, vhdsAlias } from 'xdskit/cache';
import * as grpc from '@grpc/grpc-js';
import { createXdsServer, CSDS_SERVICE, xdsServiceDefinition, type AckEvent, type NackEvent, type XdsServer } from 'xdskit/server';
import { DeltaClient, type DeltaClientOptions, type Received } from '../support/delta-client.js';
import { until } from '../support/wait.js';

type VirtualHost = envoy.config.route.v3.VirtualHost;

const VHDS = TypeUrl.VirtualHost;
const NODE = { id: 'envoy-1' };
let servers: XdsServer[] = [];
let clients: DeltaClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});

/** A VHDS virtual host: named `<rc>/<vh>` (the resource name is the message's name). */
function vh(name: string, domains: string[], cluster = 'api'): VirtualHost {
  return {
    name: `local/${name}`,
    domains,
    routes: [{ match: { pathSpecifier: { $case: 'prefix', prefix: '/' } }, action: { $case: 'route', route: { clusterSpecifier: { $case: 'cluster', cluster } } } }],
  };
}

const routes = [{ name: 'local', vhds: { configSource: { configSourceSpecifier: { $case: 'ads' as const, ads: {} } } } }];

async function start(virtualHosts: VirtualHost[]) {
  const cache = new SnapshotCache();
  cache.setSnapshot('envoy-1', Snapshot.create({ routes, virtual_hosts: virtualHosts }));
  const events = { acks: [] as AckEvent[], nacks: [] as NackEvent[] };
  const xds = createXdsServer({ cache, onAck: (e) => events.acks.push(e), onNack: (e) => events.nacks.push(e) });
  servers.push(xds);
  const port = await xds.listen('127.0.0.1:0');
  const connect = (o: DeltaClientOptions = {}) => {
    const c = new DeltaClient(`127.0.0.1:${port}`, { node: NODE, ...o });
    clients.push(c);
    return c;
  };
  return { cache, events, connect, port };
}

/** The resources of a response as name → aliases, with `absent` when the Resource had no `resource`. */
function answered(r: Received) {
  return (r.response.resources ?? []).map((x) => ({ name: x.name, aliases: x.aliases ?? [], ...(x.resource ? {} : { absent: true }) }));
}

describe('VHDS over delta ADS on 127.0.0.1', () => {
  it('answers a <rc>/<host:port> alias with the virtual host whose domains match, listing the alias', async () => {
    const { connect, events } = await start([vh('api', ['api.example.com', 'api.example.com:8080']), vh('wild', ['*.example.com'])]);
    const c = connect();
    // What Envoy sends for a request with "Host: API.example.com:8080": the route configuration
    // name, a slash, and the Host header lower-cased, port included.
    const alias = vhdsAlias('local', 'API.example.com:8080');
    expect(alias).toBe('local/api.example.com:8080');
    c.subscribe(VHDS, [alias]);
    const r = await c.next(VHDS);
    expect(answered(r)).toEqual([{ name: 'local/api', aliases: [alias] }]);
    expect(r.response.removedResources ?? []).toEqual([]);
    const held = c.held.get(VHDS)!.get('local/api')!;
    expect((held.resource as VirtualHost).domains).toEqual(['api.example.com', 'api.example.com:8080']);
    expect(held.aliases).toEqual([alias]);
    expect(held.version).toMatch(/^[0-9a-f]{64}$/);
    await until(() => events.acks.length === 1);
    expect(events.nacks).toEqual([]);
  });

  it('answers an alias no virtual host matches with a Resource carrying the alias and no resource', async () => {
    const { connect } = await start([vh('api', ['api.example.com'])]);
    const c = connect();
    c.subscribe(VHDS, ['local/nowhere.net:80']);
    const r = await c.next(VHDS);
    expect(answered(r)).toEqual([{ name: 'local/nowhere.net:80', aliases: ['local/nowhere.net:80'], absent: true }]);
    expect(r.response.removedResources ?? []).toEqual([]);
  });

  it('sends the virtual host with the alias once a later snapshot makes the alias resolve', async () => {
    const { cache, connect } = await start([vh('api', ['api.example.com'])]);
    const c = connect();
    c.subscribe(VHDS, ['local/web.example.com']);
    expect(answered(await c.next(VHDS))).toEqual([{ name: 'local/web.example.com', aliases: ['local/web.example.com'], absent: true }]);
    cache.patch('envoy-1', { set: { virtual_hosts: [vh('web', ['web.example.com'])] } });
    const r = await c.next(VHDS);
    expect(answered(r)).toEqual([{ name: 'local/web', aliases: ['local/web.example.com'] }]);
    expect(r.response.removedResources ?? []).toEqual([]);
  });

  it('moves an alias to a more specific virtual host and removes the one it no longer needs, in one response', async () => {
    const { cache, connect } = await start([vh('wild', ['*.example.com'])]);
    const c = connect();
    c.subscribe(VHDS, ['local/www.example.com']);
    expect(answered(await c.next(VHDS))).toEqual([{ name: 'local/wild', aliases: ['local/www.example.com'] }]);
    cache.patch('envoy-1', { set: { virtual_hosts: [vh('www', ['www.example.com'])] } });
    const r = await c.next(VHDS);
    expect(answered(r)).toEqual([{ name: 'local/www', aliases: ['local/www.example.com'] }]);
    expect(r.response.removedResources).toEqual(['local/wild']);
    expect(c.names(VHDS)).toEqual(['local/www']);
  });

  it('pushes content changes of a resolved virtual host, and stops after the alias is unsubscribed', async () => {
    const { cache, connect } = await start([vh('api', ['api.example.com'])]);
    const c = connect();
    c.subscribe(VHDS, ['local/api.example.com']);
    await c.next(VHDS);
    cache.patch('envoy-1', { set: { virtual_hosts: [vh('api', ['api.example.com'], 'api-v2')] } });
    const r = await c.next(VHDS);
    expect(answered(r)).toEqual([{ name: 'local/api', aliases: ['local/api.example.com'] }]);
    expect((c.held.get(VHDS)!.get('local/api')!.resource as VirtualHost).routes![0]!.action).toMatchObject({ route: { clusterSpecifier: { cluster: 'api-v2' } } });
    c.unsubscribe(VHDS, ['local/api.example.com']);
    expect(await c.quiet(200, VHDS)).toBe(true);
    cache.patch('envoy-1', { set: { virtual_hosts: [vh('api', ['api.example.com'], 'api-v3')] } });
    expect(await c.quiet(300, VHDS)).toBe(true);
  });

  it('serves the same on the per-type VirtualHostDiscoveryService (DeltaVirtualHosts)', async () => {
    const { connect } = await start([vh('api', ['api.example.com:8080'])]);
    const c = connect({ service: 'envoy.service.route.v3.VirtualHostDiscoveryService' });
    c.subscribe(VHDS, ['local/api.example.com:8080', 'local/api.example.com']);
    const r = await c.next(VHDS);
    expect(answered(r).sort((a, b) => a.name!.localeCompare(b.name!))).toEqual([
      { name: 'local/api', aliases: ['local/api.example.com:8080'] },
      { name: 'local/api.example.com', aliases: ['local/api.example.com'], absent: true },
    ]);
  });

  it('reports aliases in CSDS under the virtual host they resolve to, and unresolved ones as DOES_NOT_EXIST', async () => {
    const { connect, events, port } = await start([vh('api', ['api.example.com'])]);
    const c = connect();
    c.subscribe(VHDS, ['local/api.example.com', 'local/nowhere.net']);
    await c.next(VHDS);
    await until(() => events.acks.length === 1);
    const Csds = grpc.makeGenericClientConstructor(xdsServiceDefinition(CSDS_SERVICE), 'csds');
    const client = new Csds(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const res = await new Promise<any>((resolve, reject) => (client as any).FetchClientStatus({}, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
      const rows = res.config[0].genericXdsConfigs.map((g: any) => [g.name, g.configStatus, g.clientStatus]);
      // SYNCED/ACKED for the virtual host; NOT_SENT/DOES_NOT_EXIST for the alias nothing matches;
      // no separate row for the alias that resolved.
      expect(rows).toEqual([
        ['local/api', 1, 3],
        ['local/nowhere.net', 2, 2],
      ]);
    } finally {
      client.close();
    }
  });
});
