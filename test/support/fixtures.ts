/**
 * The hand-written Envoy configs in test/fixtures, each with the message type at its root.
 *
 * Every fixture loads in strict mode. Use `loadFixture(name)` for the message and
 * `fixtureText(name)` for the text as written: Envoy YAML with snake_case keys (`*.yaml`) or
 * proto3 JSON with camelCase keys (`*.json`), Any with `@type`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromJson, fromYaml, type MessageOf, type TypeName } from 'xdskit';

/** Each fixture file and the full name of its root message type. */
export const FIXTURES = {
  'bootstrap-static.yaml': 'envoy.config.bootstrap.v3.Bootstrap',
  'bootstrap-ads.yaml': 'envoy.config.bootstrap.v3.Bootstrap',
  'istio-config-dump.yaml': 'envoy.admin.v3.ConfigDump',
  'tls.yaml': 'envoy.config.bootstrap.v3.Bootstrap',
  'rbac.yaml': 'envoy.config.listener.v3.Listener',
  'tcp-proxy.yaml': 'envoy.config.listener.v3.Listener',
  'per-filter-config.yaml': 'envoy.config.route.v3.RouteConfiguration',
  'metadata.yaml': 'envoy.config.cluster.v3.Cluster',
  'discovery-response.yaml': 'envoy.service.discovery.v3.DiscoveryResponse',
  'secrets.yaml': 'envoy.service.discovery.v3.DeltaDiscoveryResponse',
  'listener-camel.json': 'envoy.config.listener.v3.Listener',
} as const satisfies Record<string, TypeName>;

/** The name of a fixture file in test/fixtures. */
export type FixtureName = keyof typeof FIXTURES;

/** The fixture files, in a stable order. */
export const FIXTURE_NAMES = Object.keys(FIXTURES) as FixtureName[];

/** The absolute path of a fixture file. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** The text of a fixture file. */
export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A fixture read in strict mode as its root message type (fromJson for `.json`, else fromYaml). */
export function loadFixture<N extends FixtureName>(name: N): MessageOf<(typeof FIXTURES)[N]> {
  const text = fixtureText(name);
  const m = name.endsWith('.json') ? fromJson(FIXTURES[name], JSON.parse(text)) : fromYaml(FIXTURES[name], text);
  return m as MessageOf<(typeof FIXTURES)[N]>;
}
