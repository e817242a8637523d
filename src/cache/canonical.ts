/**
 * Canonical bytes of a resource, fast: the same bytes as the registry's `encode`, without its
 * copy when there is nothing to sort.
 *
 * `encode` makes a message canonical by copying every object on the way to a map, a Struct or
 * an Any, sorting map and Struct keys and re-encoding the content of Anys whose type can hold a
 * map, then encodes the copy. Most resources are already canonical (map keys in order, Anys
 * made by `pack`), and for those the copy is pure cost: several microseconds per Cluster, the
 * bulk of hashing 100k resources. This module checks first whether the message is canonical
 * already, and if so encodes it as it is, which gives exactly the bytes `encode` would;
 * otherwise it calls `encode`.
 *
 * The check visits only the fields the message has (not every field of its type) and, among
 * them, only those whose type can lead to a map, a Struct or an Any (computed once per type
 * from the schema). An Any is canonical when its content re-encodes to the same bytes; that
 * costs a decode, so Anys are checked last, only when everything else is in order, and the
 * answer is remembered per `value` buffer (messages are immutable, and a buffer made by `pack`
 * is shared by every copy of the message that holds it).
 *
 * @internal
 */
import { encode, findType, type TypeInfo } from '../registry/codec.js';
import { findMessageSchema, messageNames, type FieldSchema } from '../registry/schema.js';

const STRUCTISH = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue']);
const ANY = 'google.protobuf.Any';

let mapCapable: Set<string> | undefined;

/**
 * Types whose messages can hold a map, a Struct or an Any, directly or through nested fields:
 * the types the registry's `canonicalize` rewrites.
 */
function capable(): Set<string> {
  if (mapCapable) return mapCapable;
  const direct: string[] = [];
  const users = new Map<string, string[]>();
  for (const name of messageNames()) {
    const s = findMessageSchema(name)!;
    for (const f of s.fields) {
      const ref = f.type === 'map' ? f.valueRef : f.ref;
      if (f.type === 'map' || (ref !== undefined && (STRUCTISH.has(ref) || ref === ANY))) direct.push(name);
      if (ref !== undefined && f.type !== 'enum' && f.value !== 'enum') {
        let u = users.get(ref);
        if (!u) users.set(ref, (u = []));
        u.push(name);
      }
    }
  }
  const out = new Set<string>();
  const queue = direct;
  while (queue.length) {
    const t = queue.pop()!;
    if (out.has(t)) continue;
    out.add(t);
    for (const u of users.get(t) ?? []) if (!out.has(u)) queue.push(u);
  }
  mapCapable = out;
  return out;
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

// ---------------------------------------------------------------------------------------------
// Anys: checked after the rest of the message, and remembered per value buffer.

interface AnyLike {
  readonly typeUrl?: string;
  readonly value?: Uint8Array;
}

/** Value buffers already checked: true when the content is canonical. */
const verified = new WeakMap<Uint8Array, boolean>();
/** Anys met by the running checks, verified once the rest of their message is canonical. */
const deferred: AnyLike[] = [];

/** Records an Any to verify later; false when it is known not to be canonical. */
const anyCheck: Check = (v) => {
  const a = v as AnyLike;
  const value = a.value;
  if (!a.typeUrl || !value || !value.length) return true;
  const known = verified.get(value);
  if (known !== undefined) return known;
  deferred.push(a);
  return true;
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether an Any's content is canonical: what the registry's `encode` would write again. */
function verifyAny(a: AnyLike): boolean {
  const value = a.value!;
  let ok = verified.get(value);
  if (ok !== undefined) return ok;
  const info = findType(a.typeUrl!);
  if (!info || !capable().has(info.fullName)) ok = true; // encode leaves such Anys as they are
  else {
    try {
      ok = sameBytes(canonicalBytes(info, info.codec.decode(value)), value);
    } catch {
      ok = false; // undecodable: let encode report it
    }
  }
  verified.set(value, ok);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Checks per type: a table property → check of the value, for the fields that need one.

const checks = new Map<string, Check>();
const always: Check = () => true;

/** The check of one element (a message, a Struct-like value or an Any) of a field's type. */
function elementCheck(ref: string | undefined): Check {
  if (ref === undefined) return always;
  if (STRUCTISH.has(ref)) return deepSorted;
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
  const mark = deferred.length;
  try {
    if (!checkFor(fullName)(message)) return false;
    while (deferred.length > mark) if (!verifyAny(deferred.pop()!)) return false;
    return true;
  } finally {
    deferred.length = mark;
  }
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
