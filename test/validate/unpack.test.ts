import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromYaml, loadEnvoyConfig, typeInfo, unpack, type Any } from 'xdskit';
import { validate, validateBootstrap, validateSnapshot } from 'xdskit/validate';

// The passes of one validation call (field rules, semantic rules, references) share one decode
// of every Any. These tests count the calls of each packed type's real decoder.

const SNAPSHOT = fs.readFileSync(new URL('./fixtures/snapshot.yaml', import.meta.url), 'utf8');
const LISTENER = 'envoy.config.listener.v3.Listener';

const isAny = (v: any): v is Any => typeof v?.typeUrl === 'string' && v.value instanceof Uint8Array;

/** How many Anys of each type a value holds, at any depth (inside other Anys too). */
function anysIn(value: unknown, into = new Map<string, number>()): Map<string, number> {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return into;
  if (isAny(value)) {
    const name = typeInfo(value.typeUrl as string).fullName;
    into.set(name, (into.get(name) ?? 0) + 1);
    return anysIn(unpack(value), into);
  }
  for (const v of value instanceof Map ? value.values() : Object.values(value)) anysIn(v, into);
  return into;
}

/** Runs `fn` with every decoder of `types` counted; the decodes per type. */
function decodes(types: Iterable<string>, fn: () => unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of types) {
    const codec = typeInfo(name).codec;
    const decode = codec.decode.bind(codec);
    vi.spyOn(codec, 'decode').mockImplementation((...args: Parameters<typeof decode>) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return decode(...args);
    });
  }
  fn();
  vi.restoreAllMocks();
  return counts;
}

afterEach(() => vi.restoreAllMocks());

const TYPED_STRUCT_ROUTER = `{ name: router, typed_config: { "@type": type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/envoy.extensions.filters.http.router.v3.Router, value: {} } }`;

const listener = () =>
  fromYaml(
    LISTENER,
    `
name: ingress
address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
listener_filters:
  - name: tls_inspector
    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
filter_chains:
  - filters:
      - name: hcm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: in
          route_config:
            virtual_hosts:
              - name: all
                domains: ["*"]
                routes: [{ match: { safe_regex: { regex: "^/a/[0-9]+$" } }, route: { cluster: web } }]
                typed_per_filter_config:
                  envoy.filters.http.cors: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy, allow_origin_string_match: [{ exact: "*" }] }
          http_filters:
            - { name: cors, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors } }
            - ${TYPED_STRUCT_ROUTER}
`,
  );

describe('each Any is decoded once per validation call', () => {
  it('validate() decodes every Any of a listener once for its field and semantic rules, nested ones and TypedStructs included', () => {
    const l = listener();
    const expected = anysIn(l);
    expect([...expected.keys()].sort()).toEqual([
      'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.http.cors.v3.CorsPolicy',
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'udpa.type.v1.TypedStruct',
    ]);
    let result: ReturnType<typeof validate> | undefined;
    const counts = decodes(expected.keys(), () => (result = validate(LISTENER, l)));
    expect(result).toEqual({ ok: true, errors: [], warnings: [] });
    // Decoded at most once each (an Any whose type no pass looks into is not decoded at all).
    for (const [name, n] of expected) expect(counts.get(name) ?? 0, name).toBeLessThanOrEqual(n);
    expect(counts.get('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager')).toBe(1);
    expect(counts.get('udpa.type.v1.TypedStruct')).toBe(1);
  });

  it('keeps nothing between calls: validating the same listener twice decodes it twice', () => {
    const l = listener();
    const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
    const counts = decodes([HCM], () => {
      validate(LISTENER, l);
      validate(LISTENER, l);
    });
    expect(counts.get(HCM)).toBe(2);
  });

  it('validateSnapshot() decodes every Any once for the field rules, the semantic rules and the references', () => {
    const resources = loadEnvoyConfig({ text: SNAPSHOT }).resources;
    const expected = anysIn(resources);
    expect(expected.size).toBeGreaterThanOrEqual(6);
    let result: ReturnType<typeof validateSnapshot> | undefined;
    const counts = decodes(expected.keys(), () => (result = validateSnapshot(resources)));
    expect(result).toEqual({ ok: true, errors: [], warnings: [] });
    for (const [name, n] of expected) expect(counts.get(name) ?? 0, name).toBeLessThanOrEqual(n);
    expect(counts.get('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager')).toBe(1);
    expect(counts.get('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz')).toBe(1);
  });

  it('validateSnapshot() with referencesOnly decodes each Any once for the references', () => {
    const resources = loadEnvoyConfig({ text: SNAPSHOT }).resources;
    const expected = anysIn(resources);
    const counts = decodes(expected.keys(), () => validateSnapshot(resources, { referencesOnly: true }));
    for (const [name, n] of expected) expect(counts.get(name) ?? 0, name).toBeLessThanOrEqual(n);
  });

  it('validateBootstrap() decodes every Any of the bootstrap once, static resources included', () => {
    for (const file of ['bootstrap-static', 'bootstrap-ads']) {
      const bootstrap = loadEnvoyConfig(`test/fixtures/${file}.yaml`).bootstrap!;
      const expected = anysIn(bootstrap);
      expect(expected.size, file).toBeGreaterThan(0);
      const counts = decodes(expected.keys(), () => validateBootstrap(bootstrap));
      for (const [name, n] of expected) expect(counts.get(name) ?? 0, `${file}: ${name}`).toBeLessThanOrEqual(n);
      expect([...counts.values()].reduce((a, b) => a + b, 0), file).toBeGreaterThan(0);
    }
  });
});
