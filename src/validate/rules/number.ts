/**
 * Numeric, `bool` and `enum` rules of protoc-gen-validate, compiled to checks.
 *
 * 64-bit kinds (int64, uint64, sint64, fixed64, sfixed64) are decimal strings in ts-proto
 * messages and in the rule sets; they are compared as BigInt. When both a lower bound (`gt`,
 * `gte`) and an upper bound (`lt`, `lte`) are set and the upper one is greater, the value must
 * lie inside the range; otherwise (upper ≤ lower) it must lie outside, which
 * protoc-gen-validate calls an exclusive range.
 *
 * @see https://github.com/bufbuild/protoc-gen-validate/blob/main/docs.md#numerics
 */
import { findEnumSchema } from '../../registry/schema.js';
import { show } from '../../registry/errors.js';
import { INT32_KINDS, INT64_KINDS, type LocalCheck, type Reporter, type RuleSet } from './types.js';
import { compileRange, type Order } from './range.js';

type Num = number | bigint;

const INT32_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  sint32: [-2147483648, 2147483647],
  sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  fixed32: [0, 4294967295],
};
const INT64_RANGE: Record<string, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/**
 * Reads a value of a numeric kind: a number for 32-bit and floating kinds, a BigInt for 64-bit
 * ones (from a decimal string, a safe integer or a bigint). Returns undefined when the value is
 * not of the kind (wrong type, not an integer, out of the kind's range).
 */
export function readNumber(kind: string, v: unknown): Num | undefined {
  if (INT64_KINDS.has(kind)) {
    let b: bigint;
    if (typeof v === 'string') {
      if (!/^-?\d+$/.test(v)) return undefined;
      b = BigInt(v);
    } else if (typeof v === 'number') {
      if (!Number.isInteger(v)) return undefined;
      b = BigInt(v);
    } else if (typeof v === 'bigint') b = v;
    else return undefined;
    const [lo, hi] = INT64_RANGE[kind]!;
    return b < lo || b > hi ? undefined : b;
  }
  if (typeof v !== 'number') return undefined;
  const range = INT32_RANGE[kind];
  if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) return undefined;
  return v;
}

/** What a value of the kind must be, for type errors. */
export function kindDescription(kind: string): string {
  if (INT64_KINDS.has(kind)) return `a ${kind} (a decimal string or an integer)`;
  if (INT32_KINDS.has(kind)) return `a ${kind} (an integer in range)`;
  return `a ${kind} (a number)`;
}

const fmt = (v: Num) => String(v);
const NUMBER_ORDER: Order<Num> = { lt: (a, b) => a < b, le: (a, b) => a <= b };

/**
 * Compiles the rules of one numeric kind (FloatRules, Int64Rules...) into a check.
 *
 * @param kind the scalar kind (`uint32`, `int64`, `double`...)
 * @param prefix the rule-name prefix, e.g. `uint32` or `repeated.items.uint32`
 */
export function compileNumber(kind: string, r: RuleSet, prefix: string = kind): LocalCheck | undefined {
  const big = INT64_KINDS.has(kind);
  const conv = (x: unknown): Num => (big ? BigInt(x as string) : Number(x));
  const name = (k: string) => `${prefix}.${k}`;
  const checks: ((v: Num, raw: unknown, report: Reporter) => void)[] = [];

  if (r.const !== undefined) {
    const c = conv(r.const);
    checks.push((v, raw, rep) => {
      if (v !== c) rep.fail(name('const'), `must equal ${fmt(c)}, got ${fmt(v)}`, raw);
    });
  }

  const range = compileRange(r, conv, NUMBER_ORDER, fmt, name);
  if (range) checks.push(range);

  if (Array.isArray(r.in) && r.in.length) {
    const vals: Num[] = r.in.map(conv);
    const set = new Set<Num>(vals);
    checks.push((v, raw, rep) => {
      if (!set.has(v)) rep.fail(name('in'), `must be one of ${vals.map(fmt).join(', ')}, got ${fmt(v)}`, raw);
    });
  }
  if (Array.isArray(r.not_in) && r.not_in.length) {
    const vals: Num[] = r.not_in.map(conv);
    const set = new Set<Num>(vals);
    checks.push((v, raw, rep) => {
      if (set.has(v)) rep.fail(name('not_in'), `must not be one of ${vals.map(fmt).join(', ')}, got ${fmt(v)}`, raw);
    });
  }

  if (!checks.length) return undefined;
  const ignoreEmpty = r.ignore_empty === true;
  const what = kindDescription(kind);
  return (raw: unknown, rep: Reporter) => {
    const v = readNumber(kind, raw);
    if (v === undefined) return rep.fail('type', `must be ${what}, got ${show(raw)}`, raw);
    if (ignoreEmpty && (v === 0 || v === 0n)) return;
    for (const c of checks) c(v, raw, rep);
  };
}

/** Compiles BoolRules (`const`) into a check. */
export function compileBool(r: RuleSet, prefix = 'bool'): LocalCheck | undefined {
  if (r.const === undefined) return undefined;
  const c = r.const === true;
  return (v: unknown, rep: Reporter) => {
    if (typeof v !== 'boolean') return rep.fail('type', `must be a boolean, got ${show(v)}`, v);
    if (v !== c) rep.fail(`${prefix}.const`, `must be ${c}, got ${v}`, v);
  };
}

/**
 * Compiles EnumRules (`const`, `defined_only`, `in`, `not_in`) into a check of an enum value
 * (its number, as ts-proto's numeric enums hold it).
 *
 * @param enumName full name of the enum type, for `defined_only` and readable messages
 */
export function compileEnum(enumName: string | undefined, r: RuleSet, prefix = 'enum'): LocalCheck | undefined {
  const values = (enumName && findEnumSchema(enumName)?.values) || [];
  const names = new Map<number, string>();
  for (const [n, v] of values) if (!names.has(v)) names.set(v, n);
  const label = (v: number) => (names.has(v) ? `${names.get(v)} (${v})` : String(v));
  const name = (k: string) => `${prefix}.${k}`;
  const checks: ((v: number, report: Reporter) => void)[] = [];

  if (r.const !== undefined) {
    const c = Number(r.const);
    checks.push((v, rep) => {
      if (v !== c) rep.fail(name('const'), `must be ${label(c)}, got ${label(v)}`, v);
    });
  }
  if (r.defined_only === true) {
    const shown = values.length <= 12 ? `: ${values.map(([n, v]) => `${n} (${v})`).join(', ')}` : '';
    checks.push((v, rep) => {
      if (!names.has(v)) rep.fail(name('defined_only'), `must be a defined value of ${enumName}${shown}; got ${v}`, v);
    });
  }
  if (Array.isArray(r.in) && r.in.length) {
    const set = new Set<number>(r.in.map(Number));
    checks.push((v, rep) => {
      if (!set.has(v)) rep.fail(name('in'), `must be one of ${[...set].map(label).join(', ')}, got ${label(v)}`, v);
    });
  }
  if (Array.isArray(r.not_in) && r.not_in.length) {
    const set = new Set<number>(r.not_in.map(Number));
    checks.push((v, rep) => {
      if (set.has(v)) rep.fail(name('not_in'), `must not be one of ${[...set].map(label).join(', ')}, got ${label(v)}`, v);
    });
  }

  if (!checks.length) return undefined;
  return (v: unknown, rep: Reporter) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return rep.fail('type', `must be an enum number of ${enumName}, got ${show(v)}`, v);
    for (const c of checks) c(v, rep);
  };
}
