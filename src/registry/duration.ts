/**
 * Durations as people write them: `"250ms"`, `"5s"`, `"1m"`, `"1h"`, `"1.5s"`, `"1m30s"` or a
 * number of milliseconds, into a `google.protobuf.Duration` (`{ seconds, nanos }`), exactly.
 *
 * (Proto3 JSON durations — seconds with an `s` suffix — are read by the JSON codec; this is the
 * friendlier form builders and cache TTLs accept.)
 */
import type { Duration as DurationMessage } from '../gen/google/protobuf/duration.js';
import { XdsValidationError, formatProblem } from './errors.js';

export type { DurationMessage };

/**
 * A duration as xdskit accepts it (builders, cache TTLs): a string with units (`"250ms"`, `"5s"`, `"1m"`, `"1h"`,
 * `"1.5s"`, `"1m30s"`; units `ns`, `us`, `ms`, `s`, `m`, `h`), a number of milliseconds, or a
 * Duration message.
 */
export type DurationInput = string | number | DurationMessage;

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const NANOS_PER_SECOND = 1_000_000_000n;
/** The largest Duration protobuf allows: 10,000 years. */
const MAX_SECONDS = 315_576_000_000n;
const EXPECTED = 'expected a number with a unit (ns, us, ms, s, m, h) such as "250ms", "1.5s" or "1m30s", or a number of milliseconds';
const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;

function invalid(input: unknown, path: string, message: string): never {
  const problem = { path, rule: 'duration', message, value: input };
  const err = new XdsValidationError([problem]);
  err.message = path ? formatProblem(problem) : `${message} (rule: duration)`;
  throw err;
}

function fromNanos(total: bigint, input: unknown, path: string): DurationMessage {
  if (total / NANOS_PER_SECOND > MAX_SECONDS) {
    invalid(input, path, `duration ${JSON.stringify(input)} is too long: at most 315576000000s (10000 years)`);
  }
  return { seconds: String(total / NANOS_PER_SECOND), nanos: Number(total % NANOS_PER_SECOND) };
}

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
/** One `<integer><unit>` part, the common case, read without BigInt. */
const SIMPLE = /^(\d{1,9})(ns|us|µs|ms|s|m|h)$/;

/** Durations parsed already, by text (the same few values recur across thousands of resources). */
const parsed = new Map<string, Required<DurationMessage>>();

function remember(text: string, d: Required<DurationMessage>): DurationMessage {
  if (parsed.size < 4096) parsed.set(text, { seconds: d.seconds, nanos: d.nanos });
  return d;
}

/** Parses a decimal with optional fraction, times a unit in nanoseconds, exactly. */
function partNanos(num: string, unit: bigint): bigint | undefined {
  const [int = '', frac = ''] = num.split('.');
  let total = BigInt(int || '0') * unit;
  if (frac) {
    const scale = 10n ** BigInt(frac.length);
    const f = BigInt(frac) * unit;
    if (f % scale !== 0n) return undefined;
    total += f / scale;
  }
  return total;
}

/**
 * Parses a duration into a Duration message.
 *
 * Strings are one or more `<number><unit>` parts without spaces (`"1h30m"`); numbers are
 * milliseconds. Negative durations, spaces, missing units and precision finer than a nanosecond
 * are rejected with an `XdsValidationError` whose message says what was expected.
 *
 * @param path where the value goes, for the error (`connect_timeout`)
 * @example parseDuration('1.5s') // { seconds: '1', nanos: 500000000 }
 */
export function parseDuration(input: DurationInput, path = ''): DurationMessage {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) invalid(input, path, `invalid duration ${input}: expected a finite number of milliseconds`);
    if (input < 0) invalid(input, path, `invalid duration ${input}: must not be negative`);
    const nanos = Math.round(input * 1e6);
    return fromNanos(BigInt(nanos), input, path);
  }
  if (typeof input === 'string') {
    const s = input;
    if (s.startsWith('-')) invalid(input, path, `invalid duration ${JSON.stringify(s)}: must not be negative`);
    if (s === '0') return { seconds: '0', nanos: 0 };
    const cached = parsed.get(s);
    if (cached) return { seconds: cached.seconds, nanos: cached.nanos };
    const simple = SIMPLE.exec(s);
    if (simple) {
      // Whole units of a second or more give whole seconds; smaller units stay below 2^53 ns.
      const n = Number(simple[1]);
      const unit = UNIT_NANOS[simple[2]!]!;
      if (unit >= 1e9) {
        const seconds = n * (unit / 1e9);
        if (seconds <= Number(MAX_SECONDS)) return remember(s, { seconds: String(seconds), nanos: 0 });
      } else {
        const total = n * unit;
        if (Number.isSafeInteger(total)) return remember(s, { seconds: String(Math.floor(total / 1e9)), nanos: total % 1e9 });
      }
    }
    if (s.length === 0) invalid(input, path, `invalid duration "": ${EXPECTED}`);
    let rest = s;
    let total = 0n;
    while (rest.length) {
      const m = PART.exec(rest);
      if (!m) invalid(input, path, `invalid duration ${JSON.stringify(s)}: ${EXPECTED}`);
      // "1m" must not be read as the start of "1ms": the regex alternation lists ms before m.
      const part = partNanos(m[1]!, UNITS[m[2]!]!);
      if (part === undefined) invalid(input, path, `invalid duration ${JSON.stringify(s)}: finer than a nanosecond`);
      total += part;
      rest = rest.slice(m[0].length);
    }
    return remember(s, fromNanos(total, input, path) as Required<DurationMessage>);
  }
  if (input && typeof input === 'object') {
    const seconds = BigInt(input.seconds ?? '0');
    const nanos = input.nanos ?? 0;
    if (seconds < 0n || nanos < 0) invalid(input, path, `invalid duration ${JSON.stringify(input)}: must not be negative`);
    if (!Number.isInteger(nanos) || nanos >= 1e9) invalid(input, path, `invalid duration ${JSON.stringify(input)}: nanos must be an integer below 1000000000`);
    return { seconds: String(seconds), nanos };
  }
  return invalid(input, path, `invalid duration ${JSON.stringify(input)}: ${EXPECTED}`);
}

