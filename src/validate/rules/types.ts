/**
 * The shared vocabulary of the compiled field rules: where a broken rule is reported, and the
 * shape of a compiled check.
 *
 * Rules are compiled once per field (on first use of its message type) into {@link LocalCheck}
 * closures. The same closures run in the fast validator (`validateFields`) and inside the zod
 * schemas (`schemaFor`), each with its own {@link Reporter}.
 */

/** Receives the rules a value breaks. */
export interface Reporter {
  /**
   * Reports one broken rule.
   *
   * @param rule the rule's name, its path in protoc-gen-validate's FieldRules (`string.min_len`,
   *   `repeated.items.string.in`, `message.required`...)
   * @param message lower-case, with the bad value and what was expected
   * @param value the offending value, if there is one to show
   * @param sub one more path segment below the checked value: an item index, or a map key
   */
  fail(rule: string, message: string, value?: unknown, sub?: string | number): void;
}

/** A compiled rule set applied to one present value (a scalar, a list, a map, a Duration...). */
export type LocalCheck = (value: any, report: Reporter) => void;

/** A protoc-gen-validate rule set as the runtime schema stores it (snake_case keys). */
export type RuleSet = Readonly<Record<string, any>>;

/** The 64-bit integer kinds: their values are decimal strings in ts-proto messages. */
export const INT64_KINDS: ReadonlySet<string> = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** The integer kinds that fit a JS number. */
export const INT32_KINDS: ReadonlySet<string> = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

// Wrappers (bare primitives), Any (unpacked and validated as its `@type`), Duration and
// Timestamp (`duration`/`timestamp` rules).
export { WRAPPERS, ANY, DURATION, TIMESTAMP } from '../../registry/well-known.js';
import { FIELD_MASK, STRUCT_TYPES } from '../../registry/well-known.js';

/**
 * Well-known types ts-proto gives a special shape (plain object, any JSON value, array): they
 * carry no rules and are never walked field by field.
 */
export const OPAQUE: ReadonlySet<string> = new Set([...STRUCT_TYPES, FIELD_MASK]);

/** Plural helper for messages: `1 character`, `2 characters`. */
export function plural(n: number | bigint | string, word: string): string {
  return `${n} ${word}${String(n) === '1' ? '' : 's'}`;
}
