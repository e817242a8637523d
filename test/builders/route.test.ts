import { describe, expect, it } from 'vitest';
import { toJson, unpack } from 'xdskit';
import { ConfigSource, Match, cors, lua, route, routeConfig, typed, virtualHost } from 'xdskit/builders';

const R = 'envoy.config.route.v3.Route';
const json = (r: unknown) => toJson(R, r as never, { keys: 'proto' });

describe('routes', () => {
  it('match by prefix, path, safe_regex and path_separated_prefix', () => {
    expect(json(route().prefix('/api').cluster('c').build()).match).toEqual({ prefix: '/api' });
    expect(json(route().path('/x').cluster('c').build()).match).toEqual({ path: '/x' });
    expect(json(route().regex('^/v[0-9]+/.*').cluster('c').build()).match).toEqual({ safe_regex: { regex: '^/v[0-9]+/.*' } });
    expect(json(route().pathSeparatedPrefix('/api').cluster('c').build()).match).toEqual({ path_separated_prefix: '/api' });
  });

  it('match on headers, query parameters, gRPC, runtime fraction and case', () => {
    const r = route()
      .prefix('/')
      .header('x-env', 'canary')
      .header('x-user', Match.prefix('admin-'), true)
      .header('x-debug', true)
      .header('x-version', { range: [2, 5] })
      .query('debug')
      .query('lang', Match.regex('en|fr'))
      .grpc()
      .runtimeFraction(25, 'routing.canary')
      .caseSensitive(false)
      .cluster('c')
      .build();
    expect(json(r).match).toEqual({
      prefix: '/',
      case_sensitive: false,
      runtime_fraction: { default_value: { numerator: 25 }, runtime_key: 'routing.canary' },
      headers: [
        { name: 'x-env', string_match: { exact: 'canary' } },
        { name: 'x-user', string_match: { prefix: 'admin-' }, invert_match: true },
        { name: 'x-debug', present_match: true },
        { name: 'x-version', range_match: { start: '2', end: '5' } },
      ],
      query_parameters: [
        { name: 'debug', present_match: true },
        { name: 'lang', string_match: { safe_regex: { regex: 'en|fr' } } },
      ],
      grpc: {},
    });
  });

  it('match CONNECT requests and terminate them with connect_config', () => {
    const r = route('tunnel').connectMatcher().cluster('main_internal').upgrade('CONNECT', { connectConfig: {} }).build();
    expect(json(r)).toEqual({ name: 'tunnel', match: { connect_matcher: {} }, route: { cluster: 'main_internal', upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }] } });
    expect(route().match({ connect: true }).cluster('c').build()).toEqual(route().connectMatcher().cluster('c').build());
    expect(json(route().connectMatcher().cluster('c').upgrade('connect', { connectConfig: { allowPost: true } }).upgrade('websocket', false).build()).route.upgrade_configs).toEqual([
      { upgrade_type: 'connect', connect_config: { allow_post: true } },
      { upgrade_type: 'websocket', enabled: false },
    ]);
    // A later path rule replaces the CONNECT matcher (one path rule per match).
    expect(json(route().connectMatcher().prefix('/').cluster('c').build()).match).toEqual({ prefix: '/' });
  });

  it('rejects connect_config on another upgrade, and CONNECT with a path rule in one match', () => {
    expect(() => route('r').prefix('/').cluster('c').upgrade('websocket', { connectConfig: {} })).toThrow(
      'route "r": route.upgrade_configs.connect_config: connect_config is for the CONNECT upgrade, not "websocket" (rule: upgrade)',
    );
    expect(() => route().match({ connect: true, prefix: '/' })).toThrow('route: match: a route match takes one path rule, got prefix and connect (rule: oneof)');
  });

  it('take the match as one object too', () => {
    const a = route().match({ prefix: '/a', headers: { 'x-a': 'b' }, query: { q: true }, grpc: true, caseSensitive: false, runtimeFraction: 10 }).cluster('c').build();
    const b = route().prefix('/a').header('x-a', 'b').query('q').grpc().caseSensitive(false).runtimeFraction(10).cluster('c').build();
    expect(a).toEqual(b);
    expect(() => route().match({ prefix: '/a', path: '/b' })).toThrow('route: match: a route match takes one path rule, got prefix and path (rule: oneof)');
  });

  it('route to a cluster, a cluster header, or weighted clusters', () => {
    expect(json(route().prefix('/').cluster('api').build()).route).toEqual({ cluster: 'api' });
    expect(json(route().prefix('/').clusterHeader('x-cluster').build()).route).toEqual({ cluster_header: 'x-cluster' });
    const w = route()
      .prefix('/')
      .weightedClusters({ api: 90 })
      .weightedCluster('canary', 10, { requestHeaders: { 'x-canary': '1' }, responseHeaders: [{ header: { key: 'x-served-by', value: 'canary' } }], removeRequestHeaders: ['x-debug'], removeResponseHeaders: ['x-internal'], metadataMatch: { 'envoy.lb': { v: '2' } }, hostRewrite: 'canary.internal' })
      .build();
    expect(json(w).route).toEqual({
      weighted_clusters: {
        clusters: [
          { name: 'api', weight: 90 },
          {
            name: 'canary',
            weight: 10,
            metadata_match: { filter_metadata: { 'envoy.lb': { v: '2' } } },
            request_headers_to_add: [{ header: { key: 'x-canary', value: '1' } }],
            request_headers_to_remove: ['x-debug'],
            response_headers_to_add: [{ header: { key: 'x-served-by', value: 'canary' } }],
            response_headers_to_remove: ['x-internal'],
            host_rewrite_literal: 'canary.internal',
          },
        ],
      },
    });
  });

  it('rejects a cluster added twice to a weighted split', () => {
    expect(() => route('r').prefix('/').weightedClusters({ api: 50 }).weightedCluster('api', 50)).toThrow(
      'route "r": route.weighted_clusters.clusters: weighted cluster "api" is already added; each weighted cluster must be unique (rule: unique)',
    );
  });

  it('redirect', () => {
    expect(json(route().prefix('/').redirect({ https: true, host: 'example.com', port: 8443, prefixRewrite: '/new', responseCode: 302, stripQuery: true }).build()).redirect).toEqual({
      https_redirect: true,
      host_redirect: 'example.com',
      port_redirect: 8443,
      prefix_rewrite: '/new',
      response_code: 'FOUND',
      strip_query: true,
    });
    expect(json(route().prefix('/').redirect({ scheme: 'http', regexRewrite: { pattern: '^/a/(.*)', substitution: '/b/\\1' } }).build()).redirect).toEqual({
      scheme_redirect: 'http',
      regex_rewrite: { pattern: { regex: '^/a/(.*)' }, substitution: '/b/\\1' },
    });
    expect(() => route().redirect({ path: '/a', prefixRewrite: '/b' })).toThrow('route: redirect: a redirect takes one of path, prefixRewrite and regexRewrite (rule: oneof)');
  });

  it('answer directly', () => {
    expect(json(route().prefix('/').directResponse(200, 'ok').build()).direct_response).toEqual({ status: 200, body: { inline_string: 'ok' } });
    expect(json(route().prefix('/').directResponse(503, { file: '/etc/sorry.html' }).build()).direct_response).toEqual({ status: 503, body: { filename: '/etc/sorry.html' } });
    expect(json(route().prefix('/').directResponse(204).build()).direct_response).toEqual({ status: 204 });
  });

  it('rejects a second action of another kind, and route options on a non-route action', () => {
    expect(() => route('r').prefix('/').cluster('a').redirect({ https: true })).toThrow(
      'route "r": redirect: a route has one action, and this one already has a route action (rule: oneof)',
    );
    expect(() => route('r').prefix('/').directResponse(200).timeout('1s')).toThrow(
      'route "r": route.timeout: route.timeout needs a route action (to a cluster), but this route has a directResponse action (rule: oneof)',
    );
  });

  it('set timeouts, retries, hash policies, rewrites, mirrors, priority, upgrades', () => {
    const r = route()
      .prefix('/api/')
      .cluster('api')
      .timeout('5s')
      .idleTimeout('30s')
      .retry({ retryOn: ['5xx', 'retriable-status-codes'], numRetries: 3, perTryTimeout: '1s', perTryIdleTimeout: '500ms', backoff: { base: '25ms', max: '250ms' }, retriableStatusCodes: [409], hostSelectionRetryMaxAttempts: 3 })
      .hashPolicy({ header: 'x-user' })
      .hashPolicy({ cookie: 'session', ttl: '1h', path: '/' })
      .hashPolicy({ sourceIp: true, terminal: true })
      .hashPolicy({ queryParameter: 'u' })
      .hashPolicy({ filterState: 'io.x' })
      .prefixRewrite('/')
      .hostRewrite('api.internal')
      .mirror('shadow', 10)
      .mirror('audit')
      .priority('HIGH')
      .upgrade('websocket')
      .maxStreamDuration('1h')
      .build();
    expect(json(r).route).toEqual({
      cluster: 'api',
      prefix_rewrite: '/',
      host_rewrite_literal: 'api.internal',
      timeout: '5s',
      idle_timeout: '30s',
      retry_policy: {
        retry_on: '5xx,retriable-status-codes',
        num_retries: 3,
        per_try_timeout: '1s',
        per_try_idle_timeout: '0.500s',
        host_selection_retry_max_attempts: '3',
        retriable_status_codes: [409],
        retry_back_off: { base_interval: '0.025s', max_interval: '0.250s' },
      },
      request_mirror_policies: [{ cluster: 'shadow', runtime_fraction: { default_value: { numerator: 10 } } }, { cluster: 'audit' }],
      priority: 'HIGH',
      hash_policy: [
        { header: { header_name: 'x-user' } },
        { cookie: { name: 'session', ttl: '3600s', path: '/' } },
        { connection_properties: { source_ip: true }, terminal: true },
        { query_parameter: { name: 'u' } },
        { filter_state: { key: 'io.x' } },
      ],
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      max_stream_duration: { max_stream_duration: '3600s' },
    });
  });

  it('rewrite the path by regex and the host by header, automatically or by path regex', () => {
    expect(json(route().prefix('/').cluster('c').regexRewrite('^/api/(.*)', '/\\1').hostRewriteHeader('x-host').build()).route).toMatchObject({
      regex_rewrite: { pattern: { regex: '^/api/(.*)' }, substitution: '/\\1' },
      host_rewrite_header: 'x-host',
    });
    expect(json(route().prefix('/').cluster('c').autoHostRewrite().build()).route).toMatchObject({ auto_host_rewrite: true });
    expect(json(route().prefix('/').cluster('c').hostRewritePathRegex('^/(.+)/', '\\1').build()).route).toMatchObject({
      host_rewrite_path_regex: { pattern: { regex: '^/(.+)/' }, substitution: '\\1' },
    });
  });

  it('add and remove headers, and carry metadata and a decorator', () => {
    const r = route('r')
      .prefix('/')
      .cluster('c')
      .requestHeaders({ 'x-a': '1' }, 'OVERWRITE_IF_EXISTS_OR_ADD')
      .removeRequestHeaders('x-b')
      .responseHeaders({ 'x-c': '2' })
      .removeResponseHeaders('server')
      .metadata({ 'xdskit.io': { owner: 'team-a' } })
      .metadata({ 'xdskit.io': { tier: 1 } })
      .decorator('api-call', false)
      .build();
    expect(json(r)).toMatchObject({
      request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      request_headers_to_remove: ['x-b'],
      response_headers_to_add: [{ header: { key: 'x-c', value: '2' } }],
      response_headers_to_remove: ['server'],
      metadata: { filter_metadata: { 'xdskit.io': { owner: 'team-a', tier: 1 } } },
      decorator: { operation: 'api-call', propagate: false },
    });
  });

  it('configure filters per route: any typed config, disabled filters, CORS', () => {
    const r = route()
      .prefix('/')
      .cluster('c')
      .perFilterConfig('envoy.filters.http.lua', 'envoy.extensions.filters.http.lua.v3.LuaPerRoute', { override: { $case: 'name', name: 'other' } })
      .disableFilter(cors().named('envoy.filters.http.ext_authz'))
      .cors({ allowOrigins: ['https://a.example.com', Match.suffix('.b.example.com')], allowCredentials: true, exposeHeaders: ['x-id'] })
      .build();
    const tpfc = r.typedPerFilterConfig!;
    expect(Object.keys(tpfc)).toEqual(['envoy.filters.http.lua', 'envoy.filters.http.ext_authz', 'envoy.filters.http.cors']);
    expect(unpack(tpfc['envoy.filters.http.lua']!, 'envoy.extensions.filters.http.lua.v3.LuaPerRoute')).toMatchObject({ override: { $case: 'name', name: 'other' } });
    expect(unpack(tpfc['envoy.filters.http.ext_authz']!, 'envoy.config.route.v3.FilterConfig')).toMatchObject({ disabled: true });
    expect(toJson('envoy.extensions.filters.http.cors.v3.CorsPolicy', unpack(tpfc['envoy.filters.http.cors']!, 'envoy.extensions.filters.http.cors.v3.CorsPolicy'), { keys: 'proto' })).toEqual({
      allow_origin_string_match: [{ exact: 'https://a.example.com' }, { suffix: '.b.example.com' }],
      expose_headers: 'x-id',
      allow_credentials: true,
    });
    expect(() => route('r').perFilterConfig('f', typed('envoy.config.route.v3.FilterConfig', {})).perFilterConfig('f', lua('x'))).toThrow(
      'route "r": typed_per_filter_config: per-filter config "f" is already added; each per-filter config must be unique (rule: unique)',
    );
  });

  it('fails without a match or an action', () => {
    expect(() => route('r').cluster('c').build()).toThrow('invalid route "r": 1 problem\n  match: is required but not set (rule: message.required)');
    expect(() => route('r').prefix('/').build()).toThrow(
      'invalid route "r": 1 problem\n  action: is required: exactly one of route, redirect, direct_response, filter_action, non_forwarding_action must be set (rule: oneof.required)',
    );
  });
});

describe('virtual hosts', () => {
  it('hold domains and routes in order, with TLS requirement, retries, mirrors, headers and metadata', () => {
    const v = virtualHost('api')
      .domains('api.example.com', 'api.example.com:443')
      .route(route('a').prefix('/a').cluster('a'))
      .routes(route('b').prefix('/b').cluster('b'), route().prefix('/').cluster('c'))
      .requireTls('EXTERNAL_ONLY')
      .retry({ retryOn: 'connect-failure' })
      .mirror('shadow', 1)
      .requestHeaders({ 'x-vh': 'api' })
      .metadata({ m: { k: 'v' } })
      .includeRequestAttemptCount()
      .build();
    const j = toJson('envoy.config.route.v3.VirtualHost', v, { keys: 'proto' });
    expect(j).toMatchObject({
      name: 'api',
      domains: ['api.example.com', 'api.example.com:443'],
      require_tls: 'EXTERNAL_ONLY',
      retry_policy: { retry_on: 'connect-failure' },
      request_mirror_policies: [{ cluster: 'shadow', runtime_fraction: { default_value: { numerator: 1 } } }],
      request_headers_to_add: [{ header: { key: 'x-vh', value: 'api' } }],
      metadata: { filter_metadata: { m: { k: 'v' } } },
      include_request_attempt_count: true,
    });
    expect(j.routes.map((r: { name?: string }) => r.name)).toEqual(['a', 'b', undefined]);
  });

  it('rejects a domain added twice (case-insensitively) and a route name added twice', () => {
    expect(() => virtualHost('v').domains('a.example.com', 'A.example.com')).toThrow(
      'virtual host "v": domains: domain "A.example.com" is already added; each domain must be unique (rule: unique)',
    );
    expect(() => virtualHost('v').route(route('x').prefix('/').cluster('c')).route(route('x').prefix('/y').cluster('c'))).toThrow(
      'virtual host "v": routes: route name "x" is already added; each route name must be unique (rule: unique)',
    );
  });

  it('fails without a domain', () => {
    expect(() => virtualHost('v').route(route().prefix('/').cluster('c')).build()).toThrow(
      'invalid virtual host "v": 1 problem\n  domains: must have at least 1 item, got 0 (rule: repeated.min_items)',
    );
  });
});

describe('route configurations', () => {
  it('hold virtual hosts, VHDS, headers and options', () => {
    const rc = routeConfig('local')
      .virtualHost(virtualHost('a').domain('a.example.com').route(route().prefix('/').cluster('a')))
      .virtualHosts(virtualHost('b').domain('b.example.com').route(route().prefix('/').cluster('b')))
      .vhds(ConfigSource.ads())
      .internalOnlyHeaders('x-internal')
      .responseHeaders({ 'x-frame-options': 'DENY' })
      .removeResponseHeaders('x-envoy-upstream-service-time')
      .validateClusters()
      .mostSpecificHeaderMutationsWins()
      .ignorePortInHostMatching()
      .metadata({ m: { k: 1 } })
      .build();
    expect(toJson('envoy.config.route.v3.RouteConfiguration', rc, { keys: 'proto' })).toMatchObject({
      name: 'local',
      vhds: { config_source: { ads: {}, resource_api_version: 'V3' } },
      internal_only_headers: ['x-internal'],
      response_headers_to_add: [{ header: { key: 'x-frame-options', value: 'DENY' } }],
      response_headers_to_remove: ['x-envoy-upstream-service-time'],
      validate_clusters: true,
      most_specific_header_mutations_wins: true,
      ignore_port_in_host_matching: true,
      metadata: { filter_metadata: { m: { k: 1 } } },
    });
    expect(rc.virtualHosts!.map((v) => v.name)).toEqual(['a', 'b']);
  });

  it('rejects a virtual host name twice, and a domain another virtual host serves', () => {
    const rc = routeConfig('rc').virtualHost(virtualHost('a').domain('*').route(route().prefix('/').cluster('a')));
    expect(() => rc.virtualHost(virtualHost('a').domain('x'))).toThrow(
      'route configuration "rc": virtual_hosts: virtual host "a" is already added; each virtual host must be unique (rule: unique)',
    );
    expect(() => rc.virtualHost(virtualHost('b').domain('*'))).toThrow(
      'route configuration "rc": virtual_hosts[b].domains: domain "*" is already served by virtual host "a"; each domain must be unique in a route configuration (rule: unique)',
    );
  });
});
