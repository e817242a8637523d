import { describe, expect, it, vi } from 'vitest';
import { decode, encode, envoy, TypeUrl, typeInfo, unpack } from 'xdskit';
import {
  ADS_SERVICE,
  encodeDeltaDiscoveryResponse,
  encodeDiscoveryResponse,
  decodeDiscoveryRequest,
  isUndecodable,
  RESOURCE_ENVELOPE_TYPE_URL,
  XDS_METHODS,
  xdsServiceDefinition,
} from '../../src/server/index.js';

const cluster = (name: string) =>
  ({ name, connectTimeout: { seconds: '1', nanos: 0 }, clusterDiscoveryType: { $case: 'type', type: 3 } }) as envoy.config.cluster.v3.Cluster;

describe('the response framing around pre-encoded resources', () => {
  it('writes a DiscoveryResponse that decodes to the same resources, without encoding them again', () => {
    const bytes = [cluster('a'), cluster('b')].map((c) => encode(TypeUrl.Cluster, c));
    const codec = typeInfo(TypeUrl.Cluster).codec;
    const spy = vi.spyOn(codec, 'encode');
    const wire = encodeDiscoveryResponse({
      typeUrl: TypeUrl.Cluster,
      versionInfo: 'v1',
      nonce: '7',
      controlPlane: 'xdskit-test',
      resources: bytes.map((b, i) => ({ name: i ? 'b' : 'a', version: `h${i}`, bytes: b })),
    });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    const r = decode('envoy.service.discovery.v3.DiscoveryResponse', wire);
    expect(r.versionInfo).toBe('v1');
    expect(r.nonce).toBe('7');
    expect(r.typeUrl).toBe(TypeUrl.Cluster);
    expect(r.controlPlane?.identifier).toBe('xdskit-test');
    expect(r.resources!.map((a) => a.typeUrl)).toEqual([TypeUrl.Cluster, TypeUrl.Cluster]);
    expect(r.resources!.map((a) => (unpack(a, TypeUrl.Cluster) as { name: string }).name)).toEqual(['a', 'b']);
    expect(Buffer.from(r.resources![0]!.value!)).toEqual(Buffer.from(bytes[0]!));
  });

  it('wraps a SotW resource with a TTL in a discovery Resource envelope, and a heartbeat without its content', () => {
    const bytes = encode(TypeUrl.Cluster, cluster('a'));
    const ttl = { seconds: '30', nanos: 0 };
    const wire = encodeDiscoveryResponse({
      typeUrl: TypeUrl.Cluster,
      versionInfo: 'v1',
      nonce: '1',
      resources: [
        { name: 'a', version: 'h', bytes, ttl },
        { name: 'a', version: 'h', bytes, ttl, heartbeat: true },
      ],
    });
    const r = decode('envoy.service.discovery.v3.DiscoveryResponse', wire);
    expect(r.resources![0]!.typeUrl).toBe(RESOURCE_ENVELOPE_TYPE_URL);
    const env = unpack(r.resources![0]!, 'envoy.service.discovery.v3.Resource');
    expect(env).toMatchObject({ name: 'a', version: 'h', ttl });
    expect((unpack(env.resource!, TypeUrl.Cluster) as { name: string }).name).toBe('a');
    const beat = unpack(r.resources![1]!, 'envoy.service.discovery.v3.Resource');
    expect(beat.resource).toBeUndefined();
    expect(beat.ttl).toEqual(ttl);
  });

  it('writes a DeltaDiscoveryResponse with names, versions and removals', () => {
    const bytes = encode(TypeUrl.Cluster, cluster('a'));
    const wire = encodeDeltaDiscoveryResponse({
      typeUrl: TypeUrl.Cluster,
      systemVersionInfo: 's1',
      nonce: 'n',
      resources: [{ name: 'a', version: 'abc', bytes }],
      removed: ['gone', 'also-gone'],
    });
    const r = decode('envoy.service.discovery.v3.DeltaDiscoveryResponse', wire);
    expect(r.systemVersionInfo).toBe('s1');
    expect(r.removedResources).toEqual(['gone', 'also-gone']);
    expect(r.resources).toHaveLength(1);
    expect(r.resources![0]).toMatchObject({ name: 'a', version: 'abc' });
    expect(Buffer.from(r.resources![0]!.resource!.value!)).toEqual(Buffer.from(bytes));
    expect(r.resources![0]!.resource!.typeUrl).toBe(TypeUrl.Cluster);
  });

  it('writes an empty resource with an empty Any value (a default message)', () => {
    const wire = encodeDiscoveryResponse({ typeUrl: TypeUrl.Runtime, versionInfo: '', nonce: '1', resources: [{ name: '', version: 'x', bytes: new Uint8Array() }] });
    const r = decode('envoy.service.discovery.v3.DiscoveryResponse', wire);
    expect(r.resources).toHaveLength(1);
    expect(r.resources![0]!.typeUrl).toBe(TypeUrl.Runtime);
  });
});

describe('request decoding', () => {
  it('returns a marker naming the problem for bytes that are not a DiscoveryRequest', () => {
    const bad = decodeDiscoveryRequest(Buffer.from([0x08, 0x01, 0x07]));
    expect(isUndecodable(bad)).toBe(true);
    if (isUndecodable(bad)) expect(bad.undecodable).toMatch(/cannot decode envoy\.service\.discovery\.v3\.DiscoveryRequest/);
  });

  it('decodes a valid request', () => {
    const bytes = encode('envoy.service.discovery.v3.DiscoveryRequest', { typeUrl: TypeUrl.Cluster, resourceNames: ['a'] });
    const r = decodeDiscoveryRequest(bytes);
    expect(isUndecodable(r)).toBe(false);
    expect(r).toMatchObject({ typeUrl: TypeUrl.Cluster, resourceNames: ['a'] });
  });
});

describe('the service definitions', () => {
  it('name every method by the path of its .proto service', () => {
    const paths = XDS_METHODS.map((m) => m.path);
    expect(paths).toContain('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources');
    expect(paths).toContain('/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources');
    expect(paths).toContain('/envoy.service.cluster.v3.ClusterDiscoveryService/StreamClusters');
    expect(paths).toContain('/envoy.service.route.v3.VirtualHostDiscoveryService/DeltaVirtualHosts');
    expect(paths).toContain('/envoy.service.extension.v3.ExtensionConfigDiscoveryService/DeltaExtensionConfigs');
    expect(paths).toContain('/envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus');
    const ads = xdsServiceDefinition(ADS_SERVICE);
    expect(Object.keys(ads)).toEqual(['StreamAggregatedResources', 'DeltaAggregatedResources']);
    expect(ads['StreamAggregatedResources']!.requestStream).toBe(true);
  });

  it('match the services and methods of the .proto files', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const root = path.resolve('node_modules/@grpc/grpc-js-xds/deps/envoy-api');
    for (const m of XDS_METHODS) {
      const pkg = m.service.slice(0, m.service.lastIndexOf('.'));
      const dir = path.join(root, ...pkg.split('.'));
      const text = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.proto'))
        .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
        .join('\n');
      const svc = m.service.slice(pkg.length + 1);
      const start = text.indexOf(`service ${svc} {`);
      expect(start, m.path).toBeGreaterThanOrEqual(0);
      const body = text.slice(start, text.indexOf('\n}\n', start));
      expect(body, m.path).toContain(`rpc ${m.method}(`);
    }
  });

  it('rejects an unknown service name', () => {
    expect(() => xdsServiceDefinition('envoy.service.nope.v3.Nope')).toThrow(/unknown xDS service/);
  });
});
