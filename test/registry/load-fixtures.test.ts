import { describe, expect, it } from 'vitest';
import { loadEnvoyConfig, resourceName, TypeUrl } from 'xdskit';
import { FIXTURE_NAMES, FIXTURES, fixturePath } from '../support/fixtures.js';

/** Names of the resources of one type in a loaded config. */
function names(resources: ReadonlyMap<string, unknown[]>, typeUrl: string): string[] {
  return (resources.get(typeUrl) ?? []).map((r) => resourceName(typeUrl, r));
}

describe('loadEnvoyConfig on the fixture configs', () => {
  it.each(FIXTURE_NAMES)('loads %s in strict mode given its root type', (name) => {
    const loaded = loadEnvoyConfig(fixturePath(name), { type: FIXTURES[name] });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.root?.type).toBe(FIXTURES[name]);
  });

  it('recognises a static bootstrap and pulls out its listeners and clusters', () => {
    const loaded = loadEnvoyConfig(fixturePath('bootstrap-static.yaml'));
    expect(loaded.kind).toBe('bootstrap');
    expect(names(loaded.resources, TypeUrl.Listener)).toEqual(['http_ingress']);
    expect(names(loaded.resources, TypeUrl.Cluster)).toEqual(['web', 'users', 'orders-v1', 'orders-v2', 'xds_cluster']);
  });

  it('recognises a bootstrap with static secrets', () => {
    const loaded = loadEnvoyConfig(fixturePath('tls.yaml'));
    expect(loaded.kind).toBe('bootstrap');
    expect(names(loaded.resources, TypeUrl.Secret)).toEqual(['client-ca', 'api-cert']);
  });

  it('recognises an admin config dump and pulls out the dynamic listeners, clusters and routes', () => {
    const loaded = loadEnvoyConfig(fixturePath('istio-config-dump.yaml'));
    expect(loaded.kind).toBe('config_dump');
    expect(loaded.bootstrap?.node?.cluster).toBe('reviews.bookinfo');
    expect(names(loaded.resources, TypeUrl.Listener)).toEqual(['virtualOutbound', 'virtualInbound', '0.0.0.0_9080']);
    expect(names(loaded.resources, TypeUrl.RouteConfiguration)).toEqual(['inbound|http|9080', '9080']);
    expect(names(loaded.resources, TypeUrl.Cluster)).toEqual(
      expect.arrayContaining(['PassthroughCluster', 'BlackHoleCluster', 'InboundPassthroughCluster', 'outbound|9080||ratings.bookinfo.svc.cluster.local']),
    );
  });

  it('recognises a DiscoveryResponse', () => {
    const loaded = loadEnvoyConfig(fixturePath('discovery-response.yaml'));
    expect(loaded.kind).toBe('discovery_response');
    expect(names(loaded.resources, TypeUrl.Cluster)).toEqual(['inventory', 'search', 'payments']);
  });
});
