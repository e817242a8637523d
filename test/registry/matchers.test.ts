import { describe, expect, it } from 'vitest';
import { matchString, matchValue, structValueAt, UnsupportedMatcherError } from '../../src/registry/matchers.js';

const str = (matchPattern: any, ignoreCase = false) => ({ matchPattern, ignoreCase });
const key = (...keys: string[]) => keys.map((k) => ({ segment: { $case: 'key' as const, key: k } }));

describe("Envoy's generic matchers", () => {
  it('match strings exactly, by prefix, suffix, substring (ignoring case when asked) and by RE2 on the whole value', () => {
    expect(matchString(str({ $case: 'exact', exact: 'Api' }), 'api')).toBe(false);
    expect(matchString(str({ $case: 'exact', exact: 'Api' }, true), 'api')).toBe(true);
    expect(matchString(str({ $case: 'prefix', prefix: '/v1' }), '/v1/users')).toBe(true);
    expect(matchString(str({ $case: 'suffix', suffix: '.COM' }, true), 'a.example.com')).toBe(true);
    expect(matchString(str({ $case: 'contains', contains: 'mid' }), 'a-mid-b')).toBe(true);
    expect(matchString(str({ $case: 'safeRegex', safeRegex: { regex: 'envoy-[0-9]' } }), 'envoy-1')).toBe(true);
    expect(matchString(str({ $case: 'safeRegex', safeRegex: { regex: 'envoy-[0-9]' } }), 'envoy-12')).toBe(false);
    expect(matchString(str(undefined), 'x')).toBe(false);
    expect(() => matchString(str({ $case: 'custom', custom: { name: 'ext' } }), 'x')).toThrow(UnsupportedMatcherError);
    expect(() => matchString(str({ $case: 'safeRegex', safeRegex: { regex: '(?=x)' } }), 'x')).toThrow();
  });

  it('follow a path of keys into a Struct, and lead nowhere past a non-Struct', () => {
    const s = { a: { b: { c: 1 } }, list: [1, 2], n: null };
    expect(structValueAt(s, key('a', 'b', 'c'))).toBe(1);
    expect(structValueAt(s, key('a', 'x'))).toBeUndefined();
    expect(structValueAt(s, key('list', '0'))).toBeUndefined();
    expect(structValueAt(s, key('n', 'x'))).toBeUndefined();
    expect(structValueAt(undefined, key('a'))).toBeUndefined();
  });

  it('match values only of their own kind; present only for primitives; lists by one item; or by any matcher', () => {
    const v = (matchPattern: any) => ({ matchPattern });
    expect(matchValue(v({ $case: 'nullMatch', nullMatch: {} }), null)).toBe(true);
    expect(matchValue(v({ $case: 'nullMatch', nullMatch: {} }), undefined)).toBe(false);
    expect(matchValue(v({ $case: 'doubleMatch', doubleMatch: { matchPattern: { $case: 'range', range: { start: 1, end: 2 } } } }), 1)).toBe(true);
    expect(matchValue(v({ $case: 'doubleMatch', doubleMatch: { matchPattern: { $case: 'range', range: { start: 1, end: 2 } } } }), 2)).toBe(false);
    expect(matchValue(v({ $case: 'doubleMatch', doubleMatch: { matchPattern: { $case: 'exact', exact: 3 } } }), '3')).toBe(false);
    expect(matchValue(v({ $case: 'stringMatch', stringMatch: str({ $case: 'exact', exact: 'x' }) }), 'x')).toBe(true);
    expect(matchValue(v({ $case: 'boolMatch', boolMatch: false }), false)).toBe(true);
    expect(matchValue(v({ $case: 'boolMatch', boolMatch: false }), 0)).toBe(false);
    expect(matchValue(v({ $case: 'presentMatch', presentMatch: true }), 'x')).toBe(true);
    expect(matchValue(v({ $case: 'presentMatch', presentMatch: true }), { a: 1 })).toBe(false);
    expect(matchValue(v({ $case: 'presentMatch', presentMatch: true }), undefined)).toBe(false);
    expect(matchValue(v({ $case: 'presentMatch', presentMatch: false }), 'x')).toBe(false);
    const one = v({ $case: 'listMatch', listMatch: { matchPattern: { $case: 'oneOf', oneOf: v({ $case: 'stringMatch', stringMatch: str({ $case: 'exact', exact: 'b' }) }) } } });
    expect(matchValue(one, ['a', 'b'])).toBe(true);
    expect(matchValue(one, ['a'])).toBe(false);
    expect(matchValue(one, 'b')).toBe(false);
    const or = v({ $case: 'orMatch', orMatch: { valueMatchers: [v({ $case: 'nullMatch', nullMatch: {} }), v({ $case: 'boolMatch', boolMatch: true })] } });
    expect([null, true, false].map((x) => matchValue(or, x))).toEqual([true, true, false]);
    expect(matchValue(v(undefined), 'x')).toBe(false);
  });
});
