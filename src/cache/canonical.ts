/**
 * Canonical bytes of a resource, fast: the same bytes as the registry's `encode`.
 *
 * `encode` canonicalises first (map and Struct keys sorted, Anys from other encoders re-packed),
 * copying nothing when the message is canonical already, but it still builds key lists for
 * every map and Struct it looks at. For the messages that hold no Any with content (endpoints,
 * most clusters), this module answers "already canonical?" without allocating, visiting only
 * the fields the message has and, among them, only those whose type can lead to a map, a Struct
 * or an Any; then it encodes the message as it is, which gives exactly the bytes `encode` would
 * (about 10 % less time than `encode` for 100k such resources). A message holding an Any with
 * content goes through `encode`, which knows which Any contents are canonical (packed by
 * xdskit, or checked before).
 *
 * @internal
 */
import { encode, type TypeInfo } from '../registry/codec.js';
import { findMessageSchema, typesReaching, type FieldSchema } from '../registry/schema.js';
import { ANY, STRUCT_TYPES } from '../registry/well-known.js';

let mapCapable: Set<string> | undefined;

/**
 * Types whose messages can hold a map, a Struct or an Any, directly or through nested fields:
 * the types the registry's `canonicalize` looks into (the same search).
 */
function capable(): Set<string> {
  mapCapable ??= typesReaching((s) =>
    s.fields.some((f) => f.type === 'map' || (f.type === 'message' && !!f.ref && (STRUCT_TYPES.has(f.ref) || f.ref === ANY))),
  );
  return mapCapable;
}

/** True when a value (a field's value, a list item, a map value) is canonical. */
type Check = (value: unknown) => boolean;

function keysSorted(o: object): boolean {
  let prev: string | undefined;
  for (const k in o) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
  }
  return true;
}

/** True when every object inside a Struct/Value/ListValue has its keys in sorted order. */
function deepSorted(v: unknown): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (!deepSorted(x)) return false;
    return true;
  }
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    if (!keysSorted(v)) return false;
    for (const k in v) if (!deepSorted((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * An Any defers to `encode`: it re-encodes Any contents that can hold a map unless it knows them
 * canonical (packed by xdskit, or seen before), which only the registry knows. An Any without
 * content is canonical as it is.
 */
const anyCheck: Check = (v) => {
  const value = (v as { value?: Uint8Array }).value;
  return !value || value.length === 0;
};

// ---------------------------------------------------------------------------------------------
// Checks per type: a table property → check of the value, for the fields that need one.

const checks = new Map<string, Check>();
const always: Check = () => true;

/** The check of one element (a message, a Struct-like value or an Any) of a field's type. */
function elementCheck(ref: string | undefined): Check {
  if (ref === undefined) return always;
  if (STRUCT_TYPES.has(ref)) return deepSorted;
  if (ref === ANY) return anyCheck;
  if (!capable().has(ref)) return always;
  // Resolved lazily: recursive message types refer to themselves.
  let c: Check | undefined;
  return (v) => (c ??= checkFor(ref))(v);
}

/** The check of a field's value (a map, a list or one element), or undefined when none is needed. */
function valueCheck(f: FieldSchema): Check | undefined {
  if (f.type === 'map') {
    const el = f.value === 'message' ? elementCheck(f.valueRef) : always;
    return (o) => {
      if (!o || typeof o !== 'object') return true;
      if (!keysSorted(o)) return false;
      if (el === always) return true;
      for (const k in o) if (!el((o as Record<string, unknown>)[k])) return false;
      return true;
    };
  }
  if (f.type !== 'message') return undefined;
  const el = elementCheck(f.ref);
  if (el === always) return undefined;
  if (f.repeated) {
    return (arr) => {
      if (!Array.isArray(arr)) return true;
      for (const x of arr) if (x != null && !el(x)) return false;
      return true;
    };
  }
  return (v) => v == null || el(v);
}

/** The "already canonical?" check of a message type (without its deferred Anys). */
function checkFor(fullName: string): Check {
  const known = checks.get(fullName);
  if (known) return known;
  if (!capable().has(fullName)) {
    checks.set(fullName, always);
    return always;
  }
  const schema = findMessageSchema(fullName)!;
  const table: Record<string, Check> = Object.create(null);
  const cases = new Map<string, Record<string, Check>>();
  for (const f of schema.fields) {
    const c = valueCheck(f);
    if (!c) continue;
    if (f.oneof === undefined) {
      table[f.prop] = c;
      continue;
    }
    // A oneof is one property `{ $case, [case]: value }`: dispatch on the case.
    const prop = schema.oneofs![f.oneof]!.prop;
    let byCase = cases.get(prop);
    if (!byCase) {
      const m: Record<string, Check> = (byCase = Object.create(null) as Record<string, Check>);
      cases.set(prop, m);
      table[prop] = (u) => {
        const c2 = u && typeof u === 'object' ? m[(u as { $case?: string }).$case ?? ''] : undefined;
        return c2 === undefined || c2((u as Record<string, unknown>)[(u as { $case: string }).$case]);
      };
    }
    byCase[f.prop] = c;
  }
  const check: Check = (m) => {
    if (m === null || typeof m !== 'object') return true;
    // The message's own properties: usually far fewer than its type's fields.
    for (const k in m) {
      const c = table[k];
      if (c !== undefined && !c((m as Record<string, unknown>)[k])) return false;
    }
    return true;
  };
  checks.set(fullName, check);
  return check;
}

/** True when a message is canonical: maps and Structs sorted, Anys holding canonical content. */
function isCanonical(fullName: string, message: unknown): boolean {
  return checkFor(fullName)(message);
}

/**
 * The canonical encoding of a message: byte for byte what `encode(type, message)` returns.
 *
 * Encodes the message directly when it is canonical already, and through `encode` (which
 * sorts a copy and re-encodes Anys) otherwise.
 */
export function canonicalBytes(info: TypeInfo, message: unknown): Uint8Array {
  if (isCanonical(info.fullName, message)) return info.codec.encode(message as never).finish();
  return encode(info.fullName, message);
}
