import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import 'xdskit/vitest';
import { envoy, fromYaml, loadEnvoyConfig, resourcesByKind, TypeUrl } from 'xdskit';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const good = fromYaml(CLUSTER, 'name: web\ntype: EDS\neds_cluster_config: { eds_config: { ads: {} } }');
const bad = fromYaml(CLUSTER, 'name: web\ntype: EDS');
const SNAPSHOT = fs.readFileSync(new URL('../validate/fixtures/snapshot.yaml', import.meta.url), 'utf8');
const BOOTSTRAP = fs.readFileSync(new URL('../fixtures/bootstrap-static.yaml', import.meta.url), 'utf8');

describe('toBeValidEnvoy', () => {
  it('passes for a valid message of the given type, by name, codec or kind', () => {
    expect(good).toBeValidEnvoy(CLUSTER);
    expect(good).toBeValidEnvoy(envoy.config.cluster.v3.Cluster);
    expect(good).toBeValidEnvoy('clusters');
    expect(good).toBeValidEnvoy('Cluster');
  });

  it('fails with a readable list of problems', () => {
    expect(() => expect(bad).toBeValidEnvoy(CLUSTER)).toThrowError(
      'expected value to be a valid envoy.config.cluster.v3.Cluster, but found 1 problem:\n' +
        '  eds_cluster_config: an EDS cluster needs eds_cluster_config with an eds_config (for example ads: {}) saying where its endpoints come from (rule: cluster.eds_config)',
    );
  });

  it('supports .not', () => {
    expect(bad).not.toBeValidEnvoy(CLUSTER);
    expect(() => expect(good).not.toBeValidEnvoy(CLUSTER)).toThrowError('expected value not to be a valid envoy.config.cluster.v3.Cluster, but it is');
  });

  it('recognises YAML text without a type: a bootstrap with its references', () => {
    expect(BOOTSTRAP).toBeValidEnvoy();
    expect(() => expect(BOOTSTRAP.replace('cluster: users', 'cluster: userz')).toBeValidEnvoy()).toThrowError(
      /found 1 problem:\n {2}static_resources\.listeners\[0\]\..*\.route\.cluster: static cluster "userz" is not defined: no static cluster has that name \(rule: reference\.cluster\)/,
    );
  });

  it('reports what loading finds in text, such as a typo in a field name', () => {
    expect(() => expect('clusters:\n  - name: a\n    conect_timeout: 1s\n').toBeValidEnvoy()).toThrowError(/clusters\[0\]\.conect_timeout: unknown field "conect_timeout"/);
  });

  it('reads YAML text of one resource with a type', () => {
    expect('name: web\ntype: EDS\neds_cluster_config: { eds_config: { ads: {} } }').toBeValidEnvoy('clusters');
    expect('name: web\ntype: EDS').not.toBeValidEnvoy('clusters');
  });

  it('takes a JSON object with @type, and a loaded config', () => {
    expect({ '@type': TypeUrl.Cluster, name: 'web', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }).toBeValidEnvoy();
    expect({ '@type': TypeUrl.Cluster, name: 'web', type: 'EDS' }).not.toBeValidEnvoy();
    expect(loadEnvoyConfig({ text: SNAPSHOT })).toBeValidEnvoy();
  });

  it('fails, saying why, when it cannot tell the type', () => {
    expect(() => expect({ name: 'web' }).toBeValidEnvoy()).toThrowError(/cannot tell the type: give it/);
  });

  it('has the alias toBeValidEnvoyConfig', () => {
    expect(BOOTSTRAP).toBeValidEnvoyConfig();
  });
});

describe('toBeConsistentXdsSnapshot', () => {
  const loaded = loadEnvoyConfig({ text: SNAPSHOT });

  it('passes for resources by kind, a Map by type URL, and a loaded config', () => {
    expect(resourcesByKind(loaded.resources)).toBeConsistentXdsSnapshot();
    expect(loaded.resources).toBeConsistentXdsSnapshot();
    expect(loaded).toBeConsistentXdsSnapshot();
  });

  it('reads a cache snapshot through its resources(typeUrl) method', () => {
    const snapshot = {
      resources: (typeUrl: string) => new Map((loaded.resources.get(typeUrl) ?? []).map((r, i) => [String(i), r] as const)),
    };
    expect(snapshot).toBeConsistentXdsSnapshot();
  });

  it('fails with the unresolved references listed', () => {
    const broken = loadEnvoyConfig({ text: SNAPSHOT.replace('route_config_name: local', 'route_config_name: locals') });
    expect(() => expect(broken.resources).toBeConsistentXdsSnapshot()).toThrowError(
      'expected a consistent xDS snapshot, but found 1 problem:\n' +
        '  listeners[ingress].filter_chains[0].filters[0].typed_config.rds.route_config_name: route configuration "locals" is not defined: no route configuration has that name (rule: reference.route)\n' +
        'warnings:\n' +
        '  routes[local]: route configuration "local" is not referenced by any other resource (rule: unreferenced)',
    );
    expect(broken.resources).not.toBeConsistentXdsSnapshot();
  });

  it('fails for something that is not a snapshot', () => {
    expect(() => expect(42).toBeConsistentXdsSnapshot()).toThrowError(/not a snapshot/);
  });
});
