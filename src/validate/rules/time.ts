/**
 * `duration`, `timestamp` and `any` rules of protoc-gen-validate, compiled to checks of a
 * present value (`required` is handled where presence is known, in the field plan).
 *
 * Durations and Timestamps are `{ seconds: string, nanos: number }` in ts-proto messages and
 * in rule sets (either key may be absent: zero). They are compared as (seconds, nanos) pairs,
 * exactly, without converting to floating point.
 *
 * @see https://github.com/bufbuild/protoc-gen-validate/blob/main/docs.md#well-known-types-wkts
 */
import { show } from '../../registry/errors.js';
import type { LocalCheck, Reporter, RuleSet } from './types.js';
import { compileRange, type Order } from './range.js';

/** A Duration or Timestamp as a comparable pair. */
interface Instant {
  s: number;
  n: number;
}

const MAX_DURATION_SECONDS = 315_576_000_000;
const MIN_TIMESTAMP_SECONDS = -62_135_596_800; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

function read(v: unknown): Instant | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as { seconds?: unknown; nanos?: unknown };
  const s = o.seconds === undefined ? 0 : typeof o.seconds === 'string' && /^-?\d+$/.test(o.seconds) ? Number(o.seconds) : o.seconds;
  const n = o.nanos === undefined ? 0 : o.nanos;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || typeof n !== 'number' || !Number.isInteger(n)) return undefined;
  return { s, n };
}

const cmp = (a: Instant, b: Instant) => (a.s !== b.s ? a.s - b.s : a.n - b.n);
const INSTANT_ORDER: Order<Instant> = { lt: (a, b) => cmp(a, b) < 0, le: (a, b) => cmp(a, b) <= 0 };

/** Formats a duration like proto3 JSON does: `1.5s`, `-0.250s`, `0s`. */
export function formatDuration(d: Instant): string {
  if (d.n === 0) return `${d.s}s`;
  const neg = d.s < 0 || d.n < 0;
  const frac = String(Math.abs(d.n)).padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${Math.abs(d.s)}.${frac}s`;
}

function formatTimestamp(t: Instant): string {
  const ms = t.s * 1000 + Math.floor(t.n / 1e6);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return `${t.s}s since the epoch`;
  const iso = d.toISOString().replace('.000Z', 'Z');
  if (t.n % 1e6 === 0) return iso;
  return iso.replace(/(\.\d{3})?Z$/, `.${String(t.n).padStart(9, '0')}Z`);
}

function validDuration(d: Instant): boolean {
  return (
    Math.abs(d.s) <= MAX_DURATION_SECONDS &&
    Math.abs(d.n) < 1e9 &&
    !((d.s > 0 && d.n < 0) || (d.s < 0 && d.n > 0))
  );
}

function validTimestamp(t: Instant): boolean {
  return t.s >= MIN_TIMESTAMP_SECONDS && t.s <= MAX_TIMESTAMP_SECONDS && t.n >= 0 && t.n < 1e9;
}

function now(): Instant {
  const ms = Date.now();
  return { s: Math.floor(ms / 1000), n: (ms % 1000) * 1e6 };
}

function compileTime(kind: 'duration' | 'timestamp', r: RuleSet, prefix: string): LocalCheck | undefined {
  const isDuration = kind === 'duration';
  const conv = (x: unknown): Instant => {
    const i = read(x ?? {});
    if (!i) throw new Error(`invalid ${kind} in a validate rule: ${show(x)}`);
    return i;
  };
  const text = isDuration ? formatDuration : formatTimestamp;
  const name = (k: string) => `${prefix}.${k}`;
  const checks: ((v: Instant, raw: unknown, report: Reporter) => void)[] = [];

  if (r.const !== undefined) {
    const c = conv(r.const);
    checks.push((v, raw, rep) => {
      if (cmp(v, c) !== 0) rep.fail(name('const'), `must equal ${text(c)}, got ${text(v)}`, raw);
    });
  }
  const range = compileRange(r, conv, INSTANT_ORDER, text, name);
  if (range) checks.push(range);
  if (Array.isArray(r.in) && r.in.length) {
    const vals = r.in.map(conv);
    checks.push((v, raw, rep) => {
      if (!vals.some((x) => cmp(x, v) === 0)) rep.fail(name('in'), `must be one of ${vals.map(text).join(', ')}, got ${text(v)}`, raw);
    });
  }
  if (Array.isArray(r.not_in) && r.not_in.length) {
    const vals = r.not_in.map(conv);
    checks.push((v, raw, rep) => {
      if (vals.some((x) => cmp(x, v) === 0)) rep.fail(name('not_in'), `must not be one of ${vals.map(text).join(', ')}, got ${text(v)}`, raw);
    });
  }
  if (!isDuration) {
    if (r.lt_now === true) {
      checks.push((v, raw, rep) => {
        if (cmp(v, now()) >= 0) rep.fail(name('lt_now'), `must be in the past, got ${text(v)}`, raw);
      });
    }
    if (r.gt_now === true) {
      checks.push((v, raw, rep) => {
        if (cmp(v, now()) <= 0) rep.fail(name('gt_now'), `must be in the future, got ${text(v)}`, raw);
      });
    }
    if (r.within !== undefined) {
      const w = conv(r.within);
      checks.push((v, raw, rep) => {
        const t = now();
        const lo = { s: t.s - w.s, n: t.n - w.n };
        const hi = { s: t.s + w.s, n: t.n + w.n };
        norm(lo);
        norm(hi);
        if (cmp(v, lo) < 0 || cmp(v, hi) > 0) {
          rep.fail(name('within'), `must be within ${formatDuration(w)} of now (${formatTimestamp(t)}), got ${text(v)}`, raw);
        }
      });
    }
  }

  if (!checks.length) return undefined;
  const valid = isDuration ? validDuration : validTimestamp;
  return (raw: unknown, rep: Reporter) => {
    const v = read(raw);
    if (!v || !valid(v)) {
      return rep.fail(
        'type',
        isDuration
          ? `must be a valid duration ({ seconds, nanos } within ±10000 years, nanos of the same sign), got ${show(raw)}`
          : `must be a valid timestamp ({ seconds, nanos } between years 1 and 9999, 0 <= nanos < 1e9), got ${show(raw)}`,
        raw,
      );
    }
    for (const c of checks) c(v, raw, rep);
  };
}

function norm(i: Instant): void {
  if (i.n >= 1e9) {
    i.s += 1;
    i.n -= 1e9;
  } else if (i.n < 0) {
    i.s -= 1;
    i.n += 1e9;
  }
}

/** Compiles DurationRules (without `required`) into a check of a present Duration. */
export function compileDuration(r: RuleSet, prefix = 'duration'): LocalCheck | undefined {
  return compileTime('duration', r, prefix);
}

/** Compiles TimestampRules (without `required`) into a check of a present Timestamp. */
export function compileTimestamp(r: RuleSet, prefix = 'timestamp'): LocalCheck | undefined {
  return compileTime('timestamp', r, prefix);
}

/** Compiles AnyRules `in`/`not_in` (type URLs) into a check of a present Any. */
export function compileAny(r: RuleSet, prefix = 'any'): LocalCheck | undefined {
  const inSet = Array.isArray(r.in) && r.in.length ? new Set<string>(r.in) : undefined;
  const notIn = Array.isArray(r.not_in) && r.not_in.length ? new Set<string>(r.not_in) : undefined;
  if (!inSet && !notIn) return undefined;
  return (v: unknown, rep: Reporter) => {
    const url = (v as { typeUrl?: unknown } | null)?.typeUrl ?? '';
    if (typeof url !== 'string') return rep.fail('type', `must be an Any with a string type URL, got ${show(url)}`, url);
    if (inSet && !inSet.has(url)) rep.fail(`${prefix}.in`, `@type must be one of ${[...inSet].map((x) => show(x)).join(', ')}, got ${show(url)}`, url);
    if (notIn && notIn.has(url)) rep.fail(`${prefix}.not_in`, `@type must not be one of ${[...notIn].map((x) => show(x)).join(', ')}, got ${show(url)}`, url);
  };
}
