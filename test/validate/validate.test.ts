import { describe, expect, it } from 'vitest';
import { envoy, fromYaml, pack } from 'xdskit';
import { assertValid, isXdsValidationError, schemaFor, validate, validateFields, XdsValidationError } from 'xdskit/validate';

const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const listener = (hcm: string) =>
  fromYaml(
    LISTENER,
    `
name: ingress
address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
filter_chains:
  - filters:
      - name: hcm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
${hcm.replace(/^/gm, '          ')}
`,
  );

const ROUTER = '{ name: router, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } }';
const CORS = '{ name: cors, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors } }';

describe('validate', () => {
  it('accepts a valid message', () => {
    expect(validate(LISTENER, listener(`stat_prefix: in\nrds: { route_config_name: r, config_source: { ads: {} } }\nhttp_filters: [${ROUTER}]`))).toEqual({
      ok: true,
      errors: [],
      warnings: [],
    });
  });

  it('reports field rules and semantic rules together, at any depth through typed_config', () => {
    const r = validate(LISTENER, listener(`stat_prefix: ""\nrds: { route_config_name: r, config_source: { ads: {} } }\nhttp_filters: [${ROUTER}, ${CORS}]`));
    expect(r.ok).toBe(false);
    expect(r.errors.map((p) => [p.path, p.rule])).toEqual([
      ['filter_chains[0].filters[0].typed_config.stat_prefix', 'string.min_len'],
      ['filter_chains[0].filters[0].typed_config.http_filters[0]', 'hcm.terminal_filter'],
      ['filter_chains[0].filters[0].typed_config.http_filters[1]', 'hcm.terminal_filter'],
    ]);
  });

  it('states a missing HCM route source once, in words', () => {
    const r = validate(HCM, fromYaml(HCM, `stat_prefix: in\nhttp_filters: [${ROUTER}]`));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ path: 'route_specifier', rule: 'hcm.route_specifier' });
  });

  it('prefixes every path with options.path', () => {
    const r = validate(CLUSTER, fromYaml(CLUSTER, 'name: web\ntype: EDS'), { path: 'clusters[web]' });
    expect(r.errors).toMatchObject([{ path: 'clusters[web].eds_cluster_config', rule: 'cluster.eds_config' }]);
  });

  it('makes an unknown @type an error, or a warning when not strict', () => {
    const l = listener(`stat_prefix: in\nrds: { route_config_name: r, config_source: { ads: {} } }\nhttp_filters: [${ROUTER}]`);
    l.filterChains![0]!.filters![0]!.configType = { $case: 'typedConfig', typedConfig: { typeUrl: 'type.googleapis.com/acme.Widget', value: Buffer.alloc(0) } };
    const strict = validate(LISTENER, l);
    expect(strict.ok).toBe(false);
    expect(strict.errors).toMatchObject([{ path: 'filter_chains[0].filters[0].typed_config' }]);
    const lenient = validate(LISTENER, l, { strict: false });
    expect(lenient.ok).toBe(true);
    expect(lenient.warnings).toMatchObject([{ path: 'filter_chains[0].filters[0].typed_config' }]);
  });

  it('takes the type as codec, full name or type URL', () => {
    const c = fromYaml(CLUSTER, 'name: web\ntype: EDS');
    const a = validate(envoy.config.cluster.v3.Cluster, c);
    expect(validate(CLUSTER, c)).toEqual(a);
    expect(validate('type.googleapis.com/envoy.config.cluster.v3.Cluster', c)).toEqual(a);
  });

  it('rejects an unknown type', () => {
    expect(() => validate('acme.Widget', {})).toThrow(/unknown type "acme.Widget"/);
  });
});

describe('assertValid', () => {
  it('returns the message when it is valid, warnings or not', () => {
    const blackhole = fromYaml(CLUSTER, 'name: blackhole');
    expect(validate(CLUSTER, blackhole).warnings).toHaveLength(1);
    expect(assertValid(CLUSTER, blackhole)).toBe(blackhole);
  });

  it('throws an XdsValidationError carrying every problem, listed in its message', () => {
    const bad = fromYaml(CLUSTER, 'name: ""\ntype: ORIGINAL_DST\nload_assignment: { cluster_name: x }');
    let caught: unknown;
    try {
      assertValid(CLUSTER, bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(XdsValidationError);
    expect(isXdsValidationError(caught)).toBe(true);
    const err = caught as XdsValidationError;
    expect(err.name).toBe('XdsValidationError');
    expect(err.problems.map((p) => [p.path, p.rule])).toEqual([
      ['name', 'string.min_len'],
      ['lb_policy', 'cluster.original_dst'],
      ['load_assignment', 'cluster.original_dst'],
    ]);
    expect(err.message).toBe(
      [
        'invalid envoy.config.cluster.v3.Cluster: 3 problems',
        `  name: ${err.problems[0]!.message} (rule: string.min_len)`,
        '  lb_policy: an ORIGINAL_DST cluster needs lb_policy CLUSTER_PROVIDED, got ROUND_ROBIN (rule: cluster.original_dst)',
        '  load_assignment: an ORIGINAL_DST cluster takes its endpoint from the connection: it must have no load_assignment (rule: cluster.original_dst)',
      ].join('\n'),
    );
  });

  it('validates what is inside an Any packed by hand', () => {
    const hcm = fromYaml(HCM, `stat_prefix: in\nroute_config: { virtual_hosts: [{ name: a, domains: ["x*y"], routes: [] }] }\nhttp_filters: [${ROUTER}]`);
    const l = listener(`stat_prefix: in\nrds: { route_config_name: r, config_source: { ads: {} } }\nhttp_filters: [${ROUTER}]`);
    l.filterChains![0]!.filters![0]!.configType = { $case: 'typedConfig', typedConfig: pack(HCM, hcm) };
    expect(() => assertValid(LISTENER, l)).toThrow(/filter_chains\[0\]\.filters\[0\]\.typed_config\.route_config\.virtual_hosts\[0\]\.domains\[0\]: domain "x\*y" has a wildcard/);
  });
});

describe('the xdskit/validate entry point', () => {
  it('also exports the field rules and zod schemas', () => {
    expect(validateFields(CLUSTER, { name: '' }).errors).toMatchObject([{ path: 'name', rule: 'string.min_len' }]);
    expect(typeof schemaFor(CLUSTER).safeParse).toBe('function');
  });
});
