/**
 * The zod schemas: built lazily per type, real zod schemas that check shapes and every rule,
 * with the same problems as the fast validator.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { fromYaml, messageNames, pack } from 'xdskit';
import { schemaFor, validateFields } from 'xdskit/validate';
import { builtSchemaCount, envoyPathOf, problemsFromZod } from '../../src/validate/zod.js';
import { FIXTURE_NAMES, FIXTURES, loadFixture } from '../support/fixtures.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

describe('schemaFor', () => {
  test('builds nothing at import, one schema per type on first use, and only the types a parse reaches', () => {
    expect(builtSchemaCount()).toBe(0);
    const s = schemaFor(CLUSTER);
    expect(builtSchemaCount()).toBe(1);
    expect(schemaFor(CLUSTER)).toBe(s); // cached
    s.safeParse({ name: 'a', connectTimeout: { seconds: '1', nanos: 0 }, loadAssignment: { clusterName: 'a', endpoints: [] } });
    expect(builtSchemaCount()).toBeGreaterThan(1);
    expect(builtSchemaCount()).toBeLessThan(100); // of more than a thousand
    expect(messageNames().length).toBeGreaterThan(1000);
  });

  test('is a real zod schema: parse returns the message, composes with other schemas', () => {
    const cluster = fromYaml(CLUSTER, 'name: api\nconnect_timeout: 0.25s');
    expect(schemaFor(CLUSTER)).toBeInstanceOf(z.ZodType);
    expect(schemaFor(CLUSTER).parse(cluster)).toEqual(cluster);
    const config = z.object({ team: z.string(), cluster: schemaFor(CLUSTER) });
    expect(config.safeParse({ team: 'payments', cluster }).success).toBe(true);
    const bad = config.safeParse({ team: 'payments', cluster: { name: '' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path, (i as { params?: { rule?: string } }).params?.rule])).toEqual([[['cluster', 'name'], 'string.min_len']]);
  });

  test('fails with custom issues naming the rule, the message lower-case with the value', () => {
    const r = schemaFor(CLUSTER).safeParse({ name: '' });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toMatchObject([{ code: 'custom', path: ['name'], message: 'must be at least 1 character long, got ""', params: { rule: 'string.min_len', value: '' } }]);
    expect(() => schemaFor(CLUSTER).parse({ name: '' })).toThrow(z.ZodError);
  });

  test('checks the shape of the generated message: wrong JavaScript types are zod issues', () => {
    const r = schemaFor(CLUSTER).safeParse({ name: 5, connectTimeout: { seconds: 'soon' } });
    expect(r.success).toBe(false);
    expect(problemsFromZod(CLUSTER, r.error!.issues).map((p) => `${p.path} (${p.rule})`).sort()).toEqual([
      'connect_timeout (type)',
      'connect_timeout.seconds (invalid_format)',
      'name (type)',
    ]);
  });

  test('follows Anys at any depth and reports Envoy paths through problemsFromZod', () => {
    const listener = fromYaml(LISTENER, `
name: ingress
filter_chains:
  - filters:
      - name: hcm
        typed_config:
          "@type": type.googleapis.com/${HCM}
          route_config: { name: local, virtual_hosts: [ { name: vh, domains: [], typed_per_filter_config: { x.rl: { "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit } } } ] }
          http_filters:
            - name: envoy.filters.http.router
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
`);
    const r = schemaFor(LISTENER).safeParse(listener);
    expect(r.success).toBe(false);
    const viaZod = problemsFromZod(LISTENER, r.error!.issues, 'listeners[ingress]');
    const fast = validateFields(LISTENER, listener, { path: 'listeners[ingress]' }).errors;
    const key = (ps: { path: string; rule: string; message: string }[]) => ps.map((p) => `${p.path} (${p.rule}): ${p.message}`).sort();
    expect(key(viaZod)).toEqual(key(fast));
    expect(key(fast)).toEqual([
      'listeners[ingress].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains (repeated.min_items): must have at least 1 item, got 0',
      'listeners[ingress].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].typed_per_filter_config[x.rl].stat_prefix (string.min_len): must be at least 1 character long, got ""',
      'listeners[ingress].filter_chains[0].filters[0].typed_config.stat_prefix (string.min_len): must be at least 1 character long, got ""',
    ]);
    // The raw zod path keeps TypeScript property names and marks the Any's type.
    const raw = r.error!.issues.find((i) => i.path[i.path.length - 1] === 'statPrefix' && i.path.length === 8)!;
    expect(raw.path).toEqual(['filterChains', 0, 'filters', 0, 'configType', 'typedConfig', `@${HCM}`, 'statPrefix']);
    expect(envoyPathOf(LISTENER, raw.path)).toBe('filter_chains[0].filters[0].typed_config.stat_prefix');
  });

  test('reports an unknown @type as an issue', () => {
    const r = schemaFor('envoy.service.discovery.v3.DiscoveryResponse').safeParse({ resources: [pack(CLUSTER, { name: 'x' }), { typeUrl: 'type.googleapis.com/acme.X', value: Buffer.alloc(0) }] });
    expect(problemsFromZod('envoy.service.discovery.v3.DiscoveryResponse', r.error!.issues).map((p) => `${p.path} (${p.rule})`)).toEqual(['resources[1] (any.unknown_type)']);
  });

  test.each(FIXTURE_NAMES)('accepts the fixture %s', (name) => {
    const r = schemaFor(FIXTURES[name]).safeParse(loadFixture(name));
    expect(r.success ? [] : problemsFromZod(FIXTURES[name], r.error.issues)).toEqual([]);
  });
});
