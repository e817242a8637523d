/**
 * `string` and `bytes` rules of protoc-gen-validate, compiled to checks.
 *
 * Lengths (`len`, `min_len`, `max_len`) count Unicode code points, `*_bytes` count UTF-8 bytes.
 * `pattern` is an RE2 regular expression (Envoy compiles these patterns with RE2, so they are
 * run with re2js, never with JS RegExp) and matches anywhere in the value unless anchored.
 *
 * @see https://github.com/bufbuild/protoc-gen-validate/blob/main/docs.md#strings
 */
import { RE2JS } from 're2js';
import { show } from '../../registry/errors.js';
import {
  emailProblem,
  headerNameProblem,
  headerValueProblem,
  hostnameProblem,
  isIP,
  isIPv4,
  isIPv6,
  isUuid,
  uriProblem,
  uriRefProblem,
} from '../well-known.js';
import { plural, type LocalCheck, type Reporter, type RuleSet } from './types.js';

/** Number of Unicode code points in a string (a surrogate pair counts once). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Number of bytes of a string in UTF-8 (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const re2Cache = new Map<string, RE2JS>();

/**
 * Compiles an RE2 pattern once (cached). Throws the RE2 syntax error for an invalid pattern.
 */
export function re2(pattern: string): RE2JS {
  let r = re2Cache.get(pattern);
  if (!r) {
    r = RE2JS.compile(pattern);
    re2Cache.set(pattern, r);
  }
  return r;
}

const typeFail = (report: Reporter, what: string, v: unknown) =>
  report.fail('type', `must be ${what}, got ${show(v)}${v === null ? '' : ` (${typeof v})`}`, v);

const list = (xs: readonly unknown[]) => xs.map((x) => show(x)).join(', ');

/**
 * Compiles StringRules into a check of a present string value.
 *
 * @param prefix the rule-name prefix: `string`, `repeated.items.string`, `map.keys.string`...
 * @returns undefined when the rules check nothing
 */
export function compileString(r: RuleSet, prefix = 'string'): LocalCheck | undefined {
  const checks: ((s: string, report: Reporter) => void)[] = [];
  const name = (k: string) => `${prefix}.${k}`;

  if (r.const !== undefined) {
    const c = String(r.const);
    checks.push((s, rep) => {
      if (s !== c) rep.fail(name('const'), `must equal ${show(c)}, got ${show(s)}`, s);
    });
  }
  if (r.len !== undefined) {
    const n = Number(r.len);
    checks.push((s, rep) => {
      const l = codePoints(s);
      if (l !== n) rep.fail(name('len'), `must be exactly ${plural(n, 'character')} long, got ${show(s)} (${l})`, s);
    });
  }
  if (r.min_len !== undefined && Number(r.min_len) > 0) {
    const n = Number(r.min_len);
    checks.push((s, rep) => {
      if (s.length < n || (s.length < 2 * n && codePoints(s) < n)) {
        rep.fail(name('min_len'), `must be at least ${plural(n, 'character')} long, got ${show(s)}${s ? ` (${codePoints(s)})` : ''}`, s);
      }
    });
  }
  if (r.max_len !== undefined) {
    const n = Number(r.max_len);
    checks.push((s, rep) => {
      if (s.length > n && codePoints(s) > n) {
        rep.fail(name('max_len'), `must be at most ${plural(n, 'character')} long, got ${show(s)} (${codePoints(s)})`, s);
      }
    });
  }
  if (r.len_bytes !== undefined) {
    const n = Number(r.len_bytes);
    checks.push((s, rep) => {
      const l = utf8Length(s);
      if (l !== n) rep.fail(name('len_bytes'), `must be exactly ${plural(n, 'byte')} long in utf-8, got ${show(s)} (${l})`, s);
    });
  }
  if (r.min_bytes !== undefined && Number(r.min_bytes) > 0) {
    const n = Number(r.min_bytes);
    checks.push((s, rep) => {
      if (s.length * 3 < n || utf8Length(s) < n) {
        const l = utf8Length(s);
        if (l < n) rep.fail(name('min_bytes'), `must be at least ${plural(n, 'byte')} long in utf-8, got ${show(s)} (${l})`, s);
      }
    });
  }
  if (r.max_bytes !== undefined) {
    const n = Number(r.max_bytes);
    checks.push((s, rep) => {
      if (s.length > n / 3) {
        const l = utf8Length(s);
        if (l > n) rep.fail(name('max_bytes'), `must be at most ${plural(n, 'byte')} long in utf-8, got ${show(s)} (${l})`, s);
      }
    });
  }
  if (r.pattern !== undefined) {
    const pattern = String(r.pattern);
    const re = re2(pattern);
    checks.push((s, rep) => {
      if (!re.test(s)) rep.fail(name('pattern'), `must match the re2 pattern ${show(pattern)}, got ${show(s)}`, s);
    });
  }
  if (r.prefix !== undefined) {
    const p = String(r.prefix);
    checks.push((s, rep) => {
      if (!s.startsWith(p)) rep.fail(name('prefix'), `must start with ${show(p)}, got ${show(s)}`, s);
    });
  }
  if (r.suffix !== undefined) {
    const p = String(r.suffix);
    checks.push((s, rep) => {
      if (!s.endsWith(p)) rep.fail(name('suffix'), `must end with ${show(p)}, got ${show(s)}`, s);
    });
  }
  if (r.contains !== undefined) {
    const p = String(r.contains);
    checks.push((s, rep) => {
      if (!s.includes(p)) rep.fail(name('contains'), `must contain ${show(p)}, got ${show(s)}`, s);
    });
  }
  if (r.not_contains !== undefined) {
    const p = String(r.not_contains);
    checks.push((s, rep) => {
      if (s.includes(p)) rep.fail(name('not_contains'), `must not contain ${show(p)}, got ${show(s)}`, s);
    });
  }
  if (Array.isArray(r.in) && r.in.length) {
    const set = new Set<string>(r.in.map(String));
    checks.push((s, rep) => {
      if (!set.has(s)) rep.fail(name('in'), `must be one of ${list(r.in)}, got ${show(s)}`, s);
    });
  }
  if (Array.isArray(r.not_in) && r.not_in.length) {
    const set = new Set<string>(r.not_in.map(String));
    checks.push((s, rep) => {
      if (set.has(s)) rep.fail(name('not_in'), `must not be one of ${list(r.not_in)}, got ${show(s)}`, s);
    });
  }
  const wk = wellKnownString(r, name);
  if (wk) checks.push(wk);

  if (!checks.length) return undefined;
  const ignoreEmpty = r.ignore_empty === true;
  return (s: unknown, rep: Reporter) => {
    if (typeof s !== 'string') return typeFail(rep, 'a string', s);
    if (ignoreEmpty && s === '') return;
    for (const c of checks) c(s, rep);
  };
}

function wellKnownString(r: RuleSet, name: (k: string) => string): ((s: string, rep: Reporter) => void) | undefined {
  const simple = (key: string, what: string, problem: (s: string) => string | undefined) =>
    (s: string, rep: Reporter) => {
      const p = problem(s);
      if (p !== undefined) rep.fail(name(key), `must be ${what}, got ${show(s)}${p ? ` (${p})` : ''}`, s);
    };
  const bool = (key: string, what: string, ok: (s: string) => boolean) =>
    simple(key, what, (s) => (ok(s) ? undefined : ''));
  if (r.email === true) return simple('email', 'a valid email address', emailProblem);
  if (r.hostname === true) return simple('hostname', 'a valid hostname', hostnameProblem);
  if (r.ip === true) return bool('ip', 'a valid ip address', isIP);
  if (r.ipv4 === true) return bool('ipv4', 'a valid ipv4 address', isIPv4);
  if (r.ipv6 === true) return bool('ipv6', 'a valid ipv6 address', isIPv6);
  if (r.uri === true) return simple('uri', 'an absolute uri', uriProblem);
  if (r.uri_ref === true) return simple('uri_ref', 'a valid uri reference', uriRefProblem);
  if (r.address === true) {
    return simple('address', 'a valid hostname or ip address', (s) => (isIP(s) ? undefined : hostnameProblem(s)));
  }
  if (r.uuid === true) return bool('uuid', 'a valid uuid', isUuid);
  const strict = r.strict !== false;
  if (r.well_known_regex === 1 || r.well_known_regex === 'HTTP_HEADER_NAME') {
    return simple('well_known_regex', strict ? 'a valid http header name' : 'a header name without nul, cr or lf', (s) =>
      headerNameProblem(s, strict),
    );
  }
  if (r.well_known_regex === 2 || r.well_known_regex === 'HTTP_HEADER_VALUE') {
    return simple('well_known_regex', strict ? 'a valid http header value' : 'a header value without nul, cr or lf', (s) =>
      headerValueProblem(s, strict),
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// bytes

/** Bytes in a rule set are base64 strings (protobufjs `toObject({ bytes: String })`). */
function ruleBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return Buffer.from(String(v), 'base64');
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const showBytes = (b: Uint8Array) => (b.length <= 32 ? `0x${hex(b)}` : `<${b.length} bytes>`);

/**
 * Compiles BytesRules into a check of a present bytes value (a Uint8Array / Buffer).
 *
 * @param prefix the rule-name prefix: `bytes`, `repeated.items.bytes`...
 */
export function compileBytes(r: RuleSet, prefix = 'bytes'): LocalCheck | undefined {
  const checks: ((b: Uint8Array, report: Reporter) => void)[] = [];
  const name = (k: string) => `${prefix}.${k}`;

  if (r.const !== undefined) {
    const c = ruleBytes(r.const);
    checks.push((b, rep) => {
      if (!bytesEqual(b, c)) rep.fail(name('const'), `must equal ${showBytes(c)}, got ${showBytes(b)}`, b);
    });
  }
  if (r.len !== undefined) {
    const n = Number(r.len);
    checks.push((b, rep) => {
      if (b.length !== n) rep.fail(name('len'), `must be exactly ${plural(n, 'byte')} long, got ${plural(b.length, 'byte')}`, b);
    });
  }
  if (r.min_len !== undefined && Number(r.min_len) > 0) {
    const n = Number(r.min_len);
    checks.push((b, rep) => {
      if (b.length < n) rep.fail(name('min_len'), `must be at least ${plural(n, 'byte')} long, got ${plural(b.length, 'byte')}`, b);
    });
  }
  if (r.max_len !== undefined) {
    const n = Number(r.max_len);
    checks.push((b, rep) => {
      if (b.length > n) rep.fail(name('max_len'), `must be at most ${plural(n, 'byte')} long, got ${plural(b.length, 'byte')}`, b);
    });
  }
  if (r.pattern !== undefined) {
    const pattern = String(r.pattern);
    const re = re2(pattern);
    checks.push((b, rep) => {
      if (!re.test(b)) rep.fail(name('pattern'), `must match the re2 pattern ${show(pattern)}, got ${showBytes(b)}`, b);
    });
  }
  if (r.prefix !== undefined) {
    const p = ruleBytes(r.prefix);
    checks.push((b, rep) => {
      if (b.length < p.length || !bytesEqual(b.subarray(0, p.length), p)) {
        rep.fail(name('prefix'), `must start with ${showBytes(p)}, got ${showBytes(b)}`, b);
      }
    });
  }
  if (r.suffix !== undefined) {
    const p = ruleBytes(r.suffix);
    checks.push((b, rep) => {
      if (b.length < p.length || !bytesEqual(b.subarray(b.length - p.length), p)) {
        rep.fail(name('suffix'), `must end with ${showBytes(p)}, got ${showBytes(b)}`, b);
      }
    });
  }
  if (r.contains !== undefined) {
    const p = ruleBytes(r.contains);
    checks.push((b, rep) => {
      if (indexOfBytes(b, p) < 0) rep.fail(name('contains'), `must contain ${showBytes(p)}, got ${showBytes(b)}`, b);
    });
  }
  if (Array.isArray(r.in) && r.in.length) {
    const set = new Set<string>(r.in.map((x: unknown) => hex(ruleBytes(x))));
    const shown = r.in.map((x: unknown) => showBytes(ruleBytes(x))).join(', ');
    checks.push((b, rep) => {
      if (!set.has(hex(b))) rep.fail(name('in'), `must be one of ${shown}, got ${showBytes(b)}`, b);
    });
  }
  if (Array.isArray(r.not_in) && r.not_in.length) {
    const set = new Set<string>(r.not_in.map((x: unknown) => hex(ruleBytes(x))));
    const shown = r.not_in.map((x: unknown) => showBytes(ruleBytes(x))).join(', ');
    checks.push((b, rep) => {
      if (set.has(hex(b))) rep.fail(name('not_in'), `must not be one of ${shown}, got ${showBytes(b)}`, b);
    });
  }
  if (r.ip === true) {
    checks.push((b, rep) => {
      if (b.length !== 4 && b.length !== 16) rep.fail(name('ip'), `must be an ip address in bytes (4 or 16 bytes), got ${plural(b.length, 'byte')}`, b);
    });
  } else if (r.ipv4 === true) {
    checks.push((b, rep) => {
      if (b.length !== 4) rep.fail(name('ipv4'), `must be an ipv4 address in bytes (4 bytes), got ${plural(b.length, 'byte')}`, b);
    });
  } else if (r.ipv6 === true) {
    checks.push((b, rep) => {
      if (b.length !== 16) rep.fail(name('ipv6'), `must be an ipv6 address in bytes (16 bytes), got ${plural(b.length, 'byte')}`, b);
    });
  }

  if (!checks.length) return undefined;
  const ignoreEmpty = r.ignore_empty === true;
  return (b: unknown, rep: Reporter) => {
    if (!(b instanceof Uint8Array)) return typeFail(rep, 'bytes (a Uint8Array or Buffer)', b);
    if (ignoreEmpty && b.length === 0) return;
    for (const c of checks) c(b, rep);
  };
}
