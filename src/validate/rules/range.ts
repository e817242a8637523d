/**
 * The range rules (`gt`, `gte`, `lt`, `lte`) that numeric, Duration and Timestamp rule sets
 * share, compiled to one check over any ordered value.
 *
 * With a lower and an upper bound, the value must lie inside the range when the upper bound is
 * greater; otherwise (upper ≤ lower) it must lie outside, which protoc-gen-validate calls an
 * exclusive range (rule `<low>_<high>_exclusive`, e.g. `int32.gt_lt_exclusive`).
 *
 * @see https://github.com/bufbuild/protoc-gen-validate/blob/main/docs.md#numerics
 */
import type { Reporter, RuleSet } from './types.js';

/** A strict and a non-strict order of values of one kind. */
export interface Order<T> {
  /** `a < b`. */
  lt(a: T, b: T): boolean;
  /** `a <= b`. */
  le(a: T, b: T): boolean;
}

/** A check of a value already read as `T`; `raw` is what the message held, for the report. */
export type RangeCheck<T> = (v: T, raw: unknown, report: Reporter) => void;

/**
 * Compiles the range rules of a rule set into one check, or undefined when it has none.
 *
 * @param conv reads a bound as written in the rule set
 * @param order compares two values; a value that is unordered with a bound (NaN) breaks it
 * @param text shows a value in a message
 * @param name the full rule name of a key (`gt` → `uint32.gt`)
 */
export function compileRange<T>(r: RuleSet, conv: (x: unknown) => T, order: Order<T>, text: (v: T) => string, name: (k: string) => string): RangeCheck<T> | undefined {
  const lowKey = r.gt !== undefined ? 'gt' : r.gte !== undefined ? 'gte' : undefined;
  const highKey = r.lt !== undefined ? 'lt' : r.lte !== undefined ? 'lte' : undefined;
  if (!lowKey && !highKey) return undefined;
  const low = lowKey ? conv(r[lowKey]) : undefined;
  const high = highKey ? conv(r[highKey]) : undefined;
  // Written as "bound below value" so that an unordered value (NaN) breaks the rule, as in
  // protoc-gen-validate's `!(v > low)`.
  const aboveLow = (v: T) => (lowKey === 'gt' ? order.lt(low!, v) : order.le(low!, v));
  const belowHigh = (v: T) => (highKey === 'lt' ? order.lt(v, high!) : order.le(v, high!));
  const lowText = low === undefined ? '' : lowKey === 'gt' ? `greater than ${text(low)}` : `at least ${text(low)}`;
  const highText = high === undefined ? '' : highKey === 'lt' ? `less than ${text(high)}` : `at most ${text(high)}`;
  if (lowKey && highKey) {
    const range = `${lowKey === 'gt' ? '(' : '['}${text(low!)}, ${text(high!)}${highKey === 'lt' ? ')' : ']'}`;
    if (order.lt(low!, high!)) {
      return (v, raw, rep) => {
        if (!aboveLow(v)) rep.fail(name(lowKey), `must be inside the range ${range}, got ${text(v)}`, raw);
        else if (!belowHigh(v)) rep.fail(name(highKey), `must be inside the range ${range}, got ${text(v)}`, raw);
      };
    }
    // Exclusive range: the value must not fall between high and low.
    const outside = `${highKey === 'lt' ? '[' : '('}${text(high!)}, ${text(low!)}${lowKey === 'gt' ? ']' : ')'}`;
    return (v, raw, rep) => {
      if (!aboveLow(v) && !belowHigh(v)) {
        rep.fail(name(`${lowKey}_${highKey}_exclusive`), `must be outside the range ${outside} (${lowText} or ${highText}), got ${text(v)}`, raw);
      }
    };
  }
  if (lowKey) {
    return (v, raw, rep) => {
      if (!aboveLow(v)) rep.fail(name(lowKey), `must be ${lowText}, got ${text(v)}`, raw);
    };
  }
  return (v, raw, rep) => {
    if (!belowHigh(v)) rep.fail(name(highKey!), `must be ${highText}, got ${text(v)}`, raw);
  };
}
