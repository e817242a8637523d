/**
 * The engine against model clients: random subscribe/unsubscribe/update/reconnect sequences,
 * with streams taking their updates at random moments (slow streams), must leave every client
 * holding what the protocol says it should.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TypeUrl } from 'xdskit';
import { Snapshot, SnapshotCache, collectionKey, globKey, isGlob, withTtl } from 'xdskit/cache';
import { assignment, edsCluster } from '../support/fixture.js';
import { DeltaClient, SotwClient } from './clients.js';

const NAMES = ['a', 'b', 'c', 'g/x', 'g/y', 'h/x'];
const SUBS = ['a', 'b', 'c', 'g/x', '*', 'g/*', 'h/*', 'zzz'];

type Op =
  | { op: 'sub' | 'unsub'; t: 0 | 1; name: string }
  | { op: 'set'; t: 0 | 1; name: string; v: number; ttl: boolean }
  | { op: 'del'; t: 0 | 1; name: string }
  | { op: 'take'; t: 0 | 1; who: 'delta' | 'sotw' }
  | { op: 'reconnect'; t: 0 | 1 }
  | { op: 'heartbeat' };

const t01 = fc.constantFrom(0 as const, 1 as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('sub' as const, 'unsub' as const), t: t01, name: fc.constantFrom(...SUBS) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), t: t01, name: fc.constantFrom(...NAMES), v: fc.integer({ min: 1, max: 3 }), ttl: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), t: t01, name: fc.constantFrom(...NAMES) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), t: t01, who: fc.constantFrom('delta' as const, 'sotw' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reconnect' as const), t: t01 }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('heartbeat' as const) }) },
);

const TYPES = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment] as const;
const make = (t: 0 | 1, name: string, v: number, ttl: boolean) => {
  const m = t === 0 ? edsCluster(name, v) : assignment(name, [v]);
  return ttl ? withTtl(m, '30s') : m;
};

/** What a type's subscription intends, and the requests that express it. */
class Intent {
  legacy: boolean;
  readonly items = new Set<string>();
  constructor(legacy: boolean, initial: string[]) {
    this.legacy = legacy;
    for (const n of initial) this.items.add(n);
  }
  covers(n: string): boolean {
    if (this.legacy || this.items.has('*') || this.items.has(n)) return true;
    const k = collectionKey(n);
    return [...this.items].some((i) => isGlob(i) && globKey(i) === k);
  }
  /** The SotW list: the legacy wildcard becomes an explicit "*" once a name is added. */
  list(): string[] {
    return [...this.items];
  }
}

describe('the delta engine against model clients', () => {
  it('a delta client always ends holding exactly what a SotW client would (and what the snapshot says)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), fc.array(opArb, { maxLength: 40 }), (legacyPerType, ops) => {
        const cache = new SnapshotCache();
        cache.setSnapshot('n', Snapshot.create({ clusters: [edsCluster('a'), edsCluster('g/x')], endpoints: [assignment('a', [1]), assignment('h/x', [1])] }));
        const intents = TYPES.map((_, i) => new Intent(legacyPerType[i]!, legacyPerType[i] ? [] : ['a']));
        const deltas = TYPES.map((typeUrl) => new DeltaClient(cache.watchDelta({ typeUrl, node: { id: 'n' } })));
        const sotws = TYPES.map((typeUrl) => new SotwClient(cache.watchSotw({ typeUrl, node: { id: 'n' } })));
        TYPES.forEach((_, i) => {
          const it = intents[i]!;
          deltas[i]!.request(it.legacy ? [] : it.list());
          sotws[i]!.request(it.legacy ? [] : it.list());
        });
        for (const o of ops) {
          switch (o.op) {
            case 'sub': {
              const it = intents[o.t]!;
              if (it.legacy) {
                it.legacy = false;
                it.items.add('*'); // delta: "continuing the existing subscription to *"
              }
              it.items.add(o.name);
              deltas[o.t]!.request([o.name]);
              sotws[o.t]!.request(it.list());
              break;
            }
            case 'unsub': {
              const it = intents[o.t]!;
              // Nothing explicit to unsubscribe yet; and SotW cannot leave the legacy wildcard
              // with an empty list (that is the legacy wildcard), only by naming something.
              if (it.legacy) break;
              it.items.delete(o.name);
              deltas[o.t]!.request([], [o.name]);
              sotws[o.t]!.request(it.list());
              break;
            }
            case 'set':
              cache.patch('n', { set: { [TYPES[o.t]]: [make(o.t, o.name, o.v, o.ttl)] } });
              break;
            case 'del':
              cache.patch('n', { remove: { [TYPES[o.t]]: [o.name] } });
              break;
            case 'take':
              (o.who === 'delta' ? deltas : sotws)[o.t]!.drain();
              break;
            case 'heartbeat':
              cache.heartbeat();
              break;
            case 'reconnect': {
              // A client interested in nothing opens no stream for the type (an empty first
              // request would be the legacy wildcard).
              if (!intents[o.t]!.legacy && intents[o.t]!.items.size === 0) break;
              const old = deltas[o.t]!;
              old.watch.close();
              const fresh = new DeltaClient(cache.watchDelta({ typeUrl: TYPES[o.t], node: { id: 'n' } }));
              for (const [n, v] of old.held) fresh.held.set(n, v);
              const it = intents[o.t]!;
              fresh.request(it.legacy ? [] : it.list(), [], Object.fromEntries(old.held));
              deltas[o.t] = fresh;
              break;
            }
          }
        }
        const snap = cache.getSnapshot('n')!;
        TYPES.forEach((typeUrl, i) => {
          const delta = deltas[i]!;
          const sotw = sotws[i]!;
          delta.drain();
          sotw.drain();
          const expected = new Map(
            snap
              .resources(typeUrl)
              .entries()
              .filter(([n]) => intents[i]!.covers(n))
              .map(([n, e]) => [n, e.version]),
          );
          expect(new Map([...delta.held].sort())).toEqual(new Map([...expected].sort()));
          if (sotw.fullState) {
            expect(new Map([...sotw.held].sort())).toEqual(new Map([...expected].sort()));
          } else {
            // No deletion in SotW for these types: the client may keep names the server dropped.
            for (const [n, v] of expected) expect(sotw.held.get(n)).toBe(v);
            for (const n of sotw.held.keys()) if (!expected.has(n)) expect(snap.resources(typeUrl).has(n) && intents[i]!.covers(n)).toBe(false);
          }
          // Nothing more to send once drained.
          expect(delta.watch.take()).toBeUndefined();
          expect(sotw.watch.take()).toBeUndefined();
        });
      }),
      { numRuns: Number(process.env.XDSKIT_RUNS ?? 400) },
    );
  });
});
