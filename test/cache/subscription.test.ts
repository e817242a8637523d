import { describe, expect, it } from 'vitest';
import { Subscription, collectionKey, globKey, isGlob } from 'xdskit/cache';

describe('a SotW subscription (spec: How the client specifies what resources to return)', () => {
  it('given a first request with no names, then it is the legacy wildcard', () => {
    const s = new Subscription();
    const c = s.applySotw([]);
    expect(c.wildcardAdded).toBe(true);
    expect(s.wildcard && s.legacyWildcard).toBe(true);
    expect(s.covers('anything')).toBe(true);
  });

  it('follows the spec example: unset → "*" and "A" → "A" → unset', () => {
    const s = new Subscription();
    s.applySotw(undefined);
    expect(s.wildcard).toBe(true);
    // "*" and "A": continues the wildcard and adds A
    let c = s.applySotw(['*', 'A']);
    expect(s.wildcard).toBe(true);
    expect(c.wildcardAdded).toBe(false);
    expect(c.added).toEqual(['A']);
    // "A": unsubscribes from "*"
    c = s.applySotw(['A']);
    expect(c.wildcardRemoved).toBe(true);
    expect(s.covers('B')).toBe(false);
    expect(s.covers('A')).toBe(true);
    // unset again: unsubscribes from A, and is NOT a wildcard any more
    c = s.applySotw([]);
    expect(c.removed).toEqual(['A']);
    expect(s.wildcard).toBe(false);
    expect(s.covers('A')).toBe(false);
  });

  it('given a full list each time, then names missing from the new list are unsubscribed', () => {
    const s = new Subscription();
    s.applySotw(['a', 'b']);
    const c = s.applySotw(['b', 'c']);
    expect(c.added).toEqual(['c']);
    expect(c.removed).toEqual(['a']);
    expect([...s.names()].sort()).toEqual(['b', 'c']);
  });

  it('given an ACK with the same names, then nothing changes', () => {
    const s = new Subscription();
    s.applySotw(['a', 'b']);
    expect(s.applySotw(['b', 'a'])).toMatchObject({ added: [], removed: [], wildcardAdded: false, wildcardRemoved: false });
  });
});

describe('a delta subscription (spec: Incremental xDS)', () => {
  it('follows the spec example: unset → subscribe A → unsubscribe "*" → unsubscribe A', () => {
    const s = new Subscription();
    expect(s.applyDelta([], []).wildcardAdded).toBe(true);
    let c = s.applyDelta(['A'], []);
    expect(c.added).toEqual(['A']);
    expect(s.wildcard).toBe(true); // continuing the existing subscription to "*"
    c = s.applyDelta([], ['*']);
    expect(c.wildcardRemoved).toBe(true);
    expect(s.covers('A')).toBe(true);
    expect(s.covers('B')).toBe(false);
    c = s.applyDelta([], ['A']);
    expect(c.removed).toEqual(['A']);
    // Empty now, but not a wildcard: a name was subscribed before.
    expect(s.wildcard).toBe(false);
    s.applyDelta([], []);
    expect(s.wildcard).toBe(false);
  });

  it('given a first request naming resources, then there is no wildcard', () => {
    const s = new Subscription();
    s.applyDelta(['A'], []);
    expect(s.wildcard).toBe(false);
    s.applyDelta([], []); // an ACK
    expect(s.wildcard).toBe(false);
  });

  it('given an explicit "*", then the wildcard is on and not legacy', () => {
    const s = new Subscription();
    const c = s.applyDelta(['*'], []);
    expect(c.wildcardAdded).toBe(true);
    expect(s.legacyWildcard).toBe(false);
    expect(s.wildcardOnly).toBe(true);
  });

  it('given a name subscribed again, then it is reported added again (the server must resend it)', () => {
    const s = new Subscription();
    s.applyDelta(['A'], []);
    expect(s.applyDelta(['A'], []).added).toEqual(['A']);
  });

  it('given an unsubscription of a name never subscribed, then it is ignored', () => {
    const s = new Subscription();
    s.applyDelta(['A'], []);
    expect(s.applyDelta([], ['B']).removed).toEqual([]);
  });

  it('given a name both unsubscribed and subscribed in one request, then it stays subscribed', () => {
    const s = new Subscription();
    s.applyDelta(['A'], []);
    const c = s.applyDelta(['A'], ['A']);
    expect(c.removed).toEqual([]);
    expect(s.covers('A')).toBe(true);
  });

  it('tells names covered by the wildcard apart from explicit ones', () => {
    const s = new Subscription();
    s.applyDelta(['*', 'A'], []);
    expect(s.isExplicit('A')).toBe(true);
    expect(s.coveredImplicitly('A')).toBe(true);
    expect(s.isExplicit('B')).toBe(false);
  });
});

describe('glob collections (xDS TP1 "Glob")', () => {
  const base = 'xdstp://mesh/envoy.config.listener.v3.Listener/ingress';

  it('recognises names ending in /* as globs, with or without context parameters', () => {
    expect(isGlob(`${base}/*`)).toBe(true);
    expect(isGlob(`${base}/*?shard=1`)).toBe(true);
    expect(isGlob('*')).toBe(false);
    expect(isGlob(`${base}/a`)).toBe(false);
  });

  it('given a glob subscription, then it covers the direct members of the collection only', () => {
    const s = new Subscription();
    s.applyDelta([`${base}/*`], []);
    expect(s.covers(`${base}/a`)).toBe(true);
    expect(s.covers(`${base}/b`)).toBe(true);
    expect(s.covers(`${base}/a/b`)).toBe(false);
    expect(s.covers('xdstp://mesh/envoy.config.listener.v3.Listener/egress/a')).toBe(false);
    expect(s.wildcard).toBe(false);
  });

  it('given context parameters, then members must carry the same ones, in any order', () => {
    const s = new Subscription();
    s.applySotw([`${base}/*?b=2&a=1`]);
    expect(s.covers(`${base}/x?a=1&b=2`)).toBe(true);
    expect(s.covers(`${base}/x`)).toBe(false);
    expect(s.covers(`${base}/x?a=1`)).toBe(false);
    expect(collectionKey(`${base}/x?a=1&b=2`)).toBe(globKey(`${base}/*?b=2&a=1`));
  });

  it('given a glob unsubscribed, then its members are no longer covered', () => {
    const s = new Subscription();
    s.applyDelta([`${base}/*`, 'plain'], []);
    const c = s.applyDelta([], [`${base}/*`]);
    expect(c.globsRemoved).toEqual([`${base}/*`]);
    expect(s.covers(`${base}/a`)).toBe(false);
    expect(s.covers('plain')).toBe(true);
  });

  it('given short plain names with a slash, then a prefix glob covers them too', () => {
    const s = new Subscription();
    s.applySotw(['team-a/*']);
    expect(s.covers('team-a/api')).toBe(true);
    expect(s.covers('team-b/api')).toBe(false);
  });
});
