import { describe, expect, it } from 'vitest';
import { TypeUrl, isXdsValidationError } from 'xdskit';
import { ResourceStore, Snapshot, resource, withTtl } from 'xdskit/cache';
import { FIXTURE, assignment, edsCluster, fixtureResources, fixtureSnapshot } from '../support/fixture.js';

describe('a snapshot', () => {
  it('given resources by kind, then it holds them per type URL by name', () => {
    const s = fixtureSnapshot();
    expect(s.types()).toEqual(
      [TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment].sort(),
    );
    expect(s.resources('clusters').names()).toEqual([...FIXTURE.clusters]);
    expect(s.resources(TypeUrl.ClusterLoadAssignment).names()).toEqual([...FIXTURE.endpoints]);
    expect((s.get('listeners', 'ingress') as { name: string }).name).toBe('ingress');
    expect(s.size).toBe(6);
  });

  it('accepts type URLs, full names and a Map of type URL → resources (what loadEnvoyConfig returns)', () => {
    const r = fixtureResources();
    const a = Snapshot.create({ [TypeUrl.Cluster]: r.clusters, 'envoy.config.listener.v3.Listener': r.listeners });
    const b = Snapshot.create(new Map([[TypeUrl.Cluster, r.clusters], [TypeUrl.Listener, r.listeners]]));
    expect(a.equals(b)).toBe(true);
    expect(a.resources('listeners').size).toBe(1);
  });

  it('accepts any registered type URL, not only the xDS resource kinds', () => {
    const s = Snapshot.create({ 'envoy.config.core.v3.TypedExtensionConfig': [{ name: 'x', typedConfig: undefined }] });
    expect(s.resources(TypeUrl.TypedExtensionConfig).names()).toEqual(['x']);
    const odd = Snapshot.create({ 'envoy.config.core.v3.Locality': [resource({ region: 'r' }, { name: 'loc' })] });
    expect(odd.resources('envoy.config.core.v3.Locality').size).toBe(1);
  });

  it('given no version, then each type version is derived from the content, so equal content gives equal versions', () => {
    const a = fixtureSnapshot();
    const b = Snapshot.create({ ...fixtureResources(), clusters: fixtureResources().clusters.reverse() });
    for (const t of a.types()) expect(b.version(t)).toBe(a.version(t));
    expect(a.version('clusters')).toMatch(/^[0-9a-f]{32}$/);
    const c = a.with('clusters', [edsCluster('api', 9)]);
    expect(c.version('clusters')).not.toBe(a.version('clusters'));
    expect(c.version('listeners')).toBe(a.version('listeners'));
  });

  it('given a version, then every type carries it, and per-type versions override it', () => {
    const s = fixtureSnapshot({ version: 'v1', versions: { clusters: 'c7' } });
    expect(s.version('listeners')).toBe('v1');
    expect(s.version(TypeUrl.Cluster)).toBe('c7');
    expect(s.with('routes', [], { version: 'v2' }).version('routes')).toBe('v2');
  });

  it('given a derived snapshot that changes a type without a version, then that type version is derived again', () => {
    const s = fixtureSnapshot({ version: 'v1' });
    const t = s.with('clusters', [edsCluster('extra')]);
    expect(t.version('clusters')).not.toBe('v1');
    expect(t.version('listeners')).toBe('v1');
    expect(t.version('clusters')).toBe(Snapshot.create({ clusters: [...fixtureResources().clusters, edsCluster('extra')] }).version('clusters'));
  });

  it('is immutable: with and without return new snapshots and leave the original as it was', () => {
    const s = fixtureSnapshot();
    const t = s.with('clusters', [edsCluster('extra')]).without('endpoints', ['web']);
    expect(s.resources('clusters').names()).toEqual(['api', 'web']);
    expect(s.resources('endpoints').names()).toEqual(['api', 'web']);
    expect(t.resources('clusters').names()).toEqual(['api', 'extra', 'web']);
    expect(t.resources('endpoints').names()).toEqual(['api']);
  });

  it('given with() of an unchanged resource, then the same snapshot comes back', () => {
    const s = fixtureSnapshot();
    expect(s.with('clusters', [s.get('clusters', 'api')])).toBe(s);
    expect(s.without('clusters', ['nope'])).toBe(s);
  });

  it('given patch, then several types change at once, removals before additions', () => {
    const s = fixtureSnapshot();
    const t = s.patch({ set: { clusters: [edsCluster('new')], endpoints: [assignment('new', [1])] }, remove: { clusters: ['web'], endpoints: ['web'] } });
    expect(t.resources('clusters').names()).toEqual(['api', 'new']);
    expect(t.resources('endpoints').names()).toEqual(['api', 'new']);
  });

  it('shares the store entries of untouched resources with the snapshot it was derived from', () => {
    const store = new ResourceStore();
    const s = fixtureSnapshot({ store });
    const encodes = store.stats().encodes;
    const t = s.with('clusters', [edsCluster('extra')]);
    expect(store.stats().encodes).toBe(encodes + 1);
    expect(t.entry('clusters', 'api')).toBe(s.entry('clusters', 'api'));
  });

  it('given explicit names for resources without one (LEDS), then they are used', () => {
    const ep = { endpoint: { address: undefined } };
    const s = Snapshot.create({ 'envoy.config.endpoint.v3.LbEndpoint': new Map([['xdstp://mesh/envoy.config.endpoint.v3.LbEndpoint/api/1', ep]]) });
    expect(s.resources(TypeUrl.LbEndpoint).names()).toEqual(['xdstp://mesh/envoy.config.endpoint.v3.LbEndpoint/api/1']);
  });

  it('given withTtl, then the resource entry carries the TTL', () => {
    const s = Snapshot.create({ clusters: [withTtl(edsCluster('api'), '15s')] });
    expect(s.entry('clusters', 'api')!.ttl).toEqual({ seconds: '15', nanos: 0 });
  });

  it('compares content with equals (versions given by the caller are ignored)', () => {
    expect(fixtureSnapshot({ version: 'a' }).equals(fixtureSnapshot({ version: 'b' }))).toBe(true);
    expect(fixtureSnapshot().equals(fixtureSnapshot().without('clusters', ['api']))).toBe(false);
  });

  it('rejects the same name given twice in a type', () => {
    try {
      Snapshot.create({ clusters: [edsCluster('api'), edsCluster('api')] });
      expect.unreachable();
    } catch (e) {
      expect(isXdsValidationError(e)).toBe(true);
      expect((e as { problems: { path: string; rule: string }[] }).problems[0]).toMatchObject({ path: 'clusters[api]', rule: 'unique' });
    }
  });

  it('rejects a resource without a name', () => {
    expect(() => Snapshot.create({ clusters: [{ ...edsCluster(''), name: '' }] })).toThrow(/needs a name/);
    expect(() => Snapshot.create({ endpoints: [assignment('', [1])] })).toThrow(/cluster_name/);
  });

  it('rejects an explicit name that contradicts the message', () => {
    expect(() => Snapshot.create({ clusters: new Map([['other', edsCluster('api')]]) })).toThrow(/named "api" but given as "other"/);
  });

  it('rejects an unregistered type', () => {
    expect(() => Snapshot.create({ 'example.Unknown': [] })).toThrow(/unknown type/);
  });

  describe('consistent()', () => {
    it('given the fixture, then every reference resolves', () => {
      const r = fixtureSnapshot().consistent();
      expect(r.errors).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it('given a route to a cluster that does not exist, then it reports the reference', () => {
      const r = fixtureSnapshot().without('clusters', ['web']).consistent();
      expect(r.ok).toBe(false);
      expect(r.errors.map((p) => p.message).join('\n')).toMatch(/web/);
    });
  });
});
