/**
 * Seeded messages of any registered type, built from the runtime schema.
 *
 * `fillMessage(type, seed)` returns a message in the exact shape ts-proto's `decode` gives
 * (every field present at its default, then some set), so `decode(encode(m))` deep-equals `m`
 * and `fromJson(toJson(m))` does too. The same seed always gives the same message.
 *
 * What it fills: scalars of each kind (64-bit integers as decimal strings, beyond 2^53 too;
 * floats rounded to float32), enums from their defined values, nested messages to a bounded
 * depth, repeated fields and maps with 0..`maxItems` items, one member (or none) per oneof,
 * wrappers as bare primitives, valid Durations and Timestamps, small Struct/Value/ListValue
 * JSON, and Any fields packed with a small registered type (itself filled from the seed).
 *
 * The values are random, not valid Envoy config: they do not satisfy `validate.rules`.
 *
 * `arbitraryMessage(type)` is the fast-check arbitrary on top of it (a seed mapped to a
 * message); `arbitraryTypedMessage(types)` picks the type too.
 */
import fc from 'fast-check';
import {
  create,
  findEnumSchema,
  pack,
  WRAPPER_TYPES,
  typeInfo,
  type FieldSchema,
  type MessageOf,
  type MessageSchema,
  type TypeRef,
} from 'xdskit';

/** Options of {@link fillMessage}. */
export interface FillOptions {
  /**
   * Depth of nested messages below the root that are still filled; deeper message fields stay
   * unset, deeper repeated message fields and message maps stay empty.
   * @default 3
   */
  maxDepth?: number;
  /** Most items in a repeated field or map. @default 2 */
  maxItems?: number;
  /** Chance that a non-oneof field is set (0..1). @default 0.75 */
  presence?: number;
  /** Chance that a oneof has a member set (0..1). @default 0.75 */
  oneofPresence?: number;
  /**
   * Most messages (nested objects) filled in one call: keeps huge types such as Bootstrap small.
   * @default 200
   */
  budget?: number;
  /**
   * Types packed into Any fields, one picked per Any. Well-known types (Duration, Struct,
   * wrappers) exercise their `{"@type", "value"}` JSON form.
   * @default DEFAULT_ANY_TYPES
   */
  anyTypes?: readonly string[];
}

/** The types {@link fillMessage} packs into Any fields by default: small, varied, registered. */
export const DEFAULT_ANY_TYPES: readonly string[] = Object.freeze([
  'envoy.config.core.v3.Locality',
  'envoy.extensions.filters.http.router.v3.Router',
  'envoy.type.v3.FractionalPercent',
  'envoy.config.core.v3.HeaderValue',
  'google.protobuf.Duration',
  'google.protobuf.Struct',
  'google.protobuf.UInt32Value',
  'google.protobuf.StringValue',
]);

const WRAPPERS: Readonly<Record<string, string>> = WRAPPER_TYPES;
const DURATION = 'google.protobuf.Duration';
const TIMESTAMP = 'google.protobuf.Timestamp';
const ANY = 'google.protobuf.Any';
const STRUCT = 'google.protobuf.Struct';
const VALUE = 'google.protobuf.Value';
const LIST_VALUE = 'google.protobuf.ListValue';
const FIELD_MASK = 'google.protobuf.FieldMask';

/** FieldMask paths: snake_case names joined by dots, as ts-proto holds them. */
function fieldMaskPaths(r: Rng): string[] {
  const words = ['name', 'connect_timeout', 'lb_policy', 'load_assignment', 'endpoints', 'x2'];
  return Array.from({ length: r.int(3) }, () => Array.from({ length: 1 + r.int(2) }, () => r.pick(words)).join('.'));
}

/** A small, fast, seeded PRNG (mulberry32) with the helpers the filler needs. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A uniformly random bigint of `bits` bits (unsigned). */
  bits(bits: number): bigint {
    let v = 0n;
    for (let done = 0; done < bits; done += 16) v = (v << 16n) | BigInt(this.int(0x10000));
    return v & ((1n << BigInt(bits)) - 1n);
  }
}

const WORDS = ['api', 'edge', 'ingress', 'v1', 'eu-west-1', 'x-request-id', '/', '*.example.com', '10.0.0.1', 'größe', '尺寸', '✓', 'a b', '"q"', 'line\nbreak'];

function str(r: Rng): string {
  if (r.chance(0.1)) return '';
  const n = 1 + r.int(3);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(r.chance(0.7) ? r.pick(WORDS) : r.int(100000).toString(36));
  return parts.join(r.pick(['', '-', '.', '_']));
}

function bytes(r: Rng): Buffer {
  const n = r.int(7);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/** Interesting integers of a kind (edges first), then random ones. */
function integer(r: Rng, kind: string): number | string {
  switch (kind) {
    case 'int32':
    case 'sint32':
    case 'sfixed32': {
      const edges = [0, 1, -1, 2147483647, -2147483648];
      return r.chance(0.3) ? r.pick(edges) : r.int(4294967296) - 2147483648;
    }
    case 'uint32':
    case 'fixed32':
      return r.chance(0.3) ? r.pick([0, 1, 4294967295]) : r.int(4294967296);
    case 'uint64':
    case 'fixed64': {
      const edges = ['0', '1', '9007199254740993', '18446744073709551615'];
      return r.chance(0.3) ? r.pick(edges) : r.bits(r.pick([8, 32, 53, 64])).toString();
    }
    default: {
      // int64, sint64, sfixed64
      const edges = ['0', '-1', '9007199254740993', '-9007199254740993', '9223372036854775807', '-9223372036854775808'];
      if (r.chance(0.3)) return r.pick(edges);
      const v = r.bits(r.pick([8, 32, 53, 63]));
      return (r.chance(0.5) ? -v : v).toString();
    }
  }
}

/** A double that round-trips through JSON and binary (never -0). */
function double(r: Rng): number {
  const v = r.pick([
    () => 0,
    () => r.int(1000) - 500,
    () => (r.next() - 0.5) * 1e6,
    () => r.next() * 1e-300,
    () => 1.7976931348623157e308,
    () => Number.MIN_VALUE,
    () => NaN,
    () => Infinity,
    () => -Infinity,
  ])();
  return Object.is(v, -0) ? 0 : v;
}

/** A scalar of the given kind, in the TypeScript shape ts-proto uses. */
function scalar(r: Rng, kind: string): unknown {
  switch (kind) {
    case 'string':
      return str(r);
    case 'bool':
      return r.chance(0.5);
    case 'bytes':
      return bytes(r);
    case 'double':
      return double(r);
    case 'float': {
      const v = Math.fround(double(r));
      return Object.is(v, -0) ? 0 : v;
    }
    default:
      return integer(r, kind);
  }
}

function jsonValue(r: Rng, depth: number): unknown {
  const k = r.int(depth > 0 ? 6 : 4);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, 1, -2.5, 1e21, r.int(100000)]);
    case 3:
      return str(r);
    case 4:
      return jsonObject(r, depth - 1);
    default:
      return Array.from({ length: r.int(3) }, () => jsonValue(r, depth - 1));
  }
}

function jsonObject(r: Rng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = r.int(4);
  for (let i = 0; i < n; i++) out[r.pick(['a', 'b', 'key', 'weight', 'tags', 'x-y', '0', '10', 'nested'])] = jsonValue(r, depth);
  return out;
}

function duration(r: Rng): { seconds: string; nanos: number } {
  const seconds = r.pick([0, 1, 15, 3600, r.int(315576000000), -r.int(1000)]);
  let nanos = r.pick([0, 0, 500000000, 1000000, 1000, 1, r.int(1000000000)]);
  if (seconds < 0) nanos = -nanos;
  if (seconds === 0 && r.chance(0.2)) nanos = -nanos; // "-0.5s"
  return { seconds: String(seconds), nanos: Object.is(nanos, -0) ? 0 : nanos };
}

function timestamp(r: Rng): { seconds: string; nanos: number } {
  const seconds = r.pick([0, 1715678467, -62135596800, 253402300799, r.int(4102444800) - 100000000]);
  return { seconds: String(seconds), nanos: r.pick([0, 0, 123000000, 456000, 789, r.int(1000000000)]) };
}

class Filler {
  private budget: number;
  constructor(
    private readonly r: Rng,
    private readonly o: Required<FillOptions>,
  ) {
    this.budget = o.budget;
  }

  /** A message of `type` in message context (the codec's own shape). */
  message(type: string, depth: number): Record<string, unknown> {
    if (type in WRAPPERS) return { value: scalar(this.r, WRAPPERS[type]!) };
    if (type === STRUCT) return { fields: jsonObject(this.r, 2) };
    if (type === LIST_VALUE) return { values: Array.from({ length: this.r.int(3) }, () => jsonValue(this.r, 2)) };
    if (type === FIELD_MASK) return { paths: fieldMaskPaths(this.r) };
    if (type === VALUE) {
      return { kind: valueKind(jsonValue(this.r, 2)) };
    }
    if (type === DURATION) return duration(this.r);
    if (type === TIMESTAMP) return timestamp(this.r);
    if (type === ANY) return this.any(depth) as Record<string, unknown>;
    return this.fields(typeInfo(type).schema, depth);
  }

  /** A value for a field of message type `type` (the shape ts-proto gives fields). */
  fieldMessage(type: string, depth: number): unknown {
    if (type in WRAPPERS) return scalar(this.r, WRAPPERS[type]!);
    if (type === STRUCT) return jsonObject(this.r, 2);
    if (type === LIST_VALUE) return Array.from({ length: this.r.int(3) }, () => jsonValue(this.r, 2));
    if (type === VALUE) return jsonValue(this.r, 2);
    if (type === FIELD_MASK) return fieldMaskPaths(this.r);
    if (type === DURATION) return duration(this.r);
    if (type === TIMESTAMP) return timestamp(this.r);
    if (type === ANY) return this.any(depth);
    return this.fields(typeInfo(type).schema, depth);
  }

  /** True when a message-typed value can still be made at this depth. */
  canNest(type: string, depth: number): boolean {
    if (isLeafType(type)) return true;
    return depth <= this.o.maxDepth && this.budget > 0;
  }

  any(depth: number): { typeUrl: string; value: Buffer } {
    const type = this.r.pick(this.o.anyTypes);
    const inner = this.canNest(type, depth + 1) ? this.message(type, depth + 1) : create(type);
    const any = pack(type, inner);
    return { typeUrl: any.typeUrl!, value: Buffer.from(any.value!) };
  }

  fields(schema: MessageSchema, depth: number): Record<string, unknown> {
    this.budget--;
    const out = create(schema.fullName) as Record<string, unknown>;
    const r = this.r;
    const oneofMembers = new Map<number, FieldSchema[]>();
    for (const f of schema.fields) {
      if (f.oneof !== undefined) {
        let m = oneofMembers.get(f.oneof);
        if (!m) oneofMembers.set(f.oneof, (m = []));
        m.push(f);
        continue;
      }
      if (!r.chance(this.o.presence)) continue;
      if (f.type === 'map') {
        const valueType = f.value === 'message' ? f.valueRef! : undefined;
        if (valueType && !this.canNest(valueType, depth + 1)) continue;
        const m: Record<string, unknown> = {};
        const n = r.int(this.o.maxItems + 1);
        for (let i = 0; i < n; i++) m[this.mapKey(f.key!)] = this.mapValue(f, depth + 1);
        out[f.prop] = m;
      } else if (f.repeated) {
        if (f.type === 'message' && !this.canNest(f.ref!, depth + 1)) continue;
        const n = r.int(this.o.maxItems + 1);
        out[f.prop] = Array.from({ length: n }, () => this.single(f, depth + 1));
      } else {
        if (f.type === 'message' && !this.canNest(f.ref!, depth + 1)) continue;
        out[f.prop] = this.single(f, depth + 1);
      }
    }
    for (const [index, members] of oneofMembers) {
      if (!r.chance(this.o.oneofPresence)) continue;
      const usable = members.filter((f) => f.type !== 'message' || this.canNest(f.ref!, depth + 1));
      if (usable.length === 0) continue;
      const f = r.pick(usable);
      out[schema.oneofs![index]!.prop] = { $case: f.prop, [f.prop]: this.single(f, depth + 1) };
    }
    return out;
  }

  single(f: FieldSchema, depth: number): unknown {
    if (f.type === 'message') return this.fieldMessage(f.ref!, depth);
    if (f.type === 'enum') return enumValue(this.r, f.ref!);
    return scalar(this.r, f.type);
  }

  mapKey(kind: string): string {
    if (kind === 'string') return this.r.pick(['a', 'b', 'envoy.lb', 'x-key', '9080', str(this.r)]);
    if (kind === 'bool') return this.r.pick(['true', 'false']);
    return String(integer(this.r, kind));
  }

  mapValue(f: FieldSchema, depth: number): unknown {
    if (f.value === 'message') return this.fieldMessage(f.valueRef!, depth);
    if (f.value === 'enum') return enumValue(this.r, f.valueRef!);
    return scalar(this.r, f.value!);
  }
}

/** The `kind` union of a google.protobuf.Value message holding plain JSON `v`. */
function valueKind(v: unknown): unknown {
  if (v === null) return { $case: 'nullValue', nullValue: 0 };
  if (typeof v === 'boolean') return { $case: 'boolValue', boolValue: v };
  if (typeof v === 'number') return { $case: 'numberValue', numberValue: v };
  if (typeof v === 'string') return { $case: 'stringValue', stringValue: v };
  if (Array.isArray(v)) return { $case: 'listValue', listValue: v };
  return { $case: 'structValue', structValue: v };
}

/** Types whose values are not nested messages of fields (no depth or budget needed). */
function isLeafType(type: string): boolean {
  return type in WRAPPERS || type === DURATION || type === TIMESTAMP;
}

function enumValue(r: Rng, enumName: string): number {
  const e = findEnumSchema(enumName);
  if (!e || e.values.length === 0) return 0;
  return r.pick(e.values)[1];
}

function withDefaults(options: FillOptions = {}): Required<FillOptions> {
  return {
    maxDepth: options.maxDepth ?? 3,
    maxItems: options.maxItems ?? 2,
    presence: options.presence ?? 0.75,
    oneofPresence: options.oneofPresence ?? 0.75,
    budget: options.budget ?? 200,
    anyTypes: options.anyTypes ?? DEFAULT_ANY_TYPES,
  };
}

/**
 * A message of `type` with fields filled from `seed`, in the shape ts-proto's `decode` gives.
 *
 * Deterministic: the same type, seed and options give the same message.
 *
 * @example fillMessage('envoy.config.cluster.v3.Cluster', 42)
 */
export function fillMessage<R extends TypeRef>(type: R, seed: number, options?: FillOptions): MessageOf<R> {
  const name = typeInfo(type).fullName;
  const filler = new Filler(new Rng(seed), withDefaults(options));
  return filler.message(name, 0) as MessageOf<R>;
}

/**
 * A message of `type` whose xDS name is `name` (`cluster_name` for a ClusterLoadAssignment,
 * `name` otherwise), filled from `seed`: handy for snapshot and cache tests.
 */
export function fillResource<R extends TypeRef>(type: R, name: string, seed: number, options?: FillOptions): MessageOf<R> {
  const info = typeInfo(type);
  const m = fillMessage(info.fullName, seed, options) as Record<string, unknown>;
  const key = info.fullName === 'envoy.config.endpoint.v3.ClusterLoadAssignment' ? 'clusterName' : 'name';
  return { ...m, [key]: name } as MessageOf<R>;
}

/** A fast-check arbitrary of messages of `type` (a seed mapped through {@link fillMessage}). */
export function arbitraryMessage<R extends TypeRef>(type: R, options?: FillOptions): fc.Arbitrary<MessageOf<R>> {
  const name = typeInfo(type).fullName;
  return fc.integer({ min: 0, max: 0x7fffffff }).map((seed) => fillMessage(name, seed, options) as MessageOf<R>);
}

/** A fast-check arbitrary of `{ type, message }` with the type drawn from `types`. */
export function arbitraryTypedMessage(
  types: readonly string[],
  options?: FillOptions,
): fc.Arbitrary<{ type: string; message: unknown }> {
  return fc
    .tuple(fc.constantFrom(...types), fc.integer({ min: 0, max: 0x7fffffff }))
    .map(([type, seed]) => ({ type, message: fillMessage(type, seed, options) }));
}

/** A fast-check arbitrary of resources of `type` named from `names` (see {@link fillResource}). */
export function arbitraryResource<R extends TypeRef>(
  type: R,
  names: fc.Arbitrary<string> = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/),
  options?: FillOptions,
): fc.Arbitrary<MessageOf<R>> {
  const name = typeInfo(type).fullName;
  return fc
    .tuple(names, fc.integer({ min: 0, max: 0x7fffffff }))
    .map(([n, seed]) => fillResource(name, n, seed, options) as MessageOf<R>);
}
