import { describe, expect, it } from 'vitest';
import { toJson } from 'xdskit';
import { ConfigSource, DataSource, INTERNAL_LISTENER_EXTENSION, Match, San, bootstrap, downstreamTls, secret, typed, upstreamTls, xdsCluster, listener, cluster, AccessLog } from 'xdskit/builders';

const D = 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const U = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

describe('downstream TLS contexts', () => {
  it('take certificates from files, inline PEM, env and SDS, with ALPN, versions and ciphers', () => {
    const t = downstreamTls()
      .certificate('/etc/certs/a.crt', '/etc/certs/a.key', { ocspStaple: '/etc/certs/a.ocsp', password: { env: 'KEY_PASSWORD' } })
      .certificate('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', { env: 'B_KEY' })
      .sdsCertificate('c-cert')
      .sdsCertificate('d-cert', ConfigSource.grpc('sds'))
      .alpn('h2', 'http/1.1')
      .tlsVersions('TLSv1_2', 'TLSv1_3')
      .cipherSuites('ECDHE-ECDSA-AES128-GCM-SHA256')
      .ecdhCurves('X25519')
      .requireClientCertificate()
      .requireSni()
      .sessionTimeout('1h')
      .build();
    const j = toJson(D, t, { keys: 'proto' });
    expect(j).toMatchObject({
      require_client_certificate: true,
      require_sni: true,
      session_timeout: '3600s',
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3', cipher_suites: ['ECDHE-ECDSA-AES128-GCM-SHA256'], ecdh_curves: ['X25519'] },
        tls_certificates: [
          { certificate_chain: { filename: '/etc/certs/a.crt' }, private_key: { filename: '/etc/certs/a.key' }, password: { environment_variable: 'KEY_PASSWORD' }, ocsp_staple: { filename: '/etc/certs/a.ocsp' } },
          { certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, private_key: { environment_variable: 'B_KEY' } },
        ],
        tls_certificate_sds_secret_configs: [
          { name: 'c-cert', sds_config: { ads: {}, resource_api_version: 'V3' } },
          { name: 'd-cert', sds_config: { api_config_source: { api_type: 'GRPC' } } },
        ],
        alpn_protocols: ['h2', 'http/1.1'],
      },
    });
  });

  it('validate client certificates against a CA and SAN matchers', () => {
    const t = downstreamTls()
      .requireClientCertificate()
      .validation({ trustedCa: '/ca.pem', crl: '/ca.crl', matchSans: [San.uri(Match.prefix('spiffe://example.com/'))], verifyCertificateHash: ['a'.repeat(64)], allowExpiredCertificate: true })
      .matchSan(San.email('ops@example.com'), San.ip('10.0.0.1'))
      .build();
    expect(toJson(D, t, { keys: 'proto' }).common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: '/ca.pem' },
      crl: { filename: '/ca.crl' },
      match_typed_subject_alt_names: [
        { san_type: 'URI', matcher: { prefix: 'spiffe://example.com/' } },
        { san_type: 'EMAIL', matcher: { exact: 'ops@example.com' } },
        { san_type: 'IP_ADDRESS', matcher: { exact: '10.0.0.1' } },
      ],
      verify_certificate_hash: ['a'.repeat(64)],
      allow_expired_certificate: true,
    });
  });

  it('combine an SDS validation context with inline SAN matchers', () => {
    const a = downstreamTls().sdsValidation('mesh-ca').matchSan(San.dns('x')).build();
    const b = downstreamTls().matchSan(San.dns('x')).sdsValidation('mesh-ca').build();
    expect(a).toEqual(b);
    expect(toJson(D, a, { keys: 'proto' }).common_tls_context.combined_validation_context).toEqual({
      default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'x' } }] },
      validation_context_sds_secret_config: { name: 'mesh-ca', sds_config: { ads: {}, resource_api_version: 'V3' } },
    });
    expect(toJson(D, downstreamTls().sdsValidation('mesh-ca').build(), { keys: 'proto' }).common_tls_context).toEqual({
      validation_context_sds_secret_config: { name: 'mesh-ca', sds_config: { ads: {}, resource_api_version: 'V3' } },
    });
  });

  it('rejects an unknown TLS version', () => {
    expect(() => downstreamTls().tlsVersions('TLSv1_4' as never)).toThrow(
      'downstream tls context: common_tls_context.tls_params.tls_minimum_protocol_version: unknown tls version "TLSv1_4": expected one of TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3 (rule: enum)',
    );
  });
});

describe('upstream TLS contexts', () => {
  it('set SNI, client certificate, CA and renegotiation', () => {
    const t = upstreamTls('api.internal').clientCertificate('/c.pem', '/k.pem').trustedCa({ inline: 'PEM' }).allowRenegotiation().alpn('h2').build();
    expect(toJson(U, t, { keys: 'proto' })).toEqual({
      sni: 'api.internal',
      allow_renegotiation: true,
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: '/c.pem' }, private_key: { filename: '/k.pem' } }],
        validation_context: { trusted_ca: { inline_string: 'PEM' } },
        alpn_protocols: ['h2'],
      },
    });
  });

  it('fails on an SNI longer than 255 bytes', () => {
    expect(() => upstreamTls('a'.repeat(256)).build()).toThrow('invalid upstream tls context: 1 problem\n  sni:');
  });
});

describe('secrets', () => {
  it('hold a certificate, a validation context, session ticket keys or a generic secret', () => {
    expect(toJson('envoy.extensions.transport_sockets.tls.v3.Secret', secret('a').tlsCertificate('/a.crt', '/a.key').build(), { keys: 'proto' })).toEqual({
      name: 'a',
      tls_certificate: { certificate_chain: { filename: '/a.crt' }, private_key: { filename: '/a.key' } },
    });
    expect(toJson('envoy.extensions.transport_sockets.tls.v3.Secret', secret('b').validationContext({ trustedCa: DataSource.file('/ca.pem'), matchSans: [San.dns('x')] }).build(), { keys: 'proto' })).toEqual({
      name: 'b',
      validation_context: { trusted_ca: { filename: '/ca.pem' }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'x' } }] },
    });
    expect(secret('c').sessionTicketKeys('/k1', '/k2').build().type).toEqual({
      $case: 'sessionTicketKeys',
      sessionTicketKeys: { keys: [{ specifier: { $case: 'filename', filename: '/k1' } }, { specifier: { $case: 'filename', filename: '/k2' } }] },
    });
    expect(secret('d').genericSecret({ env: 'TOKEN' }).build().type).toEqual({ $case: 'genericSecret', genericSecret: { secret: { specifier: { $case: 'environmentVariable', environmentVariable: 'TOKEN' } } } });
  });

  it('rejects holding two kinds of secret', () => {
    expect(() => secret('s').tlsCertificate('/a', '/b').genericSecret('x')).toThrow(
      'secret "s": type: a secret holds one thing, and this one already holds a tlsCertificate (rule: oneof)',
    );
  });
});

describe('bootstraps', () => {
  it('set the node, admin, static resources and ADS (SotW or delta)', () => {
    const b = bootstrap()
      .node({ id: 'n', cluster: 'c', locality: { region: 'r', zone: 'z', subZone: 's' }, metadata: { a: 1 } })
      .admin('127.0.0.1:9901', false)
      .listener(listener('l').address('0.0.0.0:80').filters())
      .cluster(xdsCluster('xds', '10.0.0.1:18000'))
      .secret(secret('s').genericSecret('/s'))
      .ads('xds', { setNodeOnFirstMessageOnly: true })
      .build();
    const j = toJson('envoy.config.bootstrap.v3.Bootstrap', b, { keys: 'proto' });
    expect(j.node).toEqual({ id: 'n', cluster: 'c', metadata: { a: 1 }, locality: { region: 'r', zone: 'z', sub_zone: 's' } });
    expect(j.admin).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } });
    expect(j.dynamic_resources).toEqual({
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      ads_config: { api_type: 'AGGREGATED_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }], set_node_on_first_message_only: true },
    });
    expect(j.static_resources.clusters[0].type).toBeUndefined();
    expect(j.static_resources.listeners[0].name).toBe('l');
    expect(j.static_resources.secrets[0].name).toBe('s');
    expect(toJson('envoy.config.bootstrap.v3.Bootstrap', bootstrap().ads('xds', { delta: true, lds: false }).build(), { keys: 'proto' }).dynamic_resources).toEqual({
      cds_config: { ads: {}, resource_api_version: 'V3' },
      ads_config: { api_type: 'AGGREGATED_DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] },
    });
  });

  it('reach the xDS server by hostname (STRICT_DNS) or IP (STATIC) over HTTP/2', () => {
    expect(xdsCluster('xds', 'cp.svc:18000').build().clusterDiscoveryType).toEqual({ $case: 'type', type: 1 });
    expect(xdsCluster('xds', '[::1]:18000').build().clusterDiscoveryType).toBeUndefined();
    expect(Object.keys(xdsCluster('xds', 'cp:1').build().typedExtensionProtocolOptions!)).toEqual(['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']);
  });

  it('set LDS/CDS from other sources, the layered runtime and the overload manager', () => {
    const b = bootstrap()
      .lds(ConfigSource.path('/etc/envoy/lds.yaml'))
      .cds(ConfigSource.path('/etc/envoy/cds.yaml'))
      .staticRuntime('base', { 'health_check.min_interval': 5 })
      .diskRuntime('disk', '/srv/runtime/current', 'envoy')
      .rtdsRuntime('rtds', 'edge-runtime')
      .adminRuntime()
      .heapLimit(1073741824, { shrinkHeapAt: 0.9, stopAcceptingRequestsAt: 0.99, refreshInterval: '250ms' })
      .build();
    const j = toJson('envoy.config.bootstrap.v3.Bootstrap', b, { keys: 'proto' });
    expect(j.dynamic_resources).toEqual({
      lds_config: { path_config_source: { path: '/etc/envoy/lds.yaml' }, resource_api_version: 'V3' },
      cds_config: { path_config_source: { path: '/etc/envoy/cds.yaml' }, resource_api_version: 'V3' },
    });
    expect(j.layered_runtime.layers).toEqual([
      { name: 'base', static_layer: { 'health_check.min_interval': 5 } },
      { name: 'disk', disk_layer: { symlink_root: '/srv/runtime/current', subdirectory: 'envoy' } },
      { name: 'rtds', rtds_layer: { name: 'edge-runtime', rtds_config: { ads: {}, resource_api_version: 'V3' } } },
      { name: 'admin', admin_layer: {} },
    ]);
    expect(j.overload_manager.refresh_interval).toBe('0.250s');
    expect(j.overload_manager.actions.map((a: { triggers: { threshold: { value: number } }[] }) => a.triggers[0]!.threshold.value)).toEqual([0.9, 0.99]);
  });

  it('rejects a static resource or runtime layer name added twice', () => {
    expect(() => bootstrap().clusters(cluster('a'), cluster('a'))).toThrow(
      'bootstrap: static_resources.clusters: cluster "a" is already added; each cluster must be unique (rule: unique)',
    );
    expect(() => bootstrap().listener(listener('a')).listener(listener('a'))).toThrow('bootstrap: static_resources.listeners: listener "a" is already added');
    expect(() => bootstrap().secret(secret('a')).secret(secret('a'))).toThrow('bootstrap: static_resources.secrets: secret "a" is already added');
    expect(() => bootstrap().adminRuntime().adminRuntime()).toThrow('bootstrap: layered_runtime.layers: runtime layer "admin" is already added');
  });

  it('add bootstrap extensions, such as internal listeners', () => {
    const b = bootstrap()
      .internalListener({ bufferSizeKb: 64 })
      .bootstrapExtension('envoy.bootstrap.wasm', typed('envoy.extensions.wasm.v3.WasmService', { singleton: true }))
      .build();
    expect(toJson('envoy.config.bootstrap.v3.Bootstrap', b, { keys: 'proto' }).bootstrap_extensions).toEqual([
      { name: 'envoy.bootstrap.internal_listener', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener', buffer_size_kb: 64 } },
      { name: 'envoy.bootstrap.wasm', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.wasm.v3.WasmService', singleton: true } },
    ]);
    expect(INTERNAL_LISTENER_EXTENSION).toBe('envoy.bootstrap.internal_listener');
  });

  it('rejects a bootstrap extension added twice', () => {
    expect(() => bootstrap().internalListener().internalListener()).toThrow(
      'bootstrap: bootstrap_extensions: bootstrap extension "envoy.bootstrap.internal_listener" is already added; each bootstrap extension must be unique (rule: unique)',
    );
  });

  it('logs admin access to stdout by default', () => {
    expect(bootstrap().admin('127.0.0.1:9901').build().admin!.accessLog).toEqual([AccessLog.stdout()]);
  });
});
