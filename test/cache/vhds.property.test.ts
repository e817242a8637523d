import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TypeUrl, type envoy } from 'xdskit';
import { Snapshot, SnapshotCache } from 'xdskit/cache';

type VirtualHost = envoy.config.route.v3.VirtualHost;

/**
 * Envoy's virtual host selection written the plain way (a scan of every domain), to check the
 * cache's incremental index against: exact, then the longest suffix wildcard, then the longest
 * prefix wildcard, then `*`; a wildcard never matches the empty string; ties by smallest name.
 */
function bruteForce(vhs: readonly VirtualHost[], rc: string, host: string): string | null {
  const mine = vhs.filter((v) => v.name!.startsWith(`${rc}/`) && !v.name!.slice(rc.length + 1).includes('/'));
  const best = (ok: (d: string) => number | undefined): string | null => {
    let found: { len: number; name: string } | undefined;
    for (const v of mine) {
      for (const d of v.domains ?? []) {
        const len = ok(d.toLowerCase());
        if (len === undefined) continue;
        if (!found || len > found.len || (len === found.len && v.name! < found.name)) found = { len, name: v.name! };
      }
    }
    return found?.name ?? null;
  };
  return (
    best((d) => (d === host ? 0 : undefined)) ??
    best((d) => (d.length > 1 && d[0] === '*' && host.length > d.length - 1 && host.endsWith(d.slice(1)) ? d.length : undefined)) ??
    best((d) => (d.length > 1 && d[0] !== '*' && d.endsWith('*') && host.length > d.length - 1 && host.startsWith(d.slice(0, -1)) ? d.length : undefined)) ??
    best((d) => (d === '*' ? 0 : undefined))
  );
}

const labels = ['a', 'b', 'ab', 'a-b'];
const domain = fc.oneof(
  { arbitrary: fc.constantFrom(...labels.map((l) => `${l}.x.com`)), weight: 1 },
  { arbitrary: fc.constantFrom('*.x.com', '*-b.x.com', '*b.x.com', 'a.*', 'a-*', 'ab.*', 'ab.x.*', '*', 'a.x.com:80'), weight: 3 },
);
const vhArb = fc.record({
  rc: fc.constantFrom('r1', 'r2'),
  id: fc.integer({ min: 0, max: 3 }),
  domains: fc.uniqueArray(domain, { minLength: 1, maxLength: 3 }),
});
const hostArb = fc.constantFrom('a.x.com', 'b.x.com', 'ab.x.com', 'a-b.x.com', 'a.x.com:80', 'ab.x.org', 'ab.x.net', 'a.y', 'zz', '.x.com', 'A.X.COM');
const step = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('set' as const), vh: vhArb }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), rc: fc.constantFrom('r1', 'r2'), id: fc.integer({ min: 0, max: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('subscribe' as const), rc: fc.constantFrom('r1', 'r2'), host: hostArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), rc: fc.constantFrom('r1', 'r2'), host: hostArb }), weight: 1 },
);

describe('VHDS alias resolution (property)', () => {
  it('after any sequence of patches and (un)subscriptions, aliases resolve as a full scan does and the client holds exactly their virtual hosts', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 40, size: 'max' }), (steps) => {
        const cache = new SnapshotCache();
        cache.setSnapshot('n', Snapshot.create({ virtual_hosts: [] }));
        const w = cache.watchDelta({ typeUrl: TypeUrl.VirtualHost, node: { id: 'n' } });
        const held = new Map<string, string>();
        const subscribed = new Set<string>();
        const drain = () => {
          const u = w.take();
          if (!u) return;
          for (const r of u.resources) if (!r.absent) held.set(r.name, r.version);
          for (const n of u.removed) held.delete(n);
        };
        for (const s of steps) {
          if (s.kind === 'set') {
            const name = `${s.vh.rc}/vh${s.vh.id}`;
            cache.patch('n', { set: { virtual_hosts: [{ name, domains: s.vh.domains }] } });
          } else if (s.kind === 'remove') {
            cache.patch('n', { remove: { virtual_hosts: [`${s.rc}/vh${s.id}`] } });
          } else if (s.kind === 'subscribe') {
            subscribed.add(`${s.rc}/${s.host}`);
            w.request({ resourceNamesSubscribe: [`${s.rc}/${s.host}`] });
          } else {
            const a = `${s.rc}/${s.host}`;
            if (subscribed.delete(a)) {
              // The client drops what it subscribed to through that alias only; the server
              // sends nothing for an unsubscription.
              w.request({ resourceNamesUnsubscribe: [a] });
              const wanted = new Set([...w.aliases().values()]);
              for (const n of [...held.keys()]) if (!wanted.has(n)) held.delete(n);
            }
          }
          drain();
        }
        const vhs = cache.getSnapshot('n')!.setOf(TypeUrl.VirtualHost)!.messages() as VirtualHost[];
        const expected = new Map<string, string | null>();
        for (const a of subscribed) {
          const i = a.indexOf('/');
          expected.set(a, bruteForce(vhs, a.slice(0, i), a.slice(i + 1).toLowerCase()));
        }
        expect(new Map(w.aliases())).toEqual(expected);
        const targets = new Set([...expected.values()].filter((t): t is string => t !== null));
        expect(new Set(held.keys())).toEqual(targets);
        const view = w.view!;
        for (const [n, v] of held) expect(v).toBe(view.get(n)!.version);
        w.close();
      }),
      { numRuns: 300, seed: 20240601 },
    );
  });
});
