/**
 * Test helper: generates, from the descriptors' `(validate.rules)` alone, valid values for a
 * field and values that break exactly one of its rules.
 *
 * It reads the raw rule sets (not the validator's compiled plans), so the tests built on it
 * check the validator against an independent reading of protoc-gen-validate's semantics.
 */
import { findEnumSchema, findMessageSchema, messageNames, pack, WRAPPER_TYPES, type FieldSchema, type MessageSchema } from 'xdskit/registry';

export type Rng = () => number;

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Thrown when no value can satisfy (or break alone) a rule set. */
export class Impossible extends Error {}

type Rules = Record<string, any>;
const nonEmpty = (a: unknown): a is any[] => Array.isArray(a) && a.length > 0;

// ---------------------------------------------------------------------------------------------
// Strings

/** Values known to match (`ok`) and not match (`bad`) each RE2 pattern the Envoy API uses. */
export const PATTERN_EXAMPLES: Record<string, { ok: string[]; bad: string[] }> = {
  '^[^?#]+[^?#/]$': { ok: ['/api', '/a/b', '/x-y.z'], bad: ['/api/', '/a?b', '/'] },
  '^$|^.*\\.mmdb$': { ok: ['', '/data/city.mmdb', 'x.mmdb'], bad: ['/data/city.db', 'mmdb'] },
  '^[0-9a-zA-Z_\\-\\.~:]+$': { ok: ['name', 'a.b-c_d~e:f', '42'], bad: ['a/b', 'a b', ''] },
  '^[0-9a-zA-Z_\\-\\./~:]+$': { ok: ['a/b', 'x.y~z:1', 'entry'], bad: ['a b', 'a?b', ''] },
};

const WELL_KNOWN_OK: Record<string, string[]> = {
  email: ['user@example.com', 'a.b+c@mail.example.org', 'Name <x@y.io>'],
  hostname: ['example.com', 'a', 'a-b.c0.example.', 'xn--bcher-kva.example'],
  ip: ['10.0.0.1', '::1', '2001:db8::8:800:200c:417a', '::ffff:192.0.2.1', '255.255.255.255'],
  ipv4: ['10.0.0.1', '0.0.0.0', '192.168.100.200'],
  ipv6: ['::', '::1', 'fe80::1', '2001:0db8:0000:0000:0000:ff00:0042:8329', '::ffff:10.0.0.1'],
  uri: ['https://example.com/a?b=c#d', 'urn:isbn:0451450523', 'mailto:a@b.c'],
  uri_ref: ['/relative/path', 'https://example.com', '?q=1', 'a%20b'],
  address: ['example.com', '10.0.0.1', '::1', 'svc.ns.svc.cluster.local'],
  uuid: ['123e4567-e89b-12d3-a456-426614174000', 'A987FBC9-4BED-3078-CF07-9141BA07C9F3'],
};
const WELL_KNOWN_BAD: Record<string, string[]> = {
  email: ['no-at-sign', 'a@-bad-.com', '.a@b.com'],
  hostname: ['-bad.com', 'bad-.com', 'a..b', 'has space.com', 'under_score.com', 'a'.repeat(64) + '.com'],
  ip: ['1.2.3', '1.2.3.256', 'fe80::1%eth0', 'example.com', '01.2.3.4'],
  ipv4: ['::1', '1.2.3', '1.2.3.4.5', '256.1.1.1'],
  ipv6: ['1.2.3.4', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9'],
  uri: ['/relative', 'no scheme', '://x'],
  uri_ref: ['has space', 'bad%zz', 'a<b'],
  address: ['bad host', '-x.com', 'a_b'],
  uuid: ['123e4567e89b12d3a456426614174000', '123e4567-e89b-12d3-a456-42661417400g', 'x'],
};

const HEADER_TCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
/** Characters a random plain string is made of: ASCII, a 2-byte and a 4-byte (astral) one. */
const PLAIN = ['a', 'b', 'z', 'Q', '0', '7', '-', '_', '.', 'é', '😀'];

const cp = (s: string) => [...s].length;
const bytesOf = (s: string) => Buffer.byteLength(s, 'utf8');

function wellKnownKey(r: Rules): string | undefined {
  for (const k of Object.keys(WELL_KNOWN_OK)) if (r[k] === true) return k;
  if (r.well_known_regex === 1 || r.well_known_regex === 2) return 'regex';
  return undefined;
}

/** True when a string satisfies every rule of a StringRules (used to vet generated values). */
function stringOk(r: Rules, s: string): boolean {
  if (r.ignore_empty && s === '') return true;
  const n = cp(s);
  const b = bytesOf(s);
  if (r.const !== undefined && s !== r.const) return false;
  if (r.len !== undefined && n !== Number(r.len)) return false;
  if (r.min_len !== undefined && n < Number(r.min_len)) return false;
  if (r.max_len !== undefined && n > Number(r.max_len)) return false;
  if (r.len_bytes !== undefined && b !== Number(r.len_bytes)) return false;
  if (r.min_bytes !== undefined && b < Number(r.min_bytes)) return false;
  if (r.max_bytes !== undefined && b > Number(r.max_bytes)) return false;
  if (r.prefix !== undefined && !s.startsWith(r.prefix)) return false;
  if (r.suffix !== undefined && !s.endsWith(r.suffix)) return false;
  if (r.contains !== undefined && !s.includes(r.contains)) return false;
  if (r.not_contains !== undefined && s.includes(r.not_contains)) return false;
  if (nonEmpty(r.in) && !r.in.includes(s)) return false;
  if (nonEmpty(r.not_in) && r.not_in.includes(s)) return false;
  if (r.pattern !== undefined) {
    const ex = PATTERN_EXAMPLES[r.pattern];
    if (!ex) throw new Error(`no examples for pattern ${r.pattern}: add them to PATTERN_EXAMPLES`);
    if (!ex.ok.includes(s)) return false; // only strings known to match count as valid
  }
  const wk = wellKnownKey(r);
  if (wk && wk !== 'regex' && !WELL_KNOWN_OK[wk]!.includes(s)) return false;
  if (wk === 'regex') {
    const strict = r.strict !== false;
    if (!strict && /[\0\r\n]/.test(s)) return false;
    if (strict && r.well_known_regex === 1 && !/^:?[0-9a-zA-Z!#$%&'*+,\-.^_|~`]+$/.test(s)) return false;
    if (strict && r.well_known_regex === 2 && /[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return false;
  }
  return true;
}

function randomPlain(r: Rng, len: number, maxBytesPerChar: number): string {
  const alphabet = PLAIN.filter((c) => bytesOf(c) <= maxBytesPerChar);
  let s = '';
  for (let i = 0; i < len; i++) s += pick(r, alphabet);
  return s;
}

/** A random string satisfying a StringRules. */
export function validString(r: Rules, g: Rng): string {
  if (r.const !== undefined) return r.const;
  if (nonEmpty(r.in)) {
    const ok = r.in.filter((s: string) => stringOk({ ...r, in: undefined }, s));
    if (!ok.length) throw new Impossible('no "in" value satisfies the other rules');
    return pick(g, ok);
  }
  let candidates: string[];
  const wk = wellKnownKey(r);
  if (r.pattern !== undefined) candidates = PATTERN_EXAMPLES[r.pattern]?.ok ?? [];
  else if (wk && wk !== 'regex') candidates = WELL_KNOWN_OK[wk]!;
  else {
    const min = Math.max(Number(r.min_len ?? 0), Number(r.len ?? 0), r.min_bytes ? Math.ceil(Number(r.min_bytes)) : 0);
    const maxLen = r.len !== undefined ? Number(r.len) : Math.min(Number(r.max_len ?? Infinity), Number(r.max_bytes ?? Infinity), min + 12);
    candidates = [];
    for (let i = 0; i < 20; i++) {
      const len = int(g, min, Math.max(min, maxLen));
      let s: string;
      if (wk === 'regex') {
        const strict = r.strict !== false;
        if (r.well_known_regex === 1 && strict) {
          s = (g() < 0.2 ? ':' : '') + Array.from({ length: Math.max(1, len) }, () => pick(g, [...HEADER_TCHARS])).join('');
        } else if (strict) {
          s = Array.from({ length: len }, () => pick(g, ['a', ' ', '\t', 'é', '😀', '"', ';', '='])).join('');
        } else {
          s = Array.from({ length: len }, () => pick(g, ['a', ' ', '\t', '\x01', 'é', '😀', ':'])).join('');
        }
      } else {
        // Stay within max_bytes: use 1-byte characters when the limit is tight.
        const perChar = r.max_bytes !== undefined && Number(r.max_bytes) < 4 * (len + 8) ? 1 : r.len_bytes !== undefined || r.min_bytes !== undefined ? 1 : 4;
        s = randomPlain(g, len, perChar);
      }
      if (r.len_bytes !== undefined) s = 'a'.repeat(Number(r.len_bytes));
      s = (r.prefix ?? '') + s + (r.contains ?? '') + (r.suffix ?? '');
      candidates.push(s);
    }
  }
  const ok = candidates.filter((s) => stringOk(r, s));
  if (!ok.length) throw new Impossible(`no string satisfies ${JSON.stringify(r)}`);
  return pick(g, ok);
}

export interface Break {
  /** The broken rule's name, without the `repeated.items.` (etc.) prefix. */
  rule: string;
  value: unknown;
}

/** For each rule of a StringRules, a value breaking that rule alone (when one exists). */
export function stringBreaks(r: Rules, g: Rng): Break[] {
  const out: Break[] = [];
  const add = (rule: string, candidates: string[]) => {
    for (const s of candidates) {
      if (r.ignore_empty && s === '') continue;
      // The value must satisfy every rule but the broken one.
      const others = { ...r, [rule]: undefined };
      if (['email', 'hostname', 'ip', 'ipv4', 'ipv6', 'uri', 'uri_ref', 'address', 'uuid', 'well_known_regex'].includes(rule)) {
        for (const k of Object.keys(WELL_KNOWN_OK)) delete others[k];
        delete others.well_known_regex;
      }
      if (stringOk(others, s) && !stringOk(r, s)) {
        out.push({ rule: `string.${rule}`, value: s });
        return;
      }
    }
  };
  const base = (() => {
    try {
      return validString(r, g);
    } catch {
      return 'a';
    }
  })();
  if (r.const !== undefined) add('const', [r.const + 'x', 'x' + r.const, '']);
  if (r.len !== undefined) add('len', ['a'.repeat(Number(r.len) + 1), '😀'.repeat(Number(r.len) + 1)]);
  if (r.min_len !== undefined && Number(r.min_len) > 0) {
    const n = Number(r.min_len);
    add('min_len', ['😀'.repeat(n - 1), 'a'.repeat(n - 1), (r.prefix ?? '') + (r.suffix ?? '')]);
  }
  if (r.max_len !== undefined) add('max_len', ['a'.repeat(Number(r.max_len) + 1), '😀'.repeat(Number(r.max_len) + 1)]);
  if (r.len_bytes !== undefined) add('len_bytes', ['a'.repeat(Number(r.len_bytes) + 1), 'é'.repeat(Number(r.len_bytes))]);
  if (r.min_bytes !== undefined && Number(r.min_bytes) > 0) add('min_bytes', ['a'.repeat(Number(r.min_bytes) - 1)]);
  if (r.max_bytes !== undefined) {
    const n = Number(r.max_bytes);
    add('max_bytes', ['é'.repeat(Math.floor(n / 2) + 1), 'a'.repeat(n + 1)]);
  }
  if (r.pattern !== undefined) add('pattern', PATTERN_EXAMPLES[r.pattern]?.bad ?? []);
  if (r.prefix !== undefined) add('prefix', [base.slice(r.prefix.length) + 'x', 'x' + base]);
  if (r.suffix !== undefined) add('suffix', [base + 'x', base.slice(0, -r.suffix.length)]);
  if (r.contains !== undefined) add('contains', [base.split(r.contains).join('')]);
  if (r.not_contains !== undefined) add('not_contains', [base + r.not_contains, r.not_contains + base]);
  if (nonEmpty(r.in)) add('in', [r.in[0] + 'x', 'not-in-the-list', 'ZZ']);
  if (nonEmpty(r.not_in)) add('not_in', r.not_in);
  const wk = wellKnownKey(r);
  if (wk && wk !== 'regex') add(wk, WELL_KNOWN_BAD[wk]!);
  if (wk === 'regex') {
    const strict = r.strict !== false;
    const bad = !strict ? ['a\nb', 'x\r', '\0'] : r.well_known_regex === 1 ? ['bad name', 'a:b', 'x\ny', 'é'] : ['a\x01b', 'x\ny', '\x7f'];
    add('well_known_regex', bad);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bytes

const b64 = (x: unknown) => Buffer.from(String(x), 'base64');

export function validBytes(r: Rules, g: Rng): Buffer {
  if (r.const !== undefined) return b64(r.const);
  if (nonEmpty(r.in)) return b64(pick(g, r.in));
  if (r.ip || r.ipv4) return Buffer.from([10, 0, 0, int(g, 1, 254)]);
  if (r.ipv6) return Buffer.alloc(16, int(g, 0, 255));
  if (r.pattern !== undefined) {
    const ok = (PATTERN_EXAMPLES[r.pattern]?.ok ?? []).filter((x) => x.length >= Number(r.min_len ?? 0));
    if (!ok.length) throw new Impossible(`no bytes match ${r.pattern}`);
    return Buffer.from(pick(g, ok));
  }
  const min = Math.max(Number(r.min_len ?? 0), Number(r.len ?? 0));
  const max = r.len !== undefined ? Number(r.len) : Math.min(Number(r.max_len ?? Infinity), min + 10);
  const body = Buffer.from(Array.from({ length: int(g, min, max) }, () => int(g, 0, 255)));
  return Buffer.concat([r.prefix ? b64(r.prefix) : Buffer.alloc(0), body, r.contains ? b64(r.contains) : Buffer.alloc(0), r.suffix ? b64(r.suffix) : Buffer.alloc(0)]);
}

export function bytesBreaks(r: Rules): Break[] {
  const out: Break[] = [];
  const lenRules = ['len', 'min_len', 'max_len'].filter((k) => r[k] !== undefined).length;
  if (r.min_len !== undefined && Number(r.min_len) > 0 && lenRules === 1 && !r.prefix && !r.contains && !r.suffix && r.pattern === undefined) {
    out.push({ rule: 'bytes.min_len', value: Buffer.alloc(Number(r.min_len) - 1, 1) });
  }
  if (r.min_len !== undefined && Number(r.min_len) > 0 && r.max_len !== undefined) {
    out.push({ rule: 'bytes.min_len', value: Buffer.alloc(Number(r.min_len) - 1, 1) });
  }
  if (r.max_len !== undefined) out.push({ rule: 'bytes.max_len', value: Buffer.alloc(Number(r.max_len) + 1, 1) });
  if (r.len !== undefined) out.push({ rule: 'bytes.len', value: Buffer.alloc(Number(r.len) + 1, 1) });
  if (r.const !== undefined) out.push({ rule: 'bytes.const', value: Buffer.concat([b64(r.const), Buffer.from([0])]) });
  if (r.prefix !== undefined) out.push({ rule: 'bytes.prefix', value: Buffer.from([0xff, ...b64(r.prefix)]) });
  if (r.suffix !== undefined) out.push({ rule: 'bytes.suffix', value: Buffer.from([...b64(r.suffix), 0xff]) });
  if (r.contains !== undefined) out.push({ rule: 'bytes.contains', value: Buffer.from([0xfe]) });
  if (nonEmpty(r.in)) out.push({ rule: 'bytes.in', value: Buffer.from('not in the list') });
  if (nonEmpty(r.not_in)) out.push({ rule: 'bytes.not_in', value: b64(r.not_in[0]) });
  if (r.ip) out.push({ rule: 'bytes.ip', value: Buffer.alloc(5) });
  if (r.ipv4) out.push({ rule: 'bytes.ipv4', value: Buffer.alloc(16) });
  if (r.ipv6) out.push({ rule: 'bytes.ipv6', value: Buffer.alloc(4) });
  if (r.pattern !== undefined) {
    const ex = PATTERN_EXAMPLES[r.pattern];
    if (ex?.bad.length) out.push({ rule: 'bytes.pattern', value: Buffer.from(ex.bad[0]!) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Numbers (as BigInt for integers, number for floats), bool, enum

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const RANGE: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const isFloat = (kind: string) => kind === 'float' || kind === 'double';

/** A value of a numeric kind as the generated message holds it. */
function out(kind: string, v: number | bigint): unknown {
  if (isFloat(kind)) return Number(v);
  return INT64.has(kind) ? String(v) : Number(v);
}

function numberOk(kind: string, r: Rules, v: number | bigint): boolean {
  const c = (x: unknown): any => (isFloat(kind) ? Number(x) : BigInt(x as string));
  if (r.const !== undefined && v !== c(r.const)) return false;
  const lo = r.gt !== undefined ? c(r.gt) : r.gte !== undefined ? c(r.gte) : undefined;
  const hi = r.lt !== undefined ? c(r.lt) : r.lte !== undefined ? c(r.lte) : undefined;
  const above = lo === undefined || (r.gt !== undefined ? v > lo : v >= lo);
  const below = hi === undefined || (r.lt !== undefined ? v < hi : v <= hi);
  if (lo !== undefined && hi !== undefined && hi <= lo) {
    if (!above && !below) return false;
  } else if (!above || !below) return false;
  if (nonEmpty(r.in) && !r.in.map(c).includes(v)) return false;
  if (nonEmpty(r.not_in) && r.not_in.map(c).includes(v)) return false;
  if (!isFloat(kind)) {
    const [min, max] = RANGE[kind]!;
    if ((v as bigint) < min || (v as bigint) > max) return false;
  }
  return true;
}

export function validNumber(kind: string, r: Rules, g: Rng): unknown {
  const c = (x: unknown): any => (isFloat(kind) ? Number(x) : BigInt(x as string));
  if (r.const !== undefined) return out(kind, c(r.const));
  if (nonEmpty(r.in)) return out(kind, c(pick(g, r.in)));
  const candidates: (number | bigint)[] = [];
  if (isFloat(kind)) {
    const lo = r.gt !== undefined ? Number(r.gt) : r.gte !== undefined ? Number(r.gte) : -1000;
    const hi = r.lt !== undefined ? Number(r.lt) : r.lte !== undefined ? Number(r.lte) : lo + 1000;
    for (let i = 0; i < 10; i++) candidates.push(lo + (hi - lo) * g());
    candidates.push(r.gte !== undefined ? Number(r.gte) : lo + 0.5, r.lte !== undefined ? Number(r.lte) : hi - 0.5);
  } else {
    const [min, max] = RANGE[kind]!;
    const lo = r.gt !== undefined ? BigInt(r.gt) + 1n : r.gte !== undefined ? BigInt(r.gte) : min > -1000n ? min : -1000n;
    const hi = r.lt !== undefined ? BigInt(r.lt) - 1n : r.lte !== undefined ? BigInt(r.lte) : lo + 100000n < max ? lo + 100000n : max;
    const span = hi - lo;
    for (let i = 0; i < 10; i++) candidates.push(lo + BigInt(Math.floor(g() * Number(span + 1n))));
    candidates.push(lo, hi);
  }
  const ok = candidates.filter((v) => numberOk(kind, r, v));
  if (!ok.length) throw new Impossible(`no ${kind} satisfies ${JSON.stringify(r)}`);
  return out(kind, pick(g, ok));
}

export function numberBreaks(kind: string, r: Rules): Break[] {
  const c = (x: unknown): any => (isFloat(kind) ? Number(x) : BigInt(x as string));
  const step = (isFloat(kind) ? 0.5 : 1n) as any;
  const res: Break[] = [];
  const add = (rule: string, candidates: (number | bigint)[]) => {
    const others = { ...r, [rule]: undefined };
    for (const v of candidates) {
      if (!isFloat(kind)) {
        const [min, max] = RANGE[kind]!;
        if ((v as bigint) < min || (v as bigint) > max) continue;
      }
      if (numberOk(kind, others, v) && !numberOk(kind, r, v)) {
        res.push({ rule: `${kind}.${rule}`, value: out(kind, v) });
        return;
      }
    }
  };
  if (r.const !== undefined) add('const', [c(r.const) + step, c(r.const) - step]);
  const lowKey = r.gt !== undefined ? 'gt' : r.gte !== undefined ? 'gte' : undefined;
  const highKey = r.lt !== undefined ? 'lt' : r.lte !== undefined ? 'lte' : undefined;
  const exclusive = lowKey && highKey && c(r[highKey]) <= c(r[lowKey]);
  if (exclusive) {
    const two: any = isFloat(kind) ? 2 : 2n;
    const between = (c(r[lowKey]) + c(r[highKey])) / two;
    const rule = `${lowKey}_${highKey}_exclusive`;
    if (!numberOk(kind, r, between)) res.push({ rule: `${kind}.${rule}`, value: out(kind, between) });
  } else {
    if (lowKey === 'gt') add('gt', [c(r.gt)]);
    if (lowKey === 'gte') add('gte', [c(r.gte) - step]);
    if (highKey === 'lt') add('lt', [c(r.lt)]);
    if (highKey === 'lte') add('lte', [c(r.lte) + step]);
  }
  if (nonEmpty(r.in)) {
    const ins = r.in.map(c);
    const cand: (number | bigint)[] = [];
    for (const x of ins) cand.push(x + step, x - step);
    add('in', cand);
  }
  if (nonEmpty(r.not_in)) add('not_in', r.not_in.map(c));
  return res;
}

export function enumValues(ref: string): number[] {
  return [...new Set(findEnumSchema(ref)!.values.map(([, n]) => n))];
}

function enumOk(ref: string, r: Rules, v: number): boolean {
  if (r.const !== undefined && v !== r.const) return false;
  if (r.defined_only && !enumValues(ref).includes(v)) return false;
  if (nonEmpty(r.in) && !r.in.includes(v)) return false;
  if (nonEmpty(r.not_in) && r.not_in.includes(v)) return false;
  return true;
}

export function validEnum(ref: string, r: Rules, g: Rng): number {
  const ok = enumValues(ref).filter((v) => enumOk(ref, r, v));
  if (!ok.length) throw new Impossible(`no value of ${ref} satisfies ${JSON.stringify(r)}`);
  return pick(g, ok);
}

export function enumBreaks(ref: string, r: Rules): Break[] {
  const res: Break[] = [];
  const vals = enumValues(ref);
  const add = (rule: string, candidates: number[]) => {
    const others = { ...r, [rule]: undefined };
    for (const v of candidates) {
      if (enumOk(ref, others, v) && !enumOk(ref, r, v)) {
        res.push({ rule: `enum.${rule}`, value: v });
        return;
      }
    }
  };
  if (r.const !== undefined) add('const', vals);
  if (r.defined_only) add('defined_only', [Math.max(...vals) + 1, 12345, -7]);
  if (nonEmpty(r.in)) add('in', [...vals, 999]);
  if (nonEmpty(r.not_in)) add('not_in', r.not_in);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Durations and timestamps, as nanoseconds (BigInt)

const NS = 1_000_000_000n;
const toNs = (d: any = {}): bigint => BigInt(d.seconds ?? 0) * NS + BigInt(d.nanos ?? 0);
export function fromNs(ns: bigint): { seconds: string; nanos: number } {
  let s = ns / NS;
  let n = ns % NS;
  // seconds and nanos have the same sign (BigInt division truncates toward zero already).
  return { seconds: String(s), nanos: Number(n) };
}

function timeOk(r: Rules, v: bigint): boolean {
  if (r.const !== undefined && v !== toNs(r.const)) return false;
  const lo = r.gt !== undefined ? toNs(r.gt) : r.gte !== undefined ? toNs(r.gte) : undefined;
  const hi = r.lt !== undefined ? toNs(r.lt) : r.lte !== undefined ? toNs(r.lte) : undefined;
  const above = lo === undefined || (r.gt !== undefined ? v > lo : v >= lo);
  const below = hi === undefined || (r.lt !== undefined ? v < hi : v <= hi);
  if (lo !== undefined && hi !== undefined && hi <= lo) {
    if (!above && !below) return false;
  } else if (!above || !below) return false;
  if (nonEmpty(r.in) && !r.in.map(toNs).includes(v)) return false;
  if (nonEmpty(r.not_in) && r.not_in.map(toNs).includes(v)) return false;
  return true;
}

export function validTime(r: Rules, g: Rng, base = 0n): { seconds: string; nanos: number } {
  if (r.const !== undefined) return fromNs(toNs(r.const));
  if (nonEmpty(r.in)) return fromNs(toNs(pick(g, r.in)));
  const lo = r.gt !== undefined ? toNs(r.gt) + 1n : r.gte !== undefined ? toNs(r.gte) : base;
  const hi = r.lt !== undefined ? toNs(r.lt) - 1n : r.lte !== undefined ? toNs(r.lte) : lo + 3600n * NS;
  const cands = [lo, hi, lo + BigInt(Math.floor(g() * Number(hi - lo)))];
  const ok = cands.filter((v) => timeOk(r, v));
  if (!ok.length) throw new Impossible(`no time satisfies ${JSON.stringify(r)}`);
  return fromNs(pick(g, ok));
}

export function timeBreaks(kind: 'duration' | 'timestamp', r: Rules): Break[] {
  const res: Break[] = [];
  const add = (rule: string, candidates: bigint[]) => {
    const others = { ...r, [rule]: undefined };
    for (const v of candidates) {
      if (timeOk(others, v) && !timeOk(r, v)) {
        res.push({ rule: `${kind}.${rule}`, value: fromNs(v) });
        return;
      }
    }
  };
  if (r.const !== undefined) add('const', [toNs(r.const) + 1n]);
  const lowKey = r.gt !== undefined ? 'gt' : r.gte !== undefined ? 'gte' : undefined;
  const highKey = r.lt !== undefined ? 'lt' : r.lte !== undefined ? 'lte' : undefined;
  if (lowKey && highKey && toNs(r[highKey]) <= toNs(r[lowKey])) {
    const between = (toNs(r[lowKey]) + toNs(r[highKey])) / 2n;
    if (!timeOk(r, between)) res.push({ rule: `${kind}.${lowKey}_${highKey}_exclusive`, value: fromNs(between) });
  } else {
    if (r.gt !== undefined) add('gt', [toNs(r.gt)]);
    if (r.gte !== undefined) add('gte', [toNs(r.gte) - 1n]);
    if (r.lt !== undefined) add('lt', [toNs(r.lt)]);
    if (r.lte !== undefined) add('lte', [toNs(r.lte) + 1n]);
  }
  if (nonEmpty(r.in)) add('in', r.in.map((x: any) => toNs(x) + 1n));
  if (nonEmpty(r.not_in)) add('not_in', r.not_in.map(toNs));
  return res;
}

// ---------------------------------------------------------------------------------------------
// Fields and messages

const WRAPPERS: Readonly<Record<string, string>> = WRAPPER_TYPES;
const SCALARS = new Set(['double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32', 'sfixed32', 'sfixed64', 'sint32', 'sint64']);

/** A type every Any test packs: it has no rules, so it is valid when empty. */
export const PLAIN_ANY_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
/** Another type without rules, for Any `in`/`not_in` breaks. */
export const OTHER_ANY_TYPE = 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb';

/** The kind whose rules apply to an element: `string`, `uint32`, `enum`, `duration`, `message`... */
export function elementKind(type: string, ref: string | undefined): string {
  if (SCALARS.has(type)) return type;
  if (type === 'enum') return 'enum';
  if (ref && WRAPPERS[ref]) return WRAPPERS[ref]!;
  if (ref === 'google.protobuf.Duration') return 'duration';
  if (ref === 'google.protobuf.Timestamp') return 'timestamp';
  if (ref === 'google.protobuf.Any') return 'any';
  return 'message';
}

const MAX_DEPTH = 10;

/** A valid element (single value, list item or map value) of the given type and rules. */
export function validElement(type: string, ref: string | undefined, r: Rules | undefined, g: Rng, depth: number): unknown {
  const kind = elementKind(type, ref);
  const rules = r ?? {};
  switch (kind) {
    case 'string':
      return validString(rules.string ?? {}, g);
    case 'bytes':
      return validBytes(rules.bytes ?? {}, g);
    case 'bool':
      return rules.bool?.const ?? g() < 0.5;
    case 'enum':
      return validEnum(ref!, rules.enum ?? {}, g);
    case 'duration':
      return validTime(rules.duration ?? {}, g);
    case 'timestamp':
      return validTime(rules.timestamp ?? {}, g, 1_700_000_000n * NS);
    case 'any':
      if (nonEmpty(rules.any?.in)) return { typeUrl: pick(g, rules.any.in), value: Buffer.alloc(0) };
      return pack(PLAIN_ANY_TYPE, {});
    case 'message':
      if (ref && ref.startsWith('google.protobuf.')) {
        if (ref === 'google.protobuf.Struct') return { fields: { a: 1 } };
        if (ref === 'google.protobuf.Value') return 'v';
        if (ref === 'google.protobuf.ListValue') return [];
        return {};
      }
      return validMessage(ref!, g, depth + 1);
    default:
      return validNumber(kind, rules[kind] ?? {}, g);
  }
}

/** Everything a valid message of the type needs: each field with rules, each required oneof. */
export function validMessage(name: string, g: Rng, depth = 0, opts: { defaults?: boolean } = {}): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new Impossible(`too deep at ${name}`);
  const s = findMessageSchema(name)!;
  const msg: Record<string, unknown> = {};
  if (opts.defaults) {
    // The decode shape: every scalar at its default (create()).
    for (const f of s.fields) {
      if (f.oneof !== undefined) continue;
      if (f.type === 'map') msg[f.prop] = {};
      else if (f.repeated) msg[f.prop] = [];
      else if (f.type === 'string') msg[f.prop] = '';
      else if (f.type === 'bool') msg[f.prop] = false;
      else if (f.type === 'bytes') msg[f.prop] = Buffer.alloc(0);
      else if (f.type === 'enum') msg[f.prop] = 0;
      else if (SCALARS.has(f.type)) msg[f.prop] = INT64.has(f.type) ? '0' : 0;
    }
  }
  if (s.disabled || s.ignored) return msg;
  for (const f of s.fields) {
    if (f.oneof !== undefined || !f.rules) continue;
    msg[f.prop] = validField(f, g, depth);
  }
  (s.oneofs ?? []).forEach((o, i) => {
    if (!o.required) return;
    const members = orderMembers(s.fields.filter((f) => f.oneof === i));
    let lastErr: unknown;
    for (const m of members) {
      try {
        msg[o.prop] = { $case: m.prop, [m.prop]: validField(m, g, depth) };
        return;
      } catch (e) {
        if (!(e instanceof Impossible)) throw e;
        lastErr = e;
      }
    }
    throw lastErr ?? new Impossible(`no member of ${name}.${o.name}`);
  });
  return msg;
}

/** Oneof members, simplest first (scalars, then messages), to keep generated messages small. */
function orderMembers(fs: FieldSchema[]): FieldSchema[] {
  const rank = (f: FieldSchema) => (f.type !== 'message' ? 0 : WRAPPERS[f.ref!] || f.ref!.startsWith('google.') ? 1 : 2);
  return [...fs].sort((a, b) => rank(a) - rank(b));
}

/** A valid value for a whole field (list, map or single value). */
export function validField(f: FieldSchema, g: Rng, depth: number): unknown {
  const r = (f.rules ?? {}) as Rules;
  if (f.type === 'map') {
    const mr = r.map ?? {};
    const n = Math.max(Number(mr.min_pairs ?? 0), 1);
    const out: Record<string, unknown> = {};
    for (let i = 0; out && Object.keys(out).length < n && i < 50; i++) {
      const key = String(validElement(f.key!, undefined, mr.keys, g, depth));
      out[key] = validElement(f.value!, f.valueRef, mr.values, g, depth);
    }
    if (Object.keys(out).length < n) throw new Impossible('not enough distinct map keys');
    return out;
  }
  if (f.repeated) {
    const rr = r.repeated ?? {};
    const min = Number(rr.min_items ?? 0);
    const max = Math.min(Number(rr.max_items ?? Infinity), min + 2);
    const n = int(g, min, Math.max(min, max));
    const items: unknown[] = [];
    const seen = new Set<string>();
    for (let i = 0; items.length < n && i < 50 * (n + 1); i++) {
      const v = validElement(f.type, f.ref, rr.items, g, depth);
      const key = JSON.stringify(v);
      if (rr.unique && seen.has(key)) continue;
      seen.add(key);
      items.push(v);
    }
    if (items.length < n) throw new Impossible('not enough distinct items');
    return items;
  }
  return validElement(f.type, f.ref, r, g, depth);
}

/** The broken variants of one element's own rules (its kind's rules), prefixed. */
export function elementBreaks(type: string, ref: string | undefined, r: Rules | undefined, g: Rng): Break[] {
  const kind = elementKind(type, ref);
  const rules = r ?? {};
  const res: Break[] = [];
  switch (kind) {
    case 'string':
      if (rules.string) res.push(...stringBreaks(rules.string, g));
      break;
    case 'bytes':
      if (rules.bytes) res.push(...bytesBreaks(rules.bytes));
      break;
    case 'bool':
      if (rules.bool?.const !== undefined) res.push({ rule: 'bool.const', value: !rules.bool.const });
      break;
    case 'enum':
      if (rules.enum) res.push(...enumBreaks(ref!, rules.enum));
      break;
    case 'duration':
    case 'timestamp':
      if (rules[kind]) res.push(...timeBreaks(kind, rules[kind]));
      break;
    case 'any':
      if (nonEmpty(rules.any?.in)) res.push({ rule: 'any.in', value: pack(OTHER_ANY_TYPE, {}) });
      if (nonEmpty(rules.any?.not_in)) res.push({ rule: 'any.not_in', value: { typeUrl: rules.any.not_in[0], value: Buffer.alloc(0) } });
      break;
    case 'message':
      break;
    default:
      if (rules[kind]) res.push(...numberBreaks(kind, rules[kind]));
  }
  // Requiredness of a message-ish element: breaking it means leaving it unset.
  if (type === 'message') {
    for (const k of ['message', 'duration', 'timestamp', 'any']) {
      if (rules[k]?.required === true) {
        res.push({ rule: `${k}.required`, value: undefined });
        break;
      }
    }
  }
  return res;
}

/** One way to break one rule of a field: the field's new value, and the expected problem. */
export interface FieldBreak {
  rule: string;
  /** Path below the field: '' for the field itself, `[0]` for an item, `[key]` for a map entry. */
  sub: string;
  value: unknown;
}

/** Every single-rule break of a field, given a valid value of it. */
export function fieldBreaks(f: FieldSchema, valid: unknown, g: Rng): FieldBreak[] {
  const r = (f.rules ?? {}) as Rules;
  const out: FieldBreak[] = [];
  if (f.type === 'map') {
    const mr = r.map ?? {};
    const m = valid as Record<string, unknown>;
    const keys = Object.keys(m);
    if (mr.min_pairs !== undefined && Number(mr.min_pairs) > 0) {
      const fewer: Record<string, unknown> = {};
      for (const k of keys.slice(0, Number(mr.min_pairs) - 1)) fewer[k] = m[k];
      out.push({ rule: 'map.min_pairs', sub: '', value: fewer });
    }
    if (mr.max_pairs !== undefined) {
      const more: Record<string, unknown> = { ...m };
      for (let i = 0; Object.keys(more).length <= Number(mr.max_pairs) && i < 10000; i++) {
        more[String(validElement(f.key!, undefined, mr.keys, g, 0)) + (mr.keys ? '' : i)] = m[keys[0]!];
      }
      out.push({ rule: 'map.max_pairs', sub: '', value: more });
    }
    if (mr.no_sparse && f.value === 'message') out.push({ rule: 'map.no_sparse', sub: `[${keys[0]}]`, value: { ...m, [keys[0]!]: undefined } });
    const first = keys[0]!;
    for (const b of elementBreaks(f.key!, undefined, mr.keys, g)) {
      const key = String(b.value);
      if (key in m) continue;
      const copy: Record<string, unknown> = { ...m };
      delete copy[first];
      copy[key] = m[first];
      out.push({ rule: `map.keys.${b.rule}`, sub: `[${key}]`, value: copy });
    }
    for (const b of elementBreaks(f.value!, f.valueRef, mr.values, g)) {
      out.push({ rule: `map.values.${b.rule}`, sub: `[${first}]`, value: { ...m, [first]: b.value } });
    }
    return out;
  }
  if (f.repeated) {
    const rr = r.repeated ?? {};
    const items = valid as unknown[];
    const fresh = () => validElement(f.type, f.ref, rr.items, g, 0);
    if (rr.min_items !== undefined && Number(rr.min_items) > 0) {
      out.push({ rule: 'repeated.min_items', sub: '', value: items.slice(0, Number(rr.min_items) - 1) });
    }
    if (rr.max_items !== undefined) {
      const more = [...items];
      const seen = new Set(more.map((x) => JSON.stringify(x)));
      for (let i = 0; more.length <= Number(rr.max_items) && i < 100000; i++) {
        const v = fresh();
        if (rr.unique && seen.has(JSON.stringify(v))) continue;
        seen.add(JSON.stringify(v));
        more.push(v);
      }
      if (more.length > Number(rr.max_items)) out.push({ rule: 'repeated.max_items', sub: '', value: more });
    }
    if (rr.unique) {
      const base = items.length ? items : [fresh()];
      const dup = [...base, base[0]];
      if (rr.max_items === undefined || dup.length <= Number(rr.max_items)) {
        out.push({ rule: 'repeated.unique', sub: `[${base.length}]`, value: dup });
      }
    }
    const base = items.length ? items : [fresh()];
    for (const b of elementBreaks(f.type, f.ref, rr.items, g)) {
      if (b.value === undefined) continue; // an unset list item does not exist
      const copy = [...base];
      copy[0] = b.value;
      if (rr.unique && base.slice(1).some((x) => JSON.stringify(x) === JSON.stringify(b.value))) continue;
      out.push({ rule: `repeated.items.${b.rule}`, sub: '[0]', value: copy });
    }
    return out;
  }
  for (const b of elementBreaks(f.type, f.ref, r, g)) out.push({ rule: b.rule, sub: '', value: b.value });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The catalogue of cases from the descriptors

/** A field (or required oneof) that carries rules, in the message type that declares it. */
export interface RuleSite {
  type: string;
  schema: MessageSchema;
  field?: FieldSchema;
  oneof?: number;
}

/** Every field with rules and every required oneof of the whole API. */
export function ruleSites(): RuleSite[] {
  const out: RuleSite[] = [];
  for (const type of messageNames()) {
    const schema = findMessageSchema(type)!;
    if (schema.disabled || schema.ignored) continue;
    for (const f of schema.fields) if (f.rules) out.push({ type, schema, field: f });
    schema.oneofs?.forEach((o, i) => {
      if (o.required) out.push({ type, schema, oneof: i });
    });
  }
  return out;
}

/** The rule kinds (`string.min_len`, `repeated.items.enum.defined_only`...) a rule set holds. */
export function ruleKinds(rules: Rules, prefix = ''): string[] {
  const out: string[] = [];
  for (const [kind, body] of Object.entries(rules)) {
    if (!body || typeof body !== 'object') continue;
    for (const [k, v] of Object.entries(body as Rules)) {
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      if ((kind === 'repeated' && k === 'items') || (kind === 'map' && (k === 'keys' || k === 'values'))) {
        out.push(...ruleKinds(v, `${prefix}${kind}.${k}.`));
      } else out.push(`${prefix}${kind}.${k}`);
    }
  }
  return out;
}

/** Sets a field (or oneof member) of a message copy. */
export function withField(schema: MessageSchema, msg: Record<string, unknown>, f: FieldSchema, value: unknown): Record<string, unknown> {
  const copy = { ...msg };
  if (f.oneof !== undefined) {
    const o = schema.oneofs![f.oneof]!;
    copy[o.prop] = { $case: f.prop, [f.prop]: value };
  } else copy[f.prop] = value;
  return copy;
}
