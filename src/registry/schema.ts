/**
 * The runtime descriptor of every generated type, read lazily from `src/gen/schema.ts`.
 *
 * proto/generate.mjs writes it from the FileDescriptorSet buf compiles; it carries what the
 * JSON/YAML codec, the registry and the validator need and ts-proto's code does not: proto and
 * JSON field names, oneofs, enum names, and each field's `validate.rules`.
 */
import { SCHEMA_JSON } from '../gen/schema.js';

/** Scalar kinds of protobuf fields (the descriptor's type names). */
export type ScalarKind =
  | 'double' | 'float' | 'int64' | 'uint64' | 'int32' | 'fixed64' | 'fixed32' | 'bool' | 'string'
  | 'bytes' | 'uint32' | 'sfixed32' | 'sfixed64' | 'sint32' | 'sint64';

/** One field of a message. */
export interface FieldSchema {
  /** Proto field name (snake_case), what Envoy YAML uses. */
  readonly name: string;
  /** JSON name (lowerCamelCase), what proto3 canonical JSON uses. */
  readonly json: string;
  /** Property name in the generated TypeScript object. */
  readonly prop: string;
  /** Field number. */
  readonly no: number;
  /** Kind: a scalar, `message`, `enum` or `map`. */
  readonly type: ScalarKind | 'message' | 'enum' | 'map' | 'group';
  /** Full name of the message or enum type, for `message` and `enum` fields. */
  readonly ref?: string;
  readonly repeated?: true;
  /** proto2 `required`. */
  readonly required?: true;
  /** Explicit presence: proto3 `optional` or proto2 `optional`. */
  readonly optional?: true;
  /** Index into the message's `oneofs` when the field belongs to a (non-synthetic) oneof. */
  readonly oneof?: number;
  readonly deprecated?: true;
  /** Map key kind, for `map` fields. */
  readonly key?: ScalarKind;
  /** Map value kind, for `map` fields. */
  readonly value?: ScalarKind | 'message' | 'enum';
  /** Map value type name, for `map` fields whose values are messages or enums. */
  readonly valueRef?: string;
  /** The field's `(validate.rules)` option as a plain object (protoc-gen-validate FieldRules). */
  readonly rules?: Readonly<Record<string, unknown>>;
}

/** One (non-synthetic) oneof of a message. */
export interface OneofSchema {
  /** Proto name of the oneof. */
  readonly name: string;
  /** Property of the generated object holding the `{ $case, [field]: value }` union. */
  readonly prop: string;
  /** `(validate.required)`: one member must be set. */
  readonly required?: true;
}

/** One message type. */
export interface MessageSchema {
  /** Full proto name, without a leading dot. */
  readonly fullName: string;
  /** Generated module, relative to src/gen, without extension. */
  readonly file: string;
  /** Export name of the type and codec in that module (`Parent_Child` for nested types). */
  readonly export: string;
  readonly fields: readonly FieldSchema[];
  readonly oneofs?: readonly OneofSchema[];
  /** `(validate.disabled)`: skip validation of this message. */
  readonly disabled?: true;
  /** `(validate.ignored)`. */
  readonly ignored?: true;
}

/** One enum type. */
export interface EnumSchema {
  readonly fullName: string;
  readonly file: string;
  readonly export: string;
  /** `[name, number]` pairs in declaration order. */
  readonly values: readonly (readonly [string, number])[];
}

interface RawSchema {
  messages: Record<string, Omit<MessageSchema, 'fullName'>>;
  enums: Record<string, Omit<EnumSchema, 'fullName'>>;
}

let raw: RawSchema | undefined;
const messageCache = new Map<string, MessageSchema>();
const enumCache = new Map<string, EnumSchema>();

function load(): RawSchema {
  raw ??= JSON.parse(SCHEMA_JSON) as RawSchema;
  return raw;
}

/** The schema of message `fullName`, or undefined when it is not generated. */
export function findMessageSchema(fullName: string): MessageSchema | undefined {
  let m = messageCache.get(fullName);
  if (m) return m;
  const r = load().messages[fullName];
  if (!r) return undefined;
  m = { fullName, ...r };
  messageCache.set(fullName, m);
  return m;
}

/** The schema of message `fullName`; throws for an unknown name. */
export function messageSchema(fullName: string): MessageSchema {
  const m = findMessageSchema(fullName);
  if (!m) throw new Error(`unknown message type "${fullName}"`);
  return m;
}

/** The schema of enum `fullName`, or undefined when it is not generated. */
export function findEnumSchema(fullName: string): EnumSchema | undefined {
  let e = enumCache.get(fullName);
  if (e) return e;
  const r = load().enums[fullName];
  if (!r) return undefined;
  e = { fullName, ...r };
  enumCache.set(fullName, e);
  return e;
}

/** Full names of every generated message type, sorted. */
export function messageNames(): string[] {
  return Object.keys(load().messages);
}

/** Full names of every generated enum type, sorted. */
export function enumNames(): string[] {
  return Object.keys(load().enums);
}

/** Options of {@link typesReaching}. */
export interface ReachOptions {
  /** Types left out entirely (never direct, never reached through). */
  skip?: (schema: MessageSchema) => boolean;
  /** Field types the search does not go through (leaves such as wrappers). */
  leaf?: (ref: string) => boolean;
}

/**
 * The message types that satisfy `direct` or hold, through any chain of message fields
 * (singular, repeated, oneof members, map values), a type that does.
 *
 * Used to skip work on types that can never need it: canonicalisation (maps, Structs, Anys),
 * validation (rules, required oneofs, Anys). Computed over the whole schema in a few ms.
 */
export function typesReaching(direct: (schema: MessageSchema) => boolean, options: ReachOptions = {}): Set<string> {
  const start: string[] = [];
  const usedBy = new Map<string, string[]>();
  for (const name of messageNames()) {
    const s = findMessageSchema(name)!;
    if (options.skip?.(s)) continue;
    if (direct(s)) start.push(name);
    for (const f of s.fields) {
      const ref = f.type === 'map' ? (f.value === 'message' ? f.valueRef : undefined) : f.type === 'message' ? f.ref : undefined;
      if (!ref || options.leaf?.(ref)) continue;
      let u = usedBy.get(ref);
      if (!u) usedBy.set(ref, (u = []));
      u.push(name);
    }
  }
  const out = new Set<string>();
  const queue = start;
  while (queue.length) {
    const t = queue.pop()!;
    if (out.has(t)) continue;
    out.add(t);
    for (const u of usedBy.get(t) ?? []) if (!out.has(u)) queue.push(u);
  }
  return out;
}
