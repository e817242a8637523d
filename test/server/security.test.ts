import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl } from 'xdskit';
import { SnapshotCache } from 'xdskit/cache';
import { createXdsServer, subjectAltNames, type XdsServer, type XdsServerOptions } from 'xdskit/server';
import { SotwClient } from '../support/sotw-client.js';
import { DeltaClient } from '../support/delta-client.js';
import { fixtureSnapshot } from '../support/fixture.js';
import { makeTestPki, type TestPki } from '../support/certs.js';

const SPIFFE = 'spiffe://xdskit.test/ns/default/sa/envoy-1';
let pki: TestPki;
let servers: XdsServer[] = [];
let closers: (() => void)[] = [];

beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.dispose());
afterEach(async () => {
  for (const c of closers) c();
  closers = [];
  await Promise.all(servers.map((s) => s.close({ graceMs: 200 })));
  servers = [];
});

async function start(options: Partial<XdsServerOptions>) {
  const cache = new SnapshotCache();
  cache.setSnapshot(SPIFFE, fixtureSnapshot());
  cache.setSnapshot('impostor', fixtureSnapshot());
  const xds = createXdsServer({ cache, ...options });
  servers.push(xds);
  const port = await xds.listen('127.0.0.1:0');
  return { cache, xds, port };
}

function sotw(port: number, nodeId: string, credentials: grpc.ChannelCredentials): SotwClient {
  const c = new SotwClient(`127.0.0.1:${port}`, { node: { id: nodeId }, credentials });
  closers.push(() => c.close());
  return c;
}

describe('TLS', () => {
  it('serves clients that trust the server certificate', async () => {
    const { port } = await start({ tls: { cert: pki.server.cert, key: pki.server.key } });
    const c = sotw(port, 'impostor', grpc.credentials.createSsl(pki.ca));
    c.request(TypeUrl.Cluster);
    // Without client certificates there is no identity to check the node against.
    expect((await c.next()).resources).toHaveLength(2);
    const insecure = sotw(port, 'impostor', grpc.credentials.createInsecure());
    insecure.request(TypeUrl.Cluster);
    expect((await insecure.ended).code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe('mTLS with node authorisation', () => {
  const mtls = () => ({ tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca } });

  it('serves a node whose id is the SPIFFE ID of its certificate', async () => {
    const { port, xds } = await start(mtls());
    const id = pki.client([SPIFFE]);
    const c = sotw(port, SPIFFE, grpc.credentials.createSsl(pki.ca, id.key, id.cert));
    c.request(TypeUrl.Cluster);
    expect((await c.next()).resources).toHaveLength(2);
    expect(xds.status(SPIFFE)!.streams).toBe(1);
  });

  it('refuses a node whose id does not match its certificate with PERMISSION_DENIED, before any config or watch', async () => {
    const { port, cache, xds } = await start(mtls());
    const id = pki.client([SPIFFE]);
    const c = sotw(port, 'impostor', grpc.credentials.createSsl(pki.ca, id.key, id.cert));
    c.request(TypeUrl.Cluster);
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toBe(`node id "impostor" does not match the certificate identity ${SPIFFE}`);
    expect(c.received).toHaveLength(0);
    expect(cache.status('impostor')?.watches ?? 0).toBe(0);
    expect(cache.status('impostor')?.firstSeen).toBeUndefined();
    expect(xds.status('impostor')).toBeUndefined();
  });

  it('refuses a delta stream the same way', async () => {
    const { port } = await start(mtls());
    const id = pki.client(['spiffe://xdskit.test/ns/default/sa/someone-else']);
    const c = new DeltaClient(`127.0.0.1:${port}`, { node: { id: SPIFFE }, credentials: grpc.credentials.createSsl(pki.ca, id.key, id.cert) });
    closers.push(() => c.close());
    c.subscribe(TypeUrl.Cluster, ['*']);
    expect((await c.ended).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(c.received).toHaveLength(0);
  });

  it('refuses a certificate without a SPIFFE ID', async () => {
    const { port } = await start(mtls());
    const id = pki.client([]);
    const c = sotw(port, SPIFFE, grpc.credentials.createSsl(pki.ca, id.key, id.cert));
    c.request(TypeUrl.Cluster);
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toMatch(/no SPIFFE ID/);
  });

  it('fails the handshake of a client without a certificate, or with one of another CA', async () => {
    const { port } = await start(mtls());
    const none = sotw(port, SPIFFE, grpc.credentials.createSsl(pki.ca));
    none.request(TypeUrl.Cluster);
    expect((await none.ended).code).toBe(grpc.status.UNAVAILABLE);
    const s = pki.stranger(SPIFFE);
    const stranger = sotw(port, SPIFFE, grpc.credentials.createSsl(pki.ca, s.key, s.cert));
    stranger.request(TypeUrl.Cluster);
    expect((await stranger.ended).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('takes a custom authoriser that sees the node and the peer certificate', async () => {
    const seen: string[] = [];
    const { port } = await start({
      ...mtls(),
      authorizeNode: (node, peer) => {
        seen.push(`${node.cluster}@${peer.spiffeId}`);
        return peer.spiffeId?.endsWith(`/sa/${node.cluster}`) ? true : 'wrong service account';
      },
    });
    const id = pki.client([SPIFFE]);
    const ok = new SotwClient(`127.0.0.1:${port}`, { node: { id: SPIFFE, cluster: 'envoy-1' }, credentials: grpc.credentials.createSsl(pki.ca, id.key, id.cert) });
    closers.push(() => ok.close());
    ok.request(TypeUrl.Cluster);
    expect((await ok.next()).resources).toHaveLength(2);
    const bad = new SotwClient(`127.0.0.1:${port}`, { node: { id: SPIFFE, cluster: 'other' }, credentials: grpc.credentials.createSsl(pki.ca, id.key, id.cert) });
    closers.push(() => bad.close());
    bad.request(TypeUrl.Cluster);
    expect(await bad.ended).toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: 'wrong service account' });
    expect(seen).toEqual([`envoy-1@${SPIFFE}`, `other@${SPIFFE}`]);
  });
});

describe('subject alternative names', () => {
  it('are split by kind, with quoted values unquoted', () => {
    const cert = { subjectaltname: 'DNS:a.example, URI:spiffe://td/ns/x/sa/y, URI:"spiffe://td/a,b", IP Address:127.0.0.1' } as never;
    expect(subjectAltNames(cert)).toEqual({ uris: ['spiffe://td/ns/x/sa/y', 'spiffe://td/a,b'], dnsNames: ['a.example'] });
    expect(subjectAltNames(undefined)).toEqual({ uris: [], dnsNames: [] });
  });
});
