import { describe, expect, it } from 'vitest';
import { create, encode, equals, fromJson, toJson, decode } from 'xdskit';

describe('registry regressions found by the sweep', () => {
  it('1. fromJson packs Any canonically: map key order in the input does not change the bytes', () => {
    const vh = (ce: Record<string, string>) =>
      fromJson('envoy.config.route.v3.VirtualHost', {
        name: 'v',
        typed_per_filter_config: {
          f: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', check_settings: { context_extensions: ce } },
        },
      });
    expect(equals('envoy.config.route.v3.VirtualHost', vh({ b: '1', a: '2' }), vh({ a: '2', b: '1' }))).toBe(true);
  });

  it('2. encodes a map of enums', () => {
    const t = 'envoy.extensions.filters.http.proto_message_logging.v3.MethodLogging';
    const m = create(t, { requestLoggingByField: { 'a.b': 1 } });
    expect(decode(t, encode(t, m))).toEqual(m);
  });

  it('3. reads a NullValue oneof member written as null', () => {
    const t = 'google.api.expr.v1alpha1.Constant';
    const m = create(t, { constantKind: { $case: 'nullValue', nullValue: 0 } });
    expect(toJson(t, m)).toEqual({ nullValue: null });
    expect(fromJson(t, { nullValue: null })).toEqual(m);
  });

  it('4. writes a google.protobuf.Value field holding null', () => {
    const t = 'envoy.extensions.filters.http.thrift_to_metadata.v3.KeyValuePair';
    const m = fromJson(t, { key: 'k', value: null });
    expect(toJson(t, m)).toEqual({ key: 'k', value: null });
  });

  it('5. rejects a timestamp on a day that does not exist', () => {
    expect(() => fromJson('envoy.admin.v3.UpdateFailureState', { last_update_attempt: '2024-02-30T00:00:00Z' })).toThrow(/invalid timestamp/);
  });

  it('6. rounds float fields to float32 when reading JSON, so binary round trips are identities', () => {
    const t = 'envoy.extensions.http.cache.file_system_http_cache.v3.FileSystemHttpCacheConfig';
    const m = fromJson(t, { evict_fraction: 0.1 });
    expect(decode(t, encode(t, m))).toEqual(m);
  });

  it('7. canonical encoding reaches into Any values packed by another encoder', () => {
    const raw = (ce: Record<string, string>) => ({
      typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
      // map entries in insertion order, as protobufjs/protobuf-es/Go write them
      value: Buffer.from(
        encodeUncanonical(ce),
      ),
    });
    const a = create('envoy.config.route.v3.VirtualHost', { name: 'v', typedPerFilterConfig: { f: raw({ b: '1', a: '2' }) } });
    const b = create('envoy.config.route.v3.VirtualHost', { name: 'v', typedPerFilterConfig: { f: raw({ a: '2', b: '1' }) } });
    expect(equals('envoy.config.route.v3.VirtualHost', a, b)).toBe(true);
  });
});

import { envoy } from 'xdskit';
function encodeUncanonical(ce: Record<string, string>): Uint8Array {
  return envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute.encode({ override: { $case: 'checkSettings', checkSettings: { contextExtensions: ce } } }).finish();
}

describe('loading config dumps and delta responses', () => {
  it('reads a DeltaDiscoveryResponse and extracts the resources of its envelopes', async () => {
    const { loadEnvoyConfig, TypeUrl } = await import('xdskit');
    const loaded = loadEnvoyConfig(`
system_version_info: "7"
type_url: type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
resources:
- name: server-cert
  version: "1"
  resource:
    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
    name: server-cert
    tls_certificate: { certificate_chain: { filename: /etc/certs/cert.pem }, private_key: { filename: /etc/certs/key.pem } }
removed_resources: [old-cert]
`);
    expect(loaded.kind).toBe('delta_discovery_response');
    expect((loaded.resources.get(TypeUrl.Secret) as { name: string }[]).map((s) => s.name)).toEqual(['server-cert']);
  });

  it('keeps a cluster once when the dump lists it in the bootstrap, as static and as warming', async () => {
    const { loadEnvoyConfig, TypeUrl } = await import('xdskit');
    const cluster = { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'xds-grpc', type: 'STATIC' };
    const loaded = loadEnvoyConfig(
      JSON.stringify({
        configs: [
          { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: { static_resources: { clusters: [{ name: 'xds-grpc', type: 'STATIC' }] } } },
          {
            '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
            static_clusters: [{ cluster }],
            dynamic_active_clusters: [{ cluster: { ...cluster, name: 'api' } }],
            dynamic_warming_clusters: [{ cluster: { ...cluster, name: 'api' } }],
          },
        ],
      }),
    );
    expect((loaded.resources.get(TypeUrl.Cluster) as { name: string }[]).map((c) => c.name)).toEqual(['xds-grpc', 'api']);
  });

  it('reads and writes FieldMask as comma-separated lowerCamelCase paths', async () => {
    const { fromJson, toJson } = await import('xdskit');
    const m = fromJson('xdskit.wkt.WellKnownTypes', { field_mask: 'connectTimeout,loadAssignment.clusterName' });
    expect(m.fieldMask).toEqual(['connect_timeout', 'load_assignment.cluster_name']);
    expect(toJson('xdskit.wkt.WellKnownTypes', m)).toEqual({ fieldMask: 'connectTimeout,loadAssignment.clusterName' });
  });
});

describe('decoding plain Uint8Arrays', () => {
  it('gives bytes fields as Buffers, as the generated types say', async () => {
    const { decode, encode, pack } = await import('xdskit');
    const any = pack('envoy.extensions.filters.http.router.v3.Router', { suppressEnvoyHeaders: true });
    const bytes = new Uint8Array(encode('google.protobuf.Any', any));
    const back = decode('google.protobuf.Any', bytes);
    expect(Buffer.isBuffer(back.value)).toBe(true);
    expect(back.value!.toString('base64')).toBe(any.value!.toString('base64'));
  });
});
