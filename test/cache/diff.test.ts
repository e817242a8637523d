import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { ResourceStore, Snapshot, applyDiff, diff, isEmptyDiff, withTtl, type SnapshotDiff } from 'xdskit/cache';
import { assignment, edsCluster, fixtureResources, fixtureSnapshot } from '../support/fixture.js';

/** The diff computed the slow way: every name of both snapshots, compared by hash. */
function bruteDiff(a: Snapshot, b: Snapshot): Record<string, { added: string[]; modified: string[]; removed: string[] }> {
  const out: Record<string, { added: string[]; modified: string[]; removed: string[] }> = {};
  for (const t of new Set([...a.types(), ...b.types()])) {
    const x = new Map(a.resources(t).entries().map(([n, e]) => [n, e.version]));
    const y = new Map(b.resources(t).entries().map(([n, e]) => [n, e.version]));
    const d = {
      added: [...y.keys()].filter((n) => !x.has(n)).sort(),
      modified: [...y.keys()].filter((n) => x.has(n) && x.get(n) !== y.get(n)).sort(),
      removed: [...x.keys()].filter((n) => !y.has(n)).sort(),
    };
    if (d.added.length || d.modified.length || d.removed.length) out[t] = d;
  }
  return out;
}

const names = (d: SnapshotDiff) =>
  Object.fromEntries(Object.entries(d).map(([t, x]) => [t, { added: [...x.added], modified: [...x.modified], removed: [...x.removed] }]));

describe('diff', () => {
  it('given two equal snapshots, then it is empty', () => {
    expect(isEmptyDiff(diff(fixtureSnapshot(), fixtureSnapshot()))).toBe(true);
  });

  it('given one cluster added, one modified and one endpoint removed, then it reports each by type', () => {
    const a = fixtureSnapshot();
    const b = a.patch({ set: { clusters: [edsCluster('new'), edsCluster('api', 7)] }, remove: { endpoints: ['web'] } });
    const d = diff(a, b);
    expect(names(d)).toEqual({
      [TypeUrl.Cluster]: { added: ['new'], modified: ['api'], removed: [] },
      [TypeUrl.ClusterLoadAssignment]: { added: [], modified: [], removed: ['web'] },
    });
    expect(d[TypeUrl.Cluster]!.resources.get('new')).toBe(b.entry('clusters', 'new'));
  });

  it('given snapshots built separately from the same files, then it compares by hash and finds nothing', () => {
    const a = Snapshot.create(fixtureResources(), { store: new ResourceStore() });
    const b = Snapshot.create(fixtureResources(), { store: new ResourceStore() });
    expect(diff(a, b)).toEqual({});
  });

  it('given an absent snapshot, then everything is added (or removed)', () => {
    const s = fixtureSnapshot();
    expect(diff(undefined, s)[TypeUrl.Cluster]!.added).toEqual(['api', 'web']);
    expect(diff(s, undefined)[TypeUrl.Listener]!.removed).toEqual(['ingress']);
  });

  it('given only a TTL change, then the resource is modified', () => {
    const a = Snapshot.create({ clusters: [edsCluster('api')] });
    const b = a.with('clusters', [withTtl(edsCluster('api'), '10s')]);
    expect(names(diff(a, b))).toEqual({ [TypeUrl.Cluster]: { added: [], modified: ['api'], removed: [] } });
  });

  it('given a snapshot derived by patching 1% of 20k resources, then the diff costs O(changed): far less than comparing everything', () => {
    const store = new ResourceStore();
    const base = Snapshot.create({ clusters: Array.from({ length: 20_000 }, (_, i) => edsCluster(`c${i}`)) }, { store });
    const changed = Array.from({ length: 200 }, (_, i) => edsCluster(`c${i * 100}`, 5));
    const next = base.patch({ set: { clusters: changed } });
    const d = diff(base, next);
    expect(d[TypeUrl.Cluster]!.modified).toHaveLength(200);
    // Best of 5 rounds of CPU time: robust to a busy machine.
    const cost = (a: Snapshot, b: Snapshot) => {
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const c = process.cpuUsage();
        for (let i = 0; i < 10; i++) diff(a, b);
        const u = process.cpuUsage(c);
        best = Math.min(best, u.user + u.system);
      }
      return best;
    };
    const related = cost(base, next);
    const unrelated = Snapshot.create({ clusters: [...next.resources('clusters').messages()] }, { store });
    const full = cost(base, unrelated);
    expect(names(diff(base, unrelated))).toEqual(names(d));
    expect(related * 3).toBeLessThan(full);
  });

  describe('properties', () => {
    const clusterArb = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), t: fc.integer({ min: 1, max: 3 }) });
    const cla = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), port: fc.integer({ min: 1, max: 3 }) });
    const snapArb = fc
      .record({ clusters: fc.uniqueArray(clusterArb, { selector: (x) => x.name, maxLength: 8 }), endpoints: fc.uniqueArray(cla, { selector: (x) => x.name, maxLength: 4 }) })
      .map((r) => Snapshot.create({ clusters: r.clusters.map((c) => edsCluster(c.name, c.t)), endpoints: r.endpoints.map((e) => assignment(e.name, [e.port])) }));
    type Op = { kind: 'set'; name: string; t: number } | { kind: 'del'; name: string } | { kind: 'ep'; name: string; port: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), name: fc.constantFrom('a', 'b', 'c', 'x', 'y'), t: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('del' as const), name: fc.constantFrom('a', 'b', 'c', 'x', 'y') }),
      fc.record({ kind: fc.constant('ep' as const), name: fc.constantFrom('a', 'z'), port: fc.integer({ min: 1, max: 3 }) }),
    );
    const derive = (s: Snapshot, ops: Op[]) =>
      ops.reduce(
        (acc, op) =>
          op.kind === 'set'
            ? acc.with('clusters', [edsCluster(op.name, op.t)])
            : op.kind === 'del'
              ? acc.without('clusters', [op.name])
              : acc.with('endpoints', [assignment(op.name, [op.port])]),
        s,
      );

    it('for random snapshots a and b, applying diff(a, b) to a gives b', () => {
      fc.assert(
        fc.property(snapArb, snapArb, (a, b) => {
          const d = diff(a, b);
          expect(names(d)).toEqual(bruteDiff(a, b));
          expect(applyDiff(a, d).equals(b)).toBe(true);
          expect(isEmptyDiff(diff(b, applyDiff(a, d)))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('for b derived from a by random edits, the structural diff equals the brute-force one', () => {
      fc.assert(
        fc.property(snapArb, fc.array(opArb, { maxLength: 12 }), (a, ops) => {
          const b = derive(a, ops);
          expect(names(diff(a, b))).toEqual(bruteDiff(a, b));
          expect(names(diff(b, a))).toEqual(bruteDiff(b, a));
          expect(applyDiff(a, diff(a, b)).equals(b)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('for two snapshots derived from a common one (siblings), the diff is still exact', () => {
      fc.assert(
        fc.property(snapArb, fc.array(opArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 8 }), (a, x, y) => {
          const b = derive(a, x);
          const c = derive(a, y);
          expect(names(diff(b, c))).toEqual(bruteDiff(b, c));
        }),
        { numRuns: 200 },
      );
    });
  });
});
