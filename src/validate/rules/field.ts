/**
 * Compiles one field's `(validate.rules)` into a {@link FieldPlan}: what the field holds
 * (single value, list, map), what each element is (scalar, enum, message, wrapper, Duration,
 * Timestamp, Any), which rules apply to each element, to the list or map as a whole, and
 * whether the element must be set.
 *
 * Both the fast validator and the zod schemas are built from these plans, so they apply the
 * very same checks. Rule names are the rule's path in protoc-gen-validate's FieldRules:
 * `string.min_len`, `repeated.min_items`, `repeated.items.string.in`, `map.keys.string.min_len`.
 */
import { show } from '../../registry/errors.js';
import type { FieldSchema } from '../../registry/schema.js';
import { compileBool, compileEnum, compileNumber, readNumber } from './number.js';
import { compileBytes, compileString } from './string.js';
import { compileAny, compileDuration, compileTimestamp } from './time.js';
import { ANY, DURATION, INT32_KINDS, INT64_KINDS, OPAQUE, TIMESTAMP, WRAPPERS, plural, type LocalCheck, type Reporter, type RuleSet } from './types.js';

/** What one element (a single value, a list item or a map value) is. */
export type ElementKind = 'scalar' | 'enum' | 'message' | 'wrapper' | 'duration' | 'timestamp' | 'any' | 'opaque';

/** How to check one element. */
export interface ElementPlan {
  readonly kind: ElementKind;
  /** The scalar kind, for `scalar` and `wrapper` elements. */
  readonly scalar?: string;
  /** Full name of the message or enum type. */
  readonly ref?: string;
  /** The rules that apply to a present element. */
  readonly check?: LocalCheck;
  /** Rule name (`message.required`, `duration.required`...) when the element must be set. */
  readonly required?: string;
  /** `message.skip`: do not validate the nested message. */
  readonly skip?: boolean;
}

/** How to check one field. */
export interface FieldPlan {
  readonly field: FieldSchema;
  readonly mode: 'single' | 'repeated' | 'map';
  /**
   * True when an absent value means "not set" (message fields, proto3 `optional`, proto2
   * `optional`, oneof members); false when it means the proto3 default value, to which
   * protoc-gen-validate applies the rules too.
   */
  readonly presence: boolean;
  /** The value, or each list item, or each map value. */
  readonly element: ElementPlan;
  /** Rules on the list or map as a whole, including map key rules (reported at `[key]`). */
  readonly container?: LocalCheck;
}

const SCALARS = new Set([
  'double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32',
  'sfixed32', 'sfixed64', 'sint32', 'sint64',
]);

/** The proto3 default value of a scalar kind, as ts-proto holds it. */
export function defaultOf(kind: string): unknown {
  if (kind === 'string') return '';
  if (kind === 'bool') return false;
  if (kind === 'bytes') return EMPTY;
  if (INT64_KINDS.has(kind)) return '0';
  return 0;
}
const EMPTY = new Uint8Array(0);

function scalarCheck(kind: string, rules: RuleSet | undefined, prefix: string): LocalCheck | undefined {
  if (!rules) return undefined;
  const r = rules[kind];
  if (!r || typeof r !== 'object') return undefined;
  if (kind === 'string') return compileString(r, prefix + 'string');
  if (kind === 'bytes') return compileBytes(r, prefix + 'bytes');
  if (kind === 'bool') return compileBool(r, prefix + 'bool');
  return compileNumber(kind, r, prefix + kind);
}

/**
 * Compiles the plan of one element.
 *
 * @param type the element's kind (`string`, `enum`, `message`...)
 * @param ref the message or enum type name
 * @param rules the FieldRules that apply to the element (the field's, or `items`/`values`)
 * @param prefix the rule-name prefix (`''`, `repeated.items.`, `map.values.`)
 */
export function compileElement(type: string, ref: string | undefined, rules: RuleSet | undefined, prefix = ''): ElementPlan {
  if (SCALARS.has(type)) return { kind: 'scalar', scalar: type, check: scalarCheck(type, rules, prefix) };
  if (type === 'enum') {
    const r = rules?.enum;
    return { kind: 'enum', ref, check: r ? compileEnum(ref, r, prefix + 'enum') : undefined };
  }
  // A message. Requiredness may come from any of the message-ish rule kinds (Envoy even puts
  // `any.required` on a ConfigSource field).
  let required: string | undefined;
  for (const k of ['message', 'duration', 'timestamp', 'any'] as const) {
    if (rules?.[k]?.required === true) {
      required = `${prefix}${k}.required`;
      break;
    }
  }
  const skip = rules?.message?.skip === true || undefined;
  const wrapped = ref ? WRAPPERS[ref] : undefined;
  if (wrapped) return { kind: 'wrapper', scalar: wrapped, ref, required, check: scalarCheck(wrapped, rules, prefix) };
  if (ref === DURATION) {
    return { kind: 'duration', ref, required, check: rules?.duration ? compileDuration(rules.duration, prefix + 'duration') : undefined };
  }
  if (ref === TIMESTAMP) {
    return { kind: 'timestamp', ref, required, check: rules?.timestamp ? compileTimestamp(rules.timestamp, prefix + 'timestamp') : undefined };
  }
  if (ref === ANY) return { kind: 'any', ref, required, skip, check: rules?.any ? compileAny(rules.any, prefix + 'any') : undefined };
  if (ref && OPAQUE.has(ref)) return { kind: 'opaque', ref, required };
  return { kind: 'message', ref, required, skip };
}

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/** The identity of a list item for `repeated.unique`. */
function uniqueKey(el: ElementPlan, v: unknown): unknown {
  if (v instanceof Uint8Array) return 'b:' + Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex');
  if (el.kind === 'scalar' && el.scalar && INT64_KINDS.has(el.scalar)) return String(v);
  if (v !== null && typeof v === 'object') return 'j:' + JSON.stringify(v);
  return v;
}

/** Converts a map key (always a string as an object key) to its kind's value. */
export function mapKeyValue(kind: string, key: string): unknown {
  if (kind === 'bool') return key === 'true' ? true : key === 'false' ? false : key;
  if (INT32_KINDS.has(kind)) return /^-?\d+$/.test(key) ? Number(key) : key;
  return key;
}

/** Compiles the plan of one field of a message. */
export function compileField(field: FieldSchema): FieldPlan {
  const rules = field.rules as RuleSet | undefined;
  if (field.type === 'map') {
    const mr: RuleSet = rules?.map ?? {};
    const element = compileElement(field.value ?? 'message', field.valueRef, mr.values, 'map.values.');
    const keyCheck = scalarCheck(field.key ?? 'string', mr.keys, 'map.keys.');
    const keyKind = field.key ?? 'string';
    const checks: ((m: Record<string, unknown>, keys: string[], rep: Reporter) => void)[] = [];
    if (mr.min_pairs !== undefined && Number(mr.min_pairs) > 0) {
      const n = Number(mr.min_pairs);
      checks.push((m, keys, rep) => {
        if (keys.length < n) rep.fail('map.min_pairs', `must have at least ${entries(n)}, got ${keys.length}`, m);
      });
    }
    if (mr.max_pairs !== undefined) {
      const n = Number(mr.max_pairs);
      checks.push((m, keys, rep) => {
        if (keys.length > n) rep.fail('map.max_pairs', `must have at most ${entries(n)}, got ${keys.length}`, m);
      });
    }
    if (mr.no_sparse === true) {
      checks.push((m, keys, rep) => {
        for (const k of keys) if (m[k] == null) rep.fail('map.no_sparse', `map values must be set (no sparse entries), got ${show(m[k])} for key ${show(k)}`, m[k], k);
      });
    }
    if (keyCheck) {
      const sub = (rep: Reporter, k: string): Reporter => ({
        fail: (rule, message, value) => rep.fail(rule, `key ${message}`, value, k),
      });
      checks.push((_m, keys, rep) => {
        for (const k of keys) keyCheck(mapKeyValue(keyKind, k), sub(rep, k));
      });
    }
    const ignoreEmpty = mr.ignore_empty === true;
    const container: LocalCheck | undefined = checks.length
      ? (m: unknown, rep: Reporter) => {
          if (m === null || typeof m !== 'object' || Array.isArray(m)) return rep.fail('type', `must be a map (a plain object), got ${show(m)}`, m);
          const keys = Object.keys(m);
          if (ignoreEmpty && keys.length === 0) return;
          for (const c of checks) c(m as Record<string, unknown>, keys, rep);
        }
      : undefined;
    return { field, mode: 'map', presence: false, element, container };
  }
  if (field.repeated) {
    const rr: RuleSet = rules?.repeated ?? {};
    const element = compileElement(field.type, field.ref, rr.items, 'repeated.items.');
    const checks: ((a: unknown[], rep: Reporter) => void)[] = [];
    if (rr.min_items !== undefined && Number(rr.min_items) > 0) {
      const n = Number(rr.min_items);
      checks.push((a, rep) => {
        if (a.length < n) rep.fail('repeated.min_items', `must have at least ${plural(n, 'item')}, got ${a.length}`, a);
      });
    }
    if (rr.max_items !== undefined) {
      const n = Number(rr.max_items);
      checks.push((a, rep) => {
        if (a.length > n) rep.fail('repeated.max_items', `must have at most ${plural(n, 'item')}, got ${a.length}`, a);
      });
    }
    if (rr.unique === true) {
      checks.push((a, rep) => {
        if (a.length < 2) return;
        const seen = new Map<unknown, number>();
        for (let i = 0; i < a.length; i++) {
          const k = uniqueKey(element, a[i]);
          const j = seen.get(k);
          if (j !== undefined) rep.fail('repeated.unique', `items must be unique, ${show(a[i])} is also item ${j}`, a[i], i);
          else seen.set(k, i);
        }
      });
    }
    const ignoreEmpty = rr.ignore_empty === true;
    const container: LocalCheck | undefined = checks.length
      ? (a: unknown, rep: Reporter) => {
          if (!Array.isArray(a)) return rep.fail('type', `must be a list (an array), got ${show(a)}`, a);
          if (ignoreEmpty && a.length === 0) return;
          for (const c of checks) c(a, rep);
        }
      : undefined;
    return { field, mode: 'repeated', presence: false, element, container };
  }
  const element = compileElement(field.type, field.ref, rules, '');
  const presence = field.type === 'message' || field.optional === true || field.oneof !== undefined;
  return { field, mode: 'single', presence, element };
}

/** True when a plan checks nothing by itself (no rules on the value, list, map or presence). */
export function planIsInert(p: FieldPlan): boolean {
  return !p.container && !p.element.check && !p.element.required;
}
