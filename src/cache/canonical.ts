/**
 * Canonical bytes of a resource, fast: the same bytes as the registry's `encode`, without its
 * copy when there is nothing to sort.
 *
 * `encode` makes a message canonical by copying every object on the way to a map or Struct and
 * sorting their keys, then encodes the copy. Most resources already have their map keys in
 * order (or no maps at all), and for those the copy is pure cost: several microseconds per
 * Cluster, the bulk of hashing 100k resources. This module checks first, along only the fields
 * that can lead to a map or a Struct (computed once per type from the schema), whether every
 * key is already in sorted order; if so it encodes the message as it is, which gives exactly
 * the bytes `encode` would, and otherwise it calls `encode`.
 *
 * @internal
 */
import { encode, type TypeInfo } from '../registry/codec.js';
import { findMessageSchema, messageNames, type FieldSchema } from '../registry/schema.js';

const STRUCTISH = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue']);

let mapCapable: Set<string> | undefined;

/** Types whose messages can hold a map or a Struct, directly or through nested fields. */
function capable(): Set<string> {
  if (mapCapable) return mapCapable;
  const direct: string[] = [];
  const users = new Map<string, string[]>();
  for (const name of messageNames()) {
    const s = findMessageSchema(name)!;
    for (const f of s.fields) {
      const ref = f.type === 'map' ? f.valueRef : f.ref;
      if (f.type === 'map' || (ref !== undefined && STRUCTISH.has(ref))) direct.push(name);
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

type Check = (value: unknown) => boolean;

function sortedKeys(o: object): string[] | undefined {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return undefined;
  return keys;
}

/** True when every object inside a Struct/Value/ListValue has its keys in sorted order. */
function deepSorted(v: unknown): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (!deepSorted(x)) return false;
    return true;
  }
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const keys = sortedKeys(v);
    if (!keys) return false;
    for (const k of keys) if (!deepSorted((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

const checks = new Map<string, Check>();
const always: Check = () => true;

/** The check for values of a field's element type (message or Struct-like). */
function elementCheck(ref: string | undefined): Check {
  if (ref === undefined) return always;
  if (STRUCTISH.has(ref)) return deepSorted;
  if (!capable().has(ref)) return always;
  // Resolved lazily: recursive message types refer to themselves.
  let c: Check | undefined;
  return (v) => (c ??= checkFor(ref))(v);
}

function fieldCheck(f: FieldSchema, oneofProp: string | undefined): Check | undefined {
  if (f.type === 'map') {
    const value = f.value === 'message' ? elementCheck(f.valueRef) : always;
    const prop = f.prop;
    return (m) => {
      const o = (m as Record<string, unknown>)[prop];
      if (!o || typeof o !== 'object') return true;
      const keys = sortedKeys(o);
      if (!keys) return false;
      if (value === always) return true;
      for (const k of keys) if (!value((o as Record<string, unknown>)[k])) return false;
      return true;
    };
  }
  if (f.type !== 'message') return undefined;
  const el = elementCheck(f.ref);
  if (el === always) return undefined;
  const prop = f.prop;
  if (oneofProp !== undefined) {
    return (m) => {
      const u = (m as Record<string, unknown>)[oneofProp] as Record<string, unknown> | undefined;
      return !u || u.$case !== prop || u[prop] == null || el(u[prop]);
    };
  }
  if (f.repeated) {
    return (m) => {
      const arr = (m as Record<string, unknown>)[prop] as unknown[] | undefined;
      if (!arr) return true;
      for (const x of arr) if (x != null && !el(x)) return false;
      return true;
    };
  }
  return (m) => {
    const v = (m as Record<string, unknown>)[prop];
    return v == null || el(v);
  };
}

/** The "already canonical?" check of a message type. */
function checkFor(fullName: string): Check {
  const known = checks.get(fullName);
  if (known) return known;
  if (!capable().has(fullName)) {
    checks.set(fullName, always);
    return always;
  }
  const schema = findMessageSchema(fullName)!;
  const parts: Check[] = [];
  for (const f of schema.fields) {
    const oneofProp = f.oneof === undefined ? undefined : schema.oneofs![f.oneof]!.prop;
    const c = fieldCheck(f, oneofProp);
    if (c) parts.push(c);
  }
  const check: Check = (m) => {
    if (m === null || typeof m !== 'object') return true;
    for (const p of parts) if (!p(m)) return false;
    return true;
  };
  checks.set(fullName, check);
  return check;
}

/**
 * The canonical encoding of a message: byte for byte what `encode(type, message)` returns.
 *
 * Encodes the message directly when its maps and Structs are already sorted, and through
 * `encode` (which sorts a copy) otherwise.
 */
export function canonicalBytes(info: TypeInfo, message: unknown): Uint8Array {
  if (checkFor(info.fullName)(message)) return info.codec.encode(message as never).finish();
  return encode(info.fullName, message);
}
