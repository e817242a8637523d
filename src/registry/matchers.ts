/**
 * Envoy's generic matchers evaluated in JavaScript, with Envoy's semantics: `StringMatcher`
 * (regexes with RE2, through re2js), `ValueMatcher` on a `google.protobuf.Value`, and the value
 * a `StructMatcher`/`MetadataMatcher` path leads to in a Struct.
 *
 * Shared by the RBAC model's `explain()` (mesh) and CSDS's node metadata matchers (server).
 * Structs are what ts-proto gives: plain objects; a Value is the plain JSON value (`null`, a
 * number, a string, a boolean, an array or an object); `undefined` stands for "no value".
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/string.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/value.proto
 */
import { RE2JS } from 're2js';
import type { StringMatcher } from '../gen/envoy/type/matcher/v3/string.js';
import type { ValueMatcher } from '../gen/envoy/type/matcher/v3/value.js';

/** A matcher xdskit cannot evaluate (a `custom` string matcher extension). */
export class UnsupportedMatcherError extends Error {
  override readonly name = 'UnsupportedMatcherError';
}

const regexCache = new Map<string, RE2JS>();

/**
 * Whether an RE2 pattern matches the whole value, as Envoy's `safe_regex` does.
 *
 * @throws the re2js error for a pattern RE2 does not accept
 */
export function regexFullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re.matcher(value).matches();
}

/**
 * True when the string matcher accepts the value: exact, prefix, suffix, contains (each with
 * `ignore_case`), or an RE2 `safe_regex` on the whole value. A matcher with no pattern accepts
 * nothing.
 *
 * @throws UnsupportedMatcherError for a `custom` matcher extension; the re2js error for an
 *   invalid regex
 */
export function matchString(m: StringMatcher, value: string): boolean {
  const p = m.matchPattern;
  if (!p) return false;
  const ic = m.ignoreCase === true;
  const v = ic ? value.toLowerCase() : value;
  const lc = (s: string) => (ic ? s.toLowerCase() : s);
  switch (p.$case) {
    case 'exact':
      return v === lc(p.exact);
    case 'prefix':
      return v.startsWith(lc(p.prefix));
    case 'suffix':
      return v.endsWith(lc(p.suffix));
    case 'contains':
      return v.includes(lc(p.contains));
    case 'safeRegex':
      return regexFullMatch(p.safeRegex.regex ?? '', value);
    case 'custom':
      throw new UnsupportedMatcherError(`string matcher extension ${p.custom.name ?? ''} cannot be evaluated`);
  }
}

function isPrimitive(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * True when the value matcher accepts a Value (`undefined`: the path led nowhere). Each matcher
 * accepts only values of its kind; `present_match: true` accepts any primitive value (a
 * Struct or a list is never "present", as the proto says); a list matches when one of its
 * items does; `or_match` when one of its matchers does. A matcher with no pattern accepts
 * nothing.
 */
export function matchValue(m: ValueMatcher, v: unknown): boolean {
  const p = m.matchPattern;
  if (!p) return false;
  switch (p.$case) {
    case 'nullMatch':
      return v === null;
    case 'doubleMatch': {
      if (typeof v !== 'number') return false;
      const d = p.doubleMatch.matchPattern;
      if (!d) return false;
      return d.$case === 'exact' ? v === d.exact : v >= (d.range.start ?? 0) && v < (d.range.end ?? 0);
    }
    case 'stringMatch':
      return typeof v === 'string' && matchString(p.stringMatch, v);
    case 'boolMatch':
      return typeof v === 'boolean' && v === p.boolMatch;
    case 'presentMatch':
      return p.presentMatch && isPrimitive(v);
    case 'listMatch': {
      const one = p.listMatch.matchPattern?.oneOf;
      return Array.isArray(v) && one !== undefined && v.some((x) => matchValue(one, x));
    }
    case 'orMatch':
      return (p.orMatch.valueMatchers ?? []).some((x) => matchValue(x, v));
  }
}

/**
 * The value a path of keys leads to in a Struct (a `StructMatcher` or `MetadataMatcher` path),
 * or `undefined` when it leads nowhere: a missing key, or a key into a value that is not a
 * Struct.
 */
export function structValueAt(struct: unknown, path: readonly { segment?: { $case: 'key'; key: string } | undefined }[]): unknown {
  let v = struct;
  for (const seg of path) {
    const key = seg.segment?.key;
    if (key === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
