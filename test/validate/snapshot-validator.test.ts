import { describe, expect, it } from 'vitest';
import { SnapshotValidator, validateSnapshot } from 'xdskit/validate';
import { SnapshotCache, Snapshot } from 'xdskit/cache';
import { assignment, edsCluster, fixtureResources } from '../support/fixture.js';

/** The fixture plus a cluster and assignment nothing references (an `unreferenced` warning). */
function resources() {
  const r = fixtureResources();
  return { ...r, clusters: [...r.clusters, edsCluster('spare')], endpoints: [...r.endpoints, assignment('spare', [9000])] };
}

describe('SnapshotValidator', () => {
  it('gives what validateSnapshot gives, on the first snapshot and on the next', () => {
    const r = resources();
    const v = new SnapshotValidator();
    const first = v.validate(r);
    expect(first).toEqual(validateSnapshot(r));
    expect(first.warnings.some((w) => w.rule === 'unreferenced')).toBe(true);
    const again = v.validate(r);
    expect(again).toEqual(first);
  });

  it("reuses each unchanged resource's own problems instead of checking it again", () => {
    const r = resources();
    const bad = { ...edsCluster('bad'), connectTimeout: { seconds: '-1', nanos: 0 } };
    const v = new SnapshotValidator();
    const first = v.validate({ ...r, clusters: [...r.clusters, bad] });
    const own = first.errors.find((p) => p.path.startsWith('clusters[bad]'))!;
    expect(own).toBeDefined();
    // The same object in the next snapshot: the very same Problem object comes back.
    const next = v.validate({ ...r, clusters: [...r.clusters, bad], endpoints: [...r.endpoints, assignment('bad', [1])] });
    expect(next.errors.find((p) => p.path.startsWith('clusters[bad]'))).toBe(own);
    // A new object with the same name is checked on its own again.
    const fixed = edsCluster('bad');
    const third = v.validate({ ...r, clusters: [...r.clusters, fixed], endpoints: [...r.endpoints, assignment('bad', [1])] });
    expect(third.errors.filter((p) => p.path.startsWith('clusters[bad]'))).toEqual([]);
    expect(third).toEqual(validateSnapshot({ ...r, clusters: [...r.clusters, fixed], endpoints: [...r.endpoints, assignment('bad', [1])] }));
  });

  it('checks references across the whole snapshot every time', () => {
    const r = resources();
    const v = new SnapshotValidator();
    expect(v.validate(r).ok).toBe(true);
    // The route (unchanged object) still names cluster "api", which is gone.
    const without = { ...r, clusters: r.clusters.filter((c) => (c as { name: string }).name !== 'api') };
    const result = v.validate(without);
    expect(result.errors.map((p) => p.rule)).toContain('reference.cluster');
    expect(result).toEqual(validateSnapshot(without));
  });
});

describe('a validating SnapshotCache', () => {
  it('rejects a bad patch naming the problem and keeps serving, then accepts a good one', () => {
    const cache = new SnapshotCache({ validate: true });
    cache.setSnapshot('n', Snapshot.create(resources()));
    const before = cache.getSnapshot('n');
    expect(() => cache.patch('n', { set: { clusters: [{ ...edsCluster('api'), connectTimeout: { seconds: '-1', nanos: 0 } }] } })).toThrow(/clusters\[api\]\.connect_timeout/);
    expect(cache.getSnapshot('n')).toBe(before);
    cache.patch('n', { set: { clusters: [edsCluster('api', 3)] } });
    expect(cache.getSnapshot('n')).not.toBe(before);
  });
});
