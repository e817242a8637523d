/**
 * The type registry: every generated message by name, type URL or codec, and the free
 * functions over it: `encode`, `decode`, `pack`, `unpack`, `create`, `clone`, `equals`.
 *
 * Encoding is canonical: map entries (and Struct keys) are written in sorted key order, so equal
 * messages always give equal bytes. Neither protobufjs nor ts-proto sort maps by themselves.
 */
import { CODECS, type MessageCodec, type TypeMap } from '../gen/codecs.js';
import type { Any } from '../gen/google/protobuf/any.js';
import { findMessageSchema, messageNames, type FieldSchema, type MessageSchema } from './schema.js';
import { TYPE_URL_PREFIX, typeNameOfUrl } from './type-urls.js';

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
  if (typeof type === 'string') return infoOf(typeNameOfUrl(type.startsWith('.') ? type.slice(1) : type));
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

const WKT_STRUCTISH = new Set(['google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue']);
const ANY = 'google.protobuf.Any';
let needsCanon: Set<string> | undefined;

/** Types whose messages can hold a map or a Struct, directly or through any nested field. */
function canonTypes(): Set<string> {
  if (needsCanon) return needsCanon;
  const direct = new Set<string>();
  const users = new Map<string, string[]>(); // type -> types that have a field of that type
  for (const name of messageNames()) {
    const s = findMessageSchema(name)!;
    for (const f of s.fields) {
      const ref = f.type === 'map' ? f.valueRef : f.ref;
      if (f.type === 'map' || (ref && (WKT_STRUCTISH.has(ref) || ref === ANY))) direct.add(name);
      if (ref && f.type !== 'enum' && f.value !== 'enum') {
        let u = users.get(ref);
        if (!u) users.set(ref, (u = []));
        u.push(name);
      }
    }
  }
  const out = new Set<string>();
  const queue = [...direct];
  while (queue.length) {
    const t = queue.pop()!;
    if (out.has(t)) continue;
    out.add(t);
    for (const u of users.get(t) ?? []) if (!out.has(u)) queue.push(u);
  }
  needsCanon = out;
  return out;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * An Any whose content is re-encoded canonically when its type can hold a map: Anys packed by
 * another encoder (off the wire, from Envoy or go-control-plane) keep their map order otherwise,
 * and equal configurations would hash differently. Anys of unknown types are left as they are.
 */
function canonicalAny(a: Any): Any {
  const info = a?.typeUrl ? findType(a.typeUrl) : undefined;
  if (!info || !canonTypes().has(info.fullName) || !a.value?.length) return a;
  const inner = info.codec.decode(a.value);
  return { typeUrl: a.typeUrl, value: Buffer.from(info.codec.encode(canonicalize(info.fullName, inner)).finish()) };
}

function canonValue(f: FieldSchema, ref: string | undefined, v: unknown): unknown {
  if (v === undefined || v === null || !ref) return v;
  if (WKT_STRUCTISH.has(ref)) return sortKeysDeep(v);
  if (ref === ANY) return canonicalAny(v as Any);
  return canonicalize(ref, v);
}

/**
 * The canonical form of a message: a copy in which every map and Struct has its keys sorted.
 *
 * Returns the message itself when its type cannot hold a map. Only the objects on the way to a
 * map are copied; everything else is shared with the input.
 */
export function canonicalize<R extends TypeRef>(type: R, message: MessageOf<R>): MessageOf<R>;
export function canonicalize(type: TypeRef, message: unknown): unknown {
  const info = typeInfo(type);
  if (!canonTypes().has(info.fullName) || message === null || typeof message !== 'object') return message;
  const src = message as Record<string, unknown>;
  const out: Record<string, unknown> = { ...src };
  const oneofs = info.schema.oneofs;
  for (const f of info.schema.fields) {
    if (f.type === 'map') {
      const m = src[f.prop] as Record<string, unknown> | undefined;
      if (!m) continue;
      const sorted: Record<string, unknown> = {};
      const ref = f.value === 'message' ? f.valueRef : undefined;
      for (const k of Object.keys(m).sort()) sorted[k] = canonValue(f, ref, m[k]);
      out[f.prop] = sorted;
    } else if (f.type === 'message' && f.ref && canonTypes().has(f.ref)) {
      if (f.oneof !== undefined) {
        const prop = oneofs![f.oneof]!.prop;
        const u = out[prop] as Record<string, unknown> | undefined;
        if (u && u.$case === f.prop) out[prop] = { ...u, [f.prop]: canonValue(f, f.ref, u[f.prop]) };
      } else if (f.repeated) {
        const arr = src[f.prop] as unknown[] | undefined;
        if (arr) out[f.prop] = arr.map((x) => canonValue(f, f.ref, x));
      } else {
        out[f.prop] = canonValue(f, f.ref, src[f.prop]);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binary.

/** Encodes a message to protobuf bytes, canonically (maps sorted). */
export function encode<R extends TypeRef>(type: R, message: MessageOf<R>): Uint8Array;
export function encode(type: TypeRef, message: unknown): Uint8Array {
  const info = typeInfo(type);
  return info.codec.encode(canonicalize(info.fullName, message)).finish();
}

/** Decodes protobuf bytes into a message of the given type. */
export function decode<R extends TypeRef>(type: R, bytes: Uint8Array): MessageOf<R> {
  return typeInfo(type).codec.decode(bytes) as MessageOf<R>;
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
  return { typeUrl: info.typeUrl, value: Buffer.from(encode(info.fullName, message)) };
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
  return info.codec.decode(any.value ?? EMPTY);
}

/** Unpacks an Any and also returns the full name of the type it held. */
export function unpackAny(any: Any): { type: string; message: unknown } {
  const message = unpack(any);
  return { type: typeNameOfUrl(any.typeUrl ?? ''), message };
}
