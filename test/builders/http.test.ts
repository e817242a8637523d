import { describe, expect, it } from 'vitest';
import { toJson, unpack, type Any } from 'xdskit';
import {
  AccessLog,
  ConfigSource,
  Match,
  Permission,
  Principal,
  buffer,
  compressor,
  cors,
  extAuthz,
  fault,
  filterChain,
  grpcWeb,
  hcm,
  headerMutation,
  healthCheckFilter,
  httpFilter,
  httpRbac,
  jwtAuthn,
  localRateLimit,
  lua,
  route,
  routeConfig,
  router,
  typed,
  virtualHost,
} from 'xdskit/builders';

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const config = (f: { configType?: unknown }) => unpack((f.configType as { typedConfig: Any }).typedConfig);
const typeOf = (f: { configType?: unknown }) => (f.configType as { typedConfig: Any }).typedConfig.typeUrl!.split('/')[1];

describe('the http connection manager', () => {
  it('keeps the router last, wherever it was added', () => {
    const m = hcm('x').rds('r').httpFilters(router(), cors(), grpcWeb()).build();
    expect(m.httpFilters!.map((f) => f.name)).toEqual(['envoy.filters.http.cors', 'envoy.filters.http.grpc_web', 'envoy.filters.http.router']);
  });

  it('adds a router when none is given', () => {
    const m = hcm('x').rds('r').httpFilter(cors()).build();
    expect(m.httpFilters!.map((f) => typeOf(f))).toEqual(['envoy.extensions.filters.http.cors.v3.Cors', 'envoy.extensions.filters.http.router.v3.Router']);
  });

  it('recognises the router by its type URL, not its name', () => {
    const m = hcm('x').rds('r').httpFilters(router().named('my-router'), cors()).build();
    expect(m.httpFilters!.map((f) => f.name)).toEqual(['envoy.filters.http.cors', 'my-router']);
  });

  it('takes routes from RDS, inline, or scoped RDS — one of them', () => {
    expect(hcm('a').rds('r').build().routeSpecifier).toEqual({
      $case: 'rds',
      rds: { routeConfigName: 'r', configSource: { configSourceSpecifier: { $case: 'ads', ads: {} }, resourceApiVersion: 2 } },
    });
    expect(hcm('a').rds('r', ConfigSource.grpc('xds')).build().routeSpecifier).toMatchObject({ rds: { configSource: { configSourceSpecifier: { $case: 'apiConfigSource' } } } });
    const inline = hcm('b').routeConfig(routeConfig('local').virtualHost(virtualHost('v').domain('*').route(route().prefix('/').cluster('c')))).build();
    expect(inline.routeSpecifier).toMatchObject({ $case: 'routeConfig', routeConfig: { name: 'local' } });
    const scoped = hcm('c').scopedRds('scopes', { header: 'x-tenant' }).build();
    expect(toJson(HCM, scoped, { keys: 'proto' }).scoped_routes).toEqual({
      name: 'scopes',
      scope_key_builder: { fragments: [{ header_value_extractor: { name: 'x-tenant', index: 0 } }] },
      rds_config_source: { ads: {}, resource_api_version: 'V3' },
      scoped_rds: { scoped_rds_config_source: { ads: {}, resource_api_version: 'V3' } },
    });
    expect(() => hcm('d').rds('r').routeConfig(routeConfig('x'))).toThrow(
      'http connection manager "d": route_specifier: an http connection manager has one route source, and this one already has rds (rule: oneof)',
    );
  });

  it('fails without a route source', () => {
    expect(() => hcm('x').build()).toThrow(
      'invalid http connection manager "x": 1 problem\n  route_specifier: the http connection manager needs exactly one of rds (route configuration by name, from RDS), route_config (inline routes) or scoped_routes; none is set (rule: hcm.route_specifier)',
    );
  });

  it('sets codec, addresses, logs, tracing, upgrades, timeouts, http2 options and path handling', () => {
    const m = hcm('edge')
      .rds('r')
      .codec('HTTP2')
      .useRemoteAddress()
      .xffNumTrustedHops(2)
      .accessLog(AccessLog.file('/var/log/envoy/access.log', '%REQ(:PATH)%\n'))
      .tracing({ randomSampling: 10, verbose: true })
      .websocket()
      .upgrade('CONNECT', { enabled: false })
      .idleTimeout('1h')
      .streamIdleTimeout('5m')
      .requestTimeout('30s')
      .requestHeadersTimeout('10s')
      .drainTimeout('5s')
      .maxConnectionDuration('24h')
      .headersWithUnderscores('REJECT_REQUEST')
      .http2({ maxConcurrentStreams: 100, initialStreamWindowSize: 65536 })
      .normalizePath()
      .mergeSlashes()
      .pathWithEscapedSlashes('REJECT_REQUEST')
      .serverName('edge')
      .serverHeaderTransformation('PASS_THROUGH')
      .forwardClientCertDetails('SANITIZE_SET')
      .generateRequestId(false)
      .build();
    const j = toJson(HCM, m, { keys: 'proto' });
    expect(j).toMatchObject({
      codec_type: 'HTTP2',
      use_remote_address: true,
      xff_num_trusted_hops: 2,
      tracing: { random_sampling: { value: 10 }, verbose: true },
      upgrade_configs: [{ upgrade_type: 'websocket' }, { upgrade_type: 'CONNECT', enabled: false }],
      common_http_protocol_options: { idle_timeout: '3600s', max_connection_duration: '86400s', headers_with_underscores_action: 'REJECT_REQUEST' },
      stream_idle_timeout: '300s',
      request_timeout: '30s',
      request_headers_timeout: '10s',
      drain_timeout: '5s',
      http2_protocol_options: { max_concurrent_streams: 100, initial_stream_window_size: 65536 },
      normalize_path: true,
      merge_slashes: true,
      path_with_escaped_slashes_action: 'REJECT_REQUEST',
      server_name: 'edge',
      server_header_transformation: 'PASS_THROUGH',
      forward_client_cert_details: 'SANITIZE_SET',
      generate_request_id: false,
    });
    expect(j.access_log[0]).toEqual({
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
        path: '/var/log/envoy/access.log',
        log_format: { text_format_source: { inline_string: '%REQ(:PATH)%\n' } },
      },
    });
  });

  it('forwards client certificate details, and terminates HTTP/2 CONNECT with allow_connect', () => {
    const m = hcm('hbone').rds('r').codec('HTTP2').http2({ allowConnect: true }).upgrade('CONNECT').forwardClientCertDetails('APPEND_FORWARD').setCurrentClientCertDetails({ uri: true, subject: true }).build();
    expect(toJson(HCM, m, { keys: 'proto' })).toMatchObject({
      http2_protocol_options: { allow_connect: true },
      upgrade_configs: [{ upgrade_type: 'CONNECT' }],
      forward_client_cert_details: 'APPEND_FORWARD',
      set_current_client_cert_details: { uri: true, subject: true },
    });
    // The order of the calls does not matter.
    expect(hcm('x').rds('r').setCurrentClientCertDetails({ dns: true }).forwardClientCertDetails('SANITIZE_SET').build().setCurrentClientCertDetails).toEqual({ dns: true });
  });

  it('rejects client certificate details Envoy would not read (forward mode not APPEND_FORWARD or SANITIZE_SET)', () => {
    const expected =
      'http connection manager "x": set_current_client_cert_details: is only read with forward_client_cert_details APPEND_FORWARD or SANITIZE_SET, and this one is SANITIZE (rule: forward_client_cert_details)';
    expect(() => hcm('x').rds('r').setCurrentClientCertDetails({ uri: true }).build()).toThrow(expected);
    // Nested: the HCM throws when its filter chain takes it.
    expect(() => filterChain('c').filter(hcm('x').rds('r').setCurrentClientCertDetails({ uri: true }))).toThrow(expected);
    expect(() => hcm('y').rds('r').forwardClientCertDetails('FORWARD_ONLY').setCurrentClientCertDetails({ uri: true }).build()).toThrow('and this one is FORWARD_ONLY');
  });

  it('leaves the codec out when it is AUTO (Envoy\'s default)', () => {
    expect(hcm('x').rds('r').codec('HTTP1').codec('AUTO').build().codecType).toBeUndefined();
  });

  it('rejects an http filter name added twice', () => {
    expect(() => hcm('x').httpFilters(cors(), cors())).toThrow(
      'http connection manager "x": http_filters: http filter "envoy.filters.http.cors" is already added; each http filter must be unique (rule: unique)',
    );
  });
});

describe('http filters', () => {
  it('are optional or disabled on request', () => {
    expect(cors().optional().disabled().toFilter()).toMatchObject({ name: 'envoy.filters.http.cors', isOptional: true, disabled: true });
  });

  it('router: suppresses envoy headers, dynamic stats, upstream logs', () => {
    const r = router({ suppressEnvoyHeaders: true }).dynamicStats(false).upstreamLog(AccessLog.stderr()).respectExpectedRqTimeout().build();
    expect(r).toMatchObject({ suppressEnvoyHeaders: true, dynamicStats: false, respectExpectedRqTimeout: true, upstreamLog: [{ name: 'envoy.access_loggers.stderr' }] });
  });

  it('rbac: enforced and shadow rules, duplicate policies rejected', () => {
    const f = httpRbac()
      .action('ALLOW')
      .policy('readers', { permissions: [Permission.method('GET'), Permission.path(Match.prefix('/api'))], principals: [Principal.authenticated(Match.prefix('spiffe://a/'))] })
      .shadowAction('DENY')
      .shadowPolicy('no-admin', { permissions: [Permission.path('/admin')], principals: [Principal.any()] })
      .shadowRulesStatPrefix('shadow_')
      .rulesStatPrefix('enforced_')
      .trackPerRuleStats();
    const j = toJson('envoy.extensions.filters.http.rbac.v3.RBAC', f.build(), { keys: 'proto' });
    expect(j).toEqual({
      rules: {
        policies: {
          readers: {
            permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }, { url_path: { path: { prefix: '/api' } } }],
            principals: [{ authenticated: { principal_name: { prefix: 'spiffe://a/' } } }],
          },
        },
      },
      rules_stat_prefix: 'enforced_',
      shadow_rules: { action: 'DENY', policies: { 'no-admin': { permissions: [{ url_path: { path: { exact: '/admin' } } }], principals: [{ any: true }] } } },
      shadow_rules_stat_prefix: 'shadow_',
      track_per_rule_stats: true,
    });
    expect(() => f.policy('readers', { permissions: [Permission.any()], principals: [Principal.any()] })).toThrow(
      'http filter "envoy.filters.http.rbac": rules.policies: policy "readers" is already added; each policy must be unique (rule: unique)',
    );
  });

  it('fault: delays and aborts a share of requests', () => {
    const j = toJson('envoy.extensions.filters.http.fault.v3.HTTPFault', fault().delay('2s', 5).abort(503, 0.5).header('x-fault', true).upstreamCluster('api').maxActiveFaults(10).build(), { keys: 'proto' });
    expect(j).toEqual({
      delay: { fixed_delay: '2s', percentage: { numerator: 5 } },
      abort: { http_status: 503, percentage: { numerator: 50, denominator: 'TEN_THOUSAND' } },
      upstream_cluster: 'api',
      headers: [{ name: 'x-fault', present_match: true }],
      max_active_faults: 10,
    });
    expect(fault().grpcAbort(14).build().abort).toEqual({ errorType: { $case: 'grpcStatus', grpcStatus: 14 }, percentage: { numerator: 100 } });
  });

  it('local_ratelimit: enabled and enforced for every request unless told otherwise', () => {
    const j = toJson(
      'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      localRateLimit('ingress').tokenBucket({ maxTokens: 10, tokensPerFill: 5, fillInterval: '1s' }).enforced(50, 'rl.enforced').status(503).responseHeader('x-rl', '1').perConnection().build(),
      { keys: 'proto' },
    );
    expect(j).toEqual({
      stat_prefix: 'ingress',
      status: { code: 'ServiceUnavailable' },
      token_bucket: { max_tokens: 10, tokens_per_fill: 5, fill_interval: '1s' },
      filter_enabled: { default_value: { numerator: 100 } },
      filter_enforced: { default_value: { numerator: 50 }, runtime_key: 'rl.enforced' },
      response_headers_to_add: [{ header: { key: 'x-rl', value: '1' } }],
      local_rate_limit_per_downstream_connection: true,
    });
  });

  it('ext_authz: a gRPC or HTTP authorization service', () => {
    expect(toJson('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', extAuthz().grpc('authz', '250ms').failureModeAllow().withRequestBody(8192).statusOnError(503).includePeerCertificate().build(), { keys: 'proto' })).toEqual({
      grpc_service: { envoy_grpc: { cluster_name: 'authz' }, timeout: '0.250s' },
      failure_mode_allow: true,
      with_request_body: { max_request_bytes: 8192 },
      status_on_error: { code: 'ServiceUnavailable' },
      include_peer_certificate: true,
    });
    expect(toJson('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', extAuthz().http('http://authz/check', 'authz', { pathPrefix: '/check' }).build(), { keys: 'proto' })).toEqual({
      http_service: { server_uri: { uri: 'http://authz/check', cluster: 'authz', timeout: '1s' }, path_prefix: '/check' },
    });
  });

  it('jwt_authn: providers, rules and requirements', () => {
    const f = jwtAuthn()
      .provider('auth0', {
        issuer: 'https://x.auth0.com/',
        audiences: ['api'],
        remoteJwks: { uri: 'https://x.auth0.com/.well-known/jwks.json', cluster: 'auth0', cacheDuration: '5m' },
        forward: true,
        fromHeaders: [{ name: 'authorization', valuePrefix: 'Bearer ' }],
        payloadInMetadata: 'jwt',
      })
      .provider('local', { localJwks: { file: '/etc/jwks.json' } })
      .rule('/public', 'allow_missing')
      .rule({ prefix: '/api', headers: { 'x-tenant': true } }, { any: ['auth0', 'local'] })
      .requirement('both', { all: ['auth0', 'local'] })
      .bypassCorsPreflight();
    const j = toJson('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', f.build(), { keys: 'proto' });
    expect(j.providers.auth0).toEqual({
      issuer: 'https://x.auth0.com/',
      audiences: ['api'],
      remote_jwks: { http_uri: { uri: 'https://x.auth0.com/.well-known/jwks.json', cluster: 'auth0', timeout: '1s' }, cache_duration: '300s' },
      forward: true,
      from_headers: [{ name: 'authorization', value_prefix: 'Bearer ' }],
      payload_in_metadata: 'jwt',
    });
    expect(j.providers.local).toEqual({ local_jwks: { filename: '/etc/jwks.json' } });
    expect(j.rules).toEqual([
      { match: { prefix: '/public' }, requires: { allow_missing: {} } },
      { match: { prefix: '/api', headers: [{ name: 'x-tenant', present_match: true }] }, requires: { requires_any: { requirements: [{ provider_name: 'auth0' }, { provider_name: 'local' }] } } },
    ]);
    expect(j.requirement_map.both).toEqual({ requires_all: { requirements: [{ provider_name: 'auth0' }, { provider_name: 'local' }] } });
    expect(() => f.provider('auth0', { localJwks: '{}' })).toThrow(
      'http filter "envoy.filters.http.jwt_authn": providers: provider "auth0" is already added; each provider must be unique (rule: unique)',
    );
  });

  it('lua: inline code and named sources', () => {
    const j = toJson('envoy.extensions.filters.http.lua.v3.Lua', lua('function envoy_on_request(h) end').source('other', { file: '/etc/other.lua' }).build(), { keys: 'proto' });
    expect(j).toEqual({ default_source_code: { inline_string: 'function envoy_on_request(h) end' }, source_codes: { other: { filename: '/etc/other.lua' } } });
  });

  it('compressor: gzip, brotli and zstd libraries with their options', () => {
    for (const [lib, type] of [
      ['gzip', 'envoy.extensions.compression.gzip.compressor.v3.Gzip'],
      ['brotli', 'envoy.extensions.compression.brotli.compressor.v3.Brotli'],
      ['zstd', 'envoy.extensions.compression.zstd.compressor.v3.Zstd'],
    ] as const) {
      const c = compressor(lib).build();
      expect(c.compressorLibrary!.name).toBe(`envoy.compression.${lib}.compressor`);
      expect(c.compressorLibrary!.typedConfig!.typeUrl).toBe(`type.googleapis.com/${type}`);
    }
    const j = toJson('envoy.extensions.filters.http.compressor.v3.Compressor', compressor('brotli', { quality: 5 }).minContentLength(100).contentTypes('text/html').disableOnEtag().compressRequests().chooseFirst().build(), { keys: 'proto' });
    expect(j).toMatchObject({
      compressor_library: { typed_config: { quality: 5 } },
      response_direction_config: { common_config: { min_content_length: 100, content_type: ['text/html'] }, disable_on_etag_header: true },
      request_direction_config: { common_config: { enabled: { default_value: true } } },
      choose_first: true,
    });
    expect(() => compressor('lz4' as never)).toThrow('compressor_library: unknown compression library "lz4": expected gzip, brotli or zstd (rule: enum)');
  });

  it('health_check, header_mutation, buffer, grpc_web, cors', () => {
    expect(toJson('envoy.extensions.filters.http.health_check.v3.HealthCheck', healthCheckFilter('/healthz').passThrough('5s').minHealthy('api', 50).build(), { keys: 'proto' })).toEqual({
      pass_through_mode: true,
      cache_time: '5s',
      headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
      cluster_min_healthy_percentages: { api: { value: 50 } },
    });
    expect(toJson('envoy.extensions.filters.http.header_mutation.v3.HeaderMutation', headerMutation().requestAdd('x-a', '1', 'OVERWRITE_IF_EXISTS_OR_ADD').requestRemove('x-b').responseAdd('x-c', '2').responseRemove('server').build(), { keys: 'proto' })).toEqual({
      mutations: {
        request_mutations: [{ append: { header: { key: 'x-a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } }, { remove: 'x-b' }],
        response_mutations: [{ append: { header: { key: 'x-c', value: '2' } } }, { remove: 'server' }],
      },
    });
    expect(buffer(65536).build()).toEqual({ maxRequestBytes: 65536 });
    expect(typeOf(grpcWeb().toFilter())).toBe('envoy.extensions.filters.http.grpc_web.v3.GrpcWeb');
    expect(config(cors().toFilter())).toEqual({});
  });

  it('generic: any filter by name and type, or by typed config', () => {
    const f = httpFilter('envoy.filters.http.csrf', 'envoy.extensions.filters.http.csrf.v3.CsrfPolicy', { filterEnabled: { defaultValue: { numerator: 100 } } });
    expect(f.name).toBe('envoy.filters.http.csrf');
    expect(typeOf(f.toFilter())).toBe('envoy.extensions.filters.http.csrf.v3.CsrfPolicy');
    const g = httpFilter('my-lua', lua('x'));
    expect(typeOf(g.toFilter())).toBe('envoy.extensions.filters.http.lua.v3.Lua');
    const h = httpFilter('e', typed('envoy.extensions.filters.http.router.v3.Router', {}));
    expect(hcm('x').rds('r').httpFilters(h, cors()).build().httpFilters!.map((x) => x.name)).toEqual(['envoy.filters.http.cors', 'e']);
  });

  it('generic: rejects a type that is not registered', () => {
    expect(() => httpFilter('x', 'acme.Widget' as never)).toThrow('unknown type "acme.Widget"');
  });
});
