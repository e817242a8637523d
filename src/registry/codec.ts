/**
 * The type registry: every generated message by name, type URL or codec, and the free
 * functions over it: `encode`, `decode`, `pack`, `unpack`, `create`, `clone`, `equals`.
 *
 * Encoding is canonical: map entries (and Struct keys) are written in sorted key order, so equal
 * messages always give equal bytes. Neither protobufjs nor ts-proto sort maps by themselves.
 */
import { CODECS, type MessageCodec, type TypeMap } from '../gen/codecs.js';
import type { Any } from '../gen/google/protobuf/any.js';
import { findMessageSchema, messageNames, typesReaching, type MessageSchema } from './schema.js';
import { ANY, STRUCT_TYPES } from './well-known.js';
import { TYPE_URL_PREFIX, typeNameOfUrl } from './type-urls.js';
import { BufferWriter } from './writer.js';
import type { Writer } from 'protobufjs/minimal.js';

export type { MessageCodec, TypeMap } from '../gen/codecs.js';
export type { Any } from '../gen/google/protobuf/any.js';

/** Full proto name of a generated message, e.g. `envoy.config.cluster.v3.Cluster`. */
export type TypeName = keyof TypeMap;

/** A message type given by its codec (`envoy.config.cluster.v3.Cluster`), full name or type URL. */
export type TypeRef = MessageCodec<any> | TypeName | (string & {});

/** The TypeScript message type a {@link TypeRef} names (`unknown` for an untyped string). */
export type MessageOf<R> = R extends MessageCodec<infer T>
  ? T
  : R extends TypeName
    ? TypeMap[R]
    : R extends `${string}/${infer N}`
      ? N extends TypeName
        ? TypeMap[N]
        : unknown
      : unknown;

/** What the registry knows of one message type. */
export interface TypeInfo<T = unknown> {
  readonly fullName: string;
  readonly typeUrl: string;
  readonly codec: MessageCodec<T>;
  readonly schema: MessageSchema;
}

const codecs = CODECS as unknown as Record<string, MessageCodec<unknown>>;
const infoByName = new Map<string, TypeInfo>();
let nameByCodec: Map<unknown, string> | undefined;

/** A clear error for a type xdskit does not know. */
export class UnknownTypeError extends Error {
  override readonly name = 'UnknownTypeError';
  constructor(readonly type: string) {
    super(`unknown type "${type}": not a message of the generated Envoy API (check the @type / type URL)`);
  }
}

function infoOf(fullName: string): TypeInfo | undefined {
  let info = infoByName.get(fullName);
  if (info) return info;
  const codec = codecs[fullName];
  const schema = codec && findMessageSchema(fullName);
  if (!codec || !schema) return undefined;
  info = { fullName, typeUrl: TYPE_URL_PREFIX + fullName, codec, schema };
  infoByName.set(fullName, info);
  return info;
}

/** Resolves a type reference, or returns undefined when the type is not registered. */
export function findType(type: TypeRef): TypeInfo | undefined {
  if (typeof type === 'string') return infoByName.get(type) ?? infoOf(typeNameOfUrl(type.startsWith('.') ? type.slice(1) : type));
  if (!nameByCodec) {
    nameByCodec = new Map();
    for (const [name, c] of Object.entries(codecs)) nameByCodec.set(c, name);
  }
  const name = nameByCodec.get(type);
  return name === undefined ? undefined : infoOf(name);
}

/** Resolves a type reference; throws {@link UnknownTypeError} for an unregistered type. */
export function typeInfo<R extends TypeRef>(type: R): TypeInfo<MessageOf<R>> {
  const info = findType(type);
  if (!info) throw new UnknownTypeError(typeof type === 'string' ? type : '<unregistered codec>');
  return info as TypeInfo<MessageOf<R>>;
}

/** True when the type (name, URL or codec) is registered. */
export function isRegistered(type: TypeRef): boolean {
  return findType(type) !== undefined;
}

/** The type URL of a message type: `type.googleapis.com/` + its full name. */
export function typeUrlOf(type: TypeRef): string {
  return typeInfo(type).typeUrl;
}

/** Full names of every registered message type, sorted. */
export function registeredTypes(): string[] {
  return messageNames().filter((n) => codecs[n] !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Canonical form: maps and Struct keys sorted.

let needsCanon: Set<string> | undefined;

/**
 * Types whose messages can hold a map, a Struct or an Any, directly or through a nested field:
 * the only types {@link canonicalize} can change. Others encode canonically as they are.
 */
export function canonicalTypes(): ReadonlySet<string> {
  return canonTypes();
}

function canonTypes(): Set<string> {
  needsCanon ??= typesReaching((s) =>
    s.fields.some((f) => f.type === 'map' || (f.type === 'message' && !!f.ref && (STRUCT_TYPES.has(f.ref) || f.ref === ANY))),
  );
  return needsCanon;
}

/**
 * Buffers known to hold canonical bytes: what `pack`, the JSON reader and canonicalisation wrote.
 * An Any holding one of them need not be decoded again to be canonicalised.
 */
const canonicalBuffers = new WeakSet<Uint8Array>();

/** Records that `bytes` are a canonical encoding (so Anys holding them are left as they are). */
export function markCanonical(bytes: Uint8Array): Uint8Array {
  canonicalBuffers.add(bytes);
  return bytes;
}

/** Entries of an object sorted by key, as a new object. */
function sortedObject(keys: string[], get: (k: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = get(k);
  return out;
}

/**
 * Plain JSON (Struct, Value, ListValue) with object keys sorted; the same object, with nothing
 * allocated, when it already is.
 */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = sortKeysDeep(value[i]);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const src = value as Record<string, unknown>;
    let prev: string | undefined;
    let changed: Map<string, unknown> | undefined;
    let unsorted = false;
    for (const k in src) {
      if (prev !== undefined && prev > k) unsorted = true;
      prev = k;
      const v = sortKeysDeep(src[k]);
      if (v !== src[k]) (changed ??= new Map()).set(k, v);
    }
    if (!unsorted && !changed) return value;
    return sortedObject(Object.keys(src), (k) => (changed?.has(k) ? changed.get(k) : src[k]));
  }
  return value;
}

/**
 * An Any whose content is re-encoded canonically when its type can hold a map: Anys packed by
 * another encoder (off the wire, from Envoy or go-control-plane) keep their map order otherwise,
 * and equal configurations would hash differently. Anys xdskit packed, and Anys of unknown types,
 * are left as they are.
 */
function canonicalAny(a: Any): Any {
  if (!a?.value?.length || canonicalBuffers.has(a.value)) return a;
  const info = a.typeUrl ? findType(a.typeUrl) : undefined;
  if (!info || !canonTypes().has(info.fullName)) return a;
  const inner = info.codec.decode(a.value);
  const canon = canonMessage(info.fullName, inner);
  const value = write(info.codec, canon);
  markCanonical(value);
  return value.equals(a.value) ? (markCanonical(a.value), a) : { typeUrl: a.typeUrl, value };
}

/** Canonicalises one value of a field: a message, a Struct/Value/ListValue or an Any. */
type Canon = (v: unknown) => unknown;

/** A map with its keys sorted and its values canonicalised by `value` (when given). */
function canonMap(m: Record<string, unknown>, value: Canon | undefined): Record<string, unknown> {
  let prev: string | undefined;
  let changed: Map<string, unknown> | undefined;
  let unsorted = false;
  for (const k in m) {
    if (prev !== undefined && prev > k) unsorted = true;
    prev = k;
    if (!value) continue;
    const cur = m[k];
    if (cur === undefined || cur === null) continue;
    const v = value(cur);
    if (v !== cur) (changed ??= new Map()).set(k, v);
  }
  if (!unsorted && !changed) return m;
  return sortedObject(Object.keys(m), (k) => (changed?.has(k) ? changed.get(k) : m[k]));
}

const identity: Canon = (v) => v;
const canonFns = new Map<string, Canon>();

/**
 * The canonicaliser of a type, compiled on first use into a function that reads the type's
 * fields by name (monomorphic property loads instead of a walk over its schema: a built
 * listener's HttpConnectionManagers hold thousands of messages on the way to their maps and
 * Anys). Types that cannot hold a map, a Struct or an Any get the identity.
 */
function canonOf(ref: string): Canon {
  let fn = canonFns.get(ref);
  if (fn) return fn;
  if (STRUCT_TYPES.has(ref)) fn = sortKeysDeep;
  else if (ref === ANY) fn = canonicalAny as Canon;
  else if (!canonTypes().has(ref)) fn = identity;
  else {
    // Set before compiling: recursive types reach themselves through the lazy slots below.
    let compiled: Canon | undefined;
    canonFns.set(ref, (v) => (compiled ??= compileCanon(ref))(v));
    fn = compiled = compileCanon(ref);
  }
  canonFns.set(ref, fn);
  return fn;
}

/** Compiles the canonicaliser of a message type that can hold a map, a Struct or an Any. */
function compileCanon(fullName: string): Canon {
  const schema = findMessageSchema(fullName)!;
  const canon = canonTypes();
  const slots: (() => Canon)[] = [];
  const slot = (ref: string): string => {
    slots.push(() => canonOf(ref));
    const i = slots.length - 1;
    return `(S${i} ??= F(${i}))`;
  };
  const key = (p: string) => JSON.stringify(p);
  const body: string[] = ['if (m === null || typeof m !== "object") return m;', 'let out, v, c, u, a, x, copy;'];
  for (const f of schema.fields) {
    const holds = f.type === 'message' && !!f.ref && (canon.has(f.ref) || STRUCT_TYPES.has(f.ref) || f.ref === ANY);
    if (f.type === 'map') {
      const value = f.value === 'message' && f.valueRef && (canon.has(f.valueRef) || STRUCT_TYPES.has(f.valueRef) || f.valueRef === ANY) ? slot(f.valueRef) : 'undefined';
      body.push(`v = m[${key(f.prop)}]; if (v !== undefined && v !== null) { c = M(v, ${value}); if (c !== v) (out ??= { ...m })[${key(f.prop)}] = c; }`);
    } else if (!holds) {
      continue;
    } else if (f.oneof !== undefined) {
      const prop = key(schema.oneofs![f.oneof]!.prop);
      body.push(
        `u = m[${prop}]; if (u !== undefined && u !== null && u.$case === ${key(f.prop)}) { v = u[${key(f.prop)}];` +
          ` if (v !== undefined && v !== null) { c = ${slot(f.ref!)}(v); if (c !== v) (out ??= { ...m })[${prop}] = { ...u, [${key(f.prop)}]: c }; } }`,
      );
    } else if (f.repeated) {
      body.push(
        `a = m[${key(f.prop)}]; if (a !== undefined && a !== null) { copy = undefined; const fn = ${slot(f.ref!)};` +
          ` for (let i = 0; i < a.length; i++) { x = a[i]; if (x === undefined || x === null) continue; c = fn(x); if (c !== x) (copy ??= a.slice())[i] = c; }` +
          ` if (copy !== undefined) (out ??= { ...m })[${key(f.prop)}] = copy; }`,
      );
    } else {
      body.push(`v = m[${key(f.prop)}]; if (v !== undefined && v !== null) { c = ${slot(f.ref!)}(v); if (c !== v) (out ??= { ...m })[${key(f.prop)}] = c; }`);
    }
  }
  body.push('return out === undefined ? m : out;');
  const resolved: (Canon | undefined)[] = [];
  const F = (i: number): Canon => (resolved[i] ??= slots[i]!());
  const name = `canon_${fullName.replace(/\W/g, '_')}`;
  const vars = slots.length ? `let ${slots.map((_, i) => `S${i}`).join(', ')};\n` : '';
  return new Function('F', 'M', `${vars}return function ${name}(m) {\n${body.join('\n')}\n};`)(F, canonMap) as Canon;
}

function canonMessage(fullName: string, message: unknown): unknown {
  if (message === null || typeof message !== 'object') return message;
  return canonOf(fullName)(message);
}

/**
 * The canonical form of a message: every map and Struct with its keys sorted, and every Any
 * packed by another encoder re-packed canonically.
 *
 * Returns the message itself when it is already canonical; otherwise only the objects on the
 * way to what changed are copied, and everything else is shared with the input.
 */
export function canonicalize<R extends TypeRef>(type: R, message: MessageOf<R>): MessageOf<R>;
export function canonicalize(type: TypeRef, message: unknown): unknown {
  return canonMessage(typeInfo(type).fullName, message);
}

// ---------------------------------------------------------------------------------------------
// Binary.

/** Encodes a message to protobuf bytes, canonically (maps sorted). */
export function encode<R extends TypeRef>(type: R, message: MessageOf<R>): Uint8Array;
export function encode(type: TypeRef, message: unknown): Uint8Array {
  const info = typeInfo(type);
  return write(info.codec, canonicalize(info.fullName, message));
}

/** The writer `encode` uses when it is not in use (encodes do not nest, but stay safe if they do). */
let idleWriter: BufferWriter | undefined;
/** Above this size, a writer's buffer is dropped after use rather than kept for the next encode. */
const KEEP_WRITER_BYTES = 1 << 20;

/** Encodes a message (as it is) with a {@link BufferWriter}: its bytes, in a Buffer of their size. */
function write(codec: MessageCodec, message: unknown): Buffer {
  const w = idleWriter ?? new BufferWriter(4096);
  idleWriter = undefined;
  let out: Buffer;
  try {
    codec.encode(message as never, w as unknown as Writer);
    out = w.finish();
  } catch (e) {
    w.reset();
    throw e;
  } finally {
    if (w.capacity <= KEEP_WRITER_BYTES) idleWriter = w;
  }
  return out;
}

/**
 * A Buffer view of bytes, without copying: protobufjs gives bytes fields the class of its input,
 * and the generated types promise Buffer.
 */
function asBuffer(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes protobuf bytes into a message of the given type.
 *
 * Bytes fields of the result (an Any's `value`, say) are views into `bytes`, not copies: they keep
 * the whole input alive, and change if it is overwritten.
 */
export function decode<R extends TypeRef>(type: R, bytes: Uint8Array): MessageOf<R> {
  return typeInfo(type).codec.decode(asBuffer(bytes)) as MessageOf<R>;
}

const EMPTY = new Uint8Array(0);

/**
 * A new message of the given type with every field at its default, merged with `init`.
 *
 * The result has the same shape as a decoded message (lists `[]`, maps `{}`, scalars at their
 * zero value, messages `undefined`), so it compares equal to one.
 */
export function create<R extends TypeRef>(type: R, init?: Partial<MessageOf<R>>): MessageOf<R> {
  const base = typeInfo(type).codec.decode(EMPTY) as MessageOf<R>;
  return init ? { ...base, ...init } : base;
}

/** A deep copy of a message (through its canonical encoding). */
export function clone<R extends TypeRef>(type: R, message: MessageOf<R>): MessageOf<R> {
  const info = typeInfo(type);
  return info.codec.decode(encode(info.fullName, message)) as MessageOf<R>;
}

/** True when two messages of the type have the same canonical encoding. */
export function equals<R extends TypeRef>(type: R, a: MessageOf<R>, b: MessageOf<R>): boolean {
  return Buffer.from(encode(type, a)).equals(encode(type, b));
}

// ---------------------------------------------------------------------------------------------
// Any.

/**
 * Packs a message into a `google.protobuf.Any` of its type URL.
 *
 * @example pack(envoy.extensions.filters.http.router.v3.Router, {})
 */
export function pack<R extends TypeRef>(type: R, message: MessageOf<R>): Any {
  const info = typeInfo(type);
  return { typeUrl: info.typeUrl, value: markCanonical(asBuffer(encode(info.fullName, message))) as Buffer };
}

/**
 * Unpacks an Any into its typed message, looking its type URL up in the registry.
 *
 * With `type`, also checks that the Any holds that type. Throws {@link UnknownTypeError} for a
 * type URL that is not registered, and an error naming both types on a mismatch.
 */
export function unpack<R extends TypeRef>(any: Any, type: R): MessageOf<R>;
export function unpack(any: Any): unknown;
export function unpack(any: Any, type?: TypeRef): unknown {
  const typeUrl = any.typeUrl ?? '';
  if (!typeUrl) throw new UnknownTypeError('<empty type URL>');
  const info = findType(typeUrl);
  if (!info) throw new UnknownTypeError(typeUrl);
  if (type !== undefined) {
    const want = typeInfo(type);
    if (want.fullName !== info.fullName) {
      throw new Error(`any holds ${info.fullName}, expected ${want.fullName}`);
    }
  }
  return info.codec.decode(asBuffer(any.value ?? EMPTY));
}

/** Unpacks an Any and also returns the full name of the type it held. */
export function unpackAny(any: Any): { type: string; message: unknown } {
  const message = unpack(any);
  return { type: typeNameOfUrl(any.typeUrl ?? ''), message };
}
