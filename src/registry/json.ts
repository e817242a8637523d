/**
 * Proto3 canonical JSON for every registered type, read and written against the runtime schema.
 *
 * Reading accepts both key styles, as Envoy does: proto field names (`snake_case`, what Envoy
 * YAML uses) and JSON names (`camelCase`). Any is read and written with `@type` at any depth
 * (typed_config, typed_per_filter_config, typed_extension_protocol_options, config dumps).
 * Well-known types use their JSON forms: Duration `"1.5s"`, Timestamp RFC 3339, wrappers as bare
 * values, Struct/Value/ListValue as plain JSON; enums by name; 64-bit integers as strings.
 *
 * Strict by default, like Envoy loading a bootstrap: an unknown field, an unknown enum name, a
 * single object where a list is expected, an Any without `@type` or with a `@type` that is not
 * registered are errors naming the path. With `strict: false` they become warnings, the value is
 * skipped (or, for a lone object, wrapped in a list) and reading goes on. Nothing is dropped
 * silently.
 *
 * @see https://protobuf.dev/programming-guides/proto3/#json
 */
import { findEnumSchema, type EnumSchema, type FieldSchema, type MessageSchema } from './schema.js';
import { encode, findType, markCanonical, typeInfo, type MessageOf, type TypeInfo, type TypeRef } from './codec.js';
import { XdsValidationError, formatProblem, show, type Problem } from './errors.js';
import { TYPE_URL_PREFIX, typeNameOfUrl } from './type-urls.js';
import { ANY, DURATION, FIELD_MASK, LIST_VALUE, NULL_VALUE, STRUCT, TIMESTAMP, VALUE, WRAPPERS } from './well-known.js';

/** Options for reading JSON (and YAML). */
export interface ReadOptions {
  /**
   * Reject unknown fields, unknown enum names, lone objects where lists are expected, and Any
   * values without a registered `@type`. When false these become warnings.
   * @default true
   */
  strict?: boolean;
  /** Receives the warnings of lenient mode (and is left empty in strict mode). */
  warnings?: Problem[];
  /** Path prefix for every problem (e.g. the file or resource being read). @default "" */
  path?: string;
}

/** Options for writing JSON (and YAML). */
export interface WriteOptions {
  /**
   * Key style: `json` (lowerCamelCase, proto3 canonical JSON) or `proto` (snake_case, Envoy's
   * YAML style).
   * @default "json"
   */
  keys?: 'json' | 'proto';
}

const EMPTY = new Uint8Array(0);
const SKIP = Symbol('skip');
type Out = unknown | typeof SKIP;

/** Types whose JSON form is not an object of fields. */
function hasSpecialJson(fullName: string): boolean {
  return (
    fullName in WRAPPERS || fullName === DURATION || fullName === TIMESTAMP || fullName === STRUCT ||
    fullName === VALUE || fullName === LIST_VALUE || fullName === FIELD_MASK
  );
}

// ---------------------------------------------------------------------------------------------
// Lookups, cached per type.

const fieldLookups = new Map<string, Map<string, FieldSchema>>();
function fieldLookup(schema: MessageSchema): Map<string, FieldSchema> {
  let m = fieldLookups.get(schema.fullName);
  if (!m) {
    m = new Map();
    for (const f of schema.fields) {
      m.set(f.name, f);
      m.set(f.json, f);
    }
    fieldLookups.set(schema.fullName, m);
  }
  return m;
}

interface EnumLookup {
  schema: EnumSchema;
  byName: Map<string, number>;
  byNumber: Map<number, string>;
}
const enumLookups = new Map<string, EnumLookup>();
function enumLookup(fullName: string): EnumLookup {
  let e = enumLookups.get(fullName);
  if (!e) {
    const schema = findEnumSchema(fullName);
    if (!schema) throw new Error(`unknown enum type "${fullName}"`);
    e = { schema, byName: new Map(), byNumber: new Map() };
    for (const [name, no] of schema.values) {
      e.byName.set(name, no);
      if (!e.byNumber.has(no)) e.byNumber.set(no, name);
    }
    enumLookups.set(fullName, e);
  }
  return e;
}

/** The closest candidate by edit distance, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'bigint') return 'a number';
  return `a ${typeof v}`;
}

/** `null`, or the kind and value: `a string "x"`, `a number 5`. */
function got(v: unknown): string {
  return v === null || v === undefined ? String(v) : `${kindOf(v)} ${show(v)}`;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

// ---------------------------------------------------------------------------------------------
// Reading.

class Reader {
  readonly problems: Problem[] = [];
  constructor(
    readonly strict: boolean,
    readonly warnings: Problem[],
  ) {}

  error(path: string, rule: string, message: string, value?: unknown): typeof SKIP {
    const p: Problem = { path, rule, message };
    if (value !== undefined) p.value = value;
    this.problems.push(p);
    return SKIP;
  }

  /** A strict-mode rule: an error when strict, a warning otherwise. */
  strictRule(path: string, rule: string, message: string, value?: unknown): void {
    const p: Problem = { path, rule, message };
    if (value !== undefined) p.value = value;
    (this.strict ? this.problems : this.warnings).push(p);
  }

  /** Reads a message in message context: the codec's own shape (wrappers as `{ value }`). */
  message(info: TypeInfo, json: unknown, path: string): Out {
    const name = info.fullName;
    if (name in WRAPPERS) {
      const v = this.scalar(WRAPPERS[name]!, json, path);
      return v === SKIP ? SKIP : { value: v };
    }
    if (name === STRUCT) {
      const v = this.struct(json, path);
      return v === SKIP ? SKIP : { fields: v };
    }
    if (name === VALUE) return (info.codec as unknown as { wrap(v: unknown): unknown }).wrap(this.value(json));
    if (name === LIST_VALUE) {
      const v = this.list(json, path);
      return v === SKIP ? SKIP : { values: v };
    }
    if (name === FIELD_MASK) {
      const v = this.fieldMask(json, path);
      return v === SKIP ? SKIP : { paths: v };
    }
    return this.fieldMessage(info, json, path);
  }

  /** Reads a message in field context: the shape ts-proto gives fields of that type. */
  fieldMessage(info: TypeInfo, json: unknown, path: string): Out {
    const name = info.fullName;
    if (name in WRAPPERS) return this.scalar(WRAPPERS[name]!, json, path);
    if (name === DURATION) return this.duration(json, path);
    if (name === TIMESTAMP) return this.timestamp(json, path);
    if (name === STRUCT) return this.struct(json, path);
    if (name === VALUE) return this.value(json);
    if (name === LIST_VALUE) return this.list(json, path);
    if (name === FIELD_MASK) return this.fieldMask(json, path);
    if (name === ANY) return this.any(json, path);
    if (!isPlainObject(json)) {
      return this.error(path, 'type', `expected an object (${name}), got ${got(json)}`, json);
    }
    return this.fields(info, json, path, false);
  }

  fields(info: TypeInfo, json: Record<string, unknown>, path: string, inAny: boolean): Out {
    const schema = info.schema;
    const out = info.codec.decode(EMPTY) as Record<string, unknown>;
    const lookup = fieldLookup(schema);
    const seen = new Map<FieldSchema, string>();
    const oneofSet = new Map<number, string>();
    for (const key of Object.keys(json)) {
      const v = json[key];
      if (inAny && key === '@type') continue;
      const f = lookup.get(key);
      if (!f) {
        const hint = closest(key, schema.fields.map((x) => x.name));
        this.strictRule(
          join(path, key),
          'unknown_field',
          `unknown field "${key}" in ${schema.fullName}${hint ? ` (did you mean "${hint}"?)` : ''}`,
        );
        continue;
      }
      const p = join(path, f.name);
      const prior = seen.get(f);
      if (prior !== undefined) {
        this.error(p, 'duplicate_field', `field given twice, as "${prior}" and as "${key}"`);
        continue;
      }
      seen.set(f, key);
      // null means "default" in proto3 JSON, except for google.protobuf.Value and NullValue.
      if (v === null && !((f.type === 'message' && f.ref === VALUE) || (f.type === 'enum' && f.ref === NULL_VALUE))) continue;
      if (f.oneof !== undefined) {
        const oneof = schema.oneofs![f.oneof]!;
        const other = oneofSet.get(f.oneof);
        if (other !== undefined) {
          this.error(p, 'oneof', `only one of the oneof "${oneof.name}" may be set, but "${other}" is set too`);
          continue;
        }
        const r = this.single(f, v, p);
        if (r === SKIP) continue;
        oneofSet.set(f.oneof, f.name);
        out[oneof.prop] = { $case: f.prop, [f.prop]: r };
      } else if (f.type === 'map') {
        const r = this.map(f, v, p);
        if (r !== SKIP) out[f.prop] = r;
      } else if (f.repeated) {
        let list = v;
        if (!Array.isArray(list)) {
          this.strictRule(p, 'list', `expected a list, got ${kindOf(v)} (write it as a one-item list)`, v);
          if (this.strict) continue;
          list = [v];
        }
        const items: unknown[] = [];
        (list as unknown[]).forEach((x, i) => {
          const r = this.single(f, x, `${p}[${i}]`);
          if (r !== SKIP) items.push(r);
        });
        out[f.prop] = items;
      } else {
        const r = this.single(f, v, p);
        if (r !== SKIP) out[f.prop] = r;
      }
    }
    return out;
  }

  single(f: FieldSchema, v: unknown, path: string): Out {
    if (f.type === 'message') {
      const info = findType(f.ref!);
      if (!info) return this.error(path, 'type', `type ${f.ref} is not generated`);
      return this.fieldMessage(info, v, path);
    }
    if (f.type === 'enum') return this.enumValue(f.ref!, v, path);
    if (f.type === 'group' || f.type === 'map') return this.error(path, 'type', `unsupported field kind ${f.type}`);
    return this.scalar(f.type, v, path);
  }

  map(f: FieldSchema, v: unknown, path: string): Out {
    if (!isPlainObject(v)) return this.error(path, 'type', `expected an object (a map), got ${kindOf(v)}`, v);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const kp = `${path}[${k}]`;
      const key = this.mapKey(f.key!, k, kp);
      if (key === SKIP) continue;
      const x = v[k];
      let r: Out;
      if (f.value === 'message') {
        const info = findType(f.valueRef!);
        r = info ? this.fieldMessage(info, x, kp) : this.error(kp, 'type', `type ${f.valueRef} is not generated`);
      } else if (f.value === 'enum') r = this.enumValue(f.valueRef!, x, kp);
      else r = this.scalar(f.value!, x, kp);
      if (r !== SKIP) out[key as string] = r;
    }
    return out;
  }

  mapKey(kind: string, k: string, path: string): Out {
    if (kind === 'string') return k;
    if (kind === 'bool') {
      if (k === 'true' || k === 'false') return k;
      return this.error(path, 'type', `map key must be "true" or "false", got ${show(k)}`);
    }
    const r = this.scalar(kind, k, path);
    return r === SKIP ? SKIP : String(r);
  }

  enumValue(enumName: string, v: unknown, path: string): Out {
    const e = enumLookup(enumName);
    if (enumName === NULL_VALUE && v === null) return 0;
    if (typeof v === 'string') {
      const n = e.byName.get(v);
      if (n !== undefined) return n;
      const names = [...e.byName.keys()];
      const upper = names.find((x) => x === v.toUpperCase());
      const hint = upper ?? closest(v, names);
      this.strictRule(
        path,
        'enum',
        `unknown ${enumName} value ${show(v)}${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${names.join(', ')}`,
        v,
      );
      return SKIP;
    }
    if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') {
      const n = Number(v);
      if (n < -2147483648 || n > 2147483647) return this.error(path, 'type', `enum number ${n} out of int32 range`, v);
      return n;
    }
    return this.error(path, 'type', `expected an enum name (${enumName}), got ${got(v)}`, v);
  }

  scalar(kind: string, v: unknown, path: string): Out {
    switch (kind) {
      case 'string':
        if (typeof v === 'string') return v;
        return this.error(path, 'type', `expected a string, got ${got(v)}`, v);
      case 'bool':
        if (typeof v === 'boolean') return v;
        return this.error(path, 'type', `expected true or false, got ${got(v)}`, v);
      case 'bytes': {
        if (typeof v !== 'string') return this.error(path, 'type', `expected base64 bytes, got ${kindOf(v)}`, v);
        if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return this.error(path, 'type', `invalid base64 ${show(v)}`, v);
        return Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
      }
      case 'float':
      case 'double': {
        let n: number;
        if (typeof v === 'number') n = v;
        else if (typeof v === 'bigint') n = Number(v);
        else if (v === 'NaN') n = NaN;
        else if (v === 'Infinity') n = Infinity;
        else if (v === '-Infinity') n = -Infinity;
        else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) n = Number(v);
        else return this.error(path, 'type', `expected a number, got ${got(v)}`, v);
        if (kind === 'float') {
          if (Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) {
            return this.error(path, 'type', `${show(v)} is out of range for float`, v);
          }
          return Math.fround(n); // what a float field holds on the wire
        }
        return n;
      }
      case 'int32':
      case 'sint32':
      case 'sfixed32':
      case 'uint32':
      case 'fixed32': {
        const n = this.integer(v, path);
        if (n === SKIP) return SKIP;
        const unsigned = kind === 'uint32' || kind === 'fixed32';
        const min = unsigned ? 0n : -2147483648n;
        const max = unsigned ? 4294967295n : 2147483647n;
        if ((n as bigint) < min || (n as bigint) > max) {
          return this.error(path, 'type', `${show(v)} is out of range for ${kind} (${min} to ${max})`, v);
        }
        return Number(n);
      }
      case 'int64':
      case 'sint64':
      case 'sfixed64':
      case 'uint64':
      case 'fixed64': {
        const n = this.integer(v, path);
        if (n === SKIP) return SKIP;
        const unsigned = kind === 'uint64' || kind === 'fixed64';
        const min = unsigned ? 0n : -(2n ** 63n);
        const max = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
        if ((n as bigint) < min || (n as bigint) > max) {
          return this.error(path, 'type', `${show(v)} is out of range for ${kind}`, v);
        }
        return (n as bigint).toString();
      }
      default:
        return this.error(path, 'type', `unsupported scalar kind ${kind}`);
    }
  }

  integer(v: unknown, path: string): Out {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return BigInt(v);
      return this.error(path, 'type', `expected an integer, got ${v}`, v);
    }
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
    if (typeof v === 'string' && /^-?\d+(\.0*)?(e\+?\d+)?$/i.test(v.trim())) {
      const n = Number(v);
      if (Number.isSafeInteger(n)) return BigInt(n);
    }
    return this.error(path, 'type', `expected an integer, got ${got(v)}`, v);
  }

  duration(v: unknown, path: string): Out {
    if (typeof v !== 'string') {
      return this.error(path, 'type', `expected a duration string like "1.5s", got ${got(v)}`, v);
    }
    const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v);
    if (!m) return this.error(path, 'type', `invalid duration ${show(v)}: expected seconds with an "s" suffix, like "1.5s"`, v);
    const sign = m[1] ? -1n : 1n;
    const seconds = BigInt(m[2]!) * sign;
    if (seconds > 315576000000n || seconds < -315576000000n) {
      return this.error(path, 'type', `duration ${show(v)} out of range (±315576000000s)`, v);
    }
    const nanos = m[3] ? Number(m[3].padEnd(9, '0')) * Number(sign) : 0;
    return { seconds: seconds.toString(), nanos: nanos === 0 ? 0 : nanos };
  }

  timestamp(v: unknown, path: string): Out {
    if (typeof v !== 'string') return this.error(path, 'type', `expected an RFC 3339 timestamp, got ${kindOf(v)}`, v);
    const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(v);
    let ms = NaN;
    if (m) {
      const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
      // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
      const back = new Date(0);
      back.setUTCFullYear(y, mo - 1, d);
      back.setUTCHours(h, mi, se, 0);
      const utc = back.getTime();
      // Dates roll impossible days over (Feb 30 → Mar 1): reject them instead.
      const exact = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === se;
      const zone = m[8]!.toUpperCase();
      const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
      const zoneOk = zone === 'Z' || (Number(zone.slice(1, 3)) < 24 && Number(zone.slice(4, 6)) < 60);
      if (exact && zoneOk && mo >= 1 && mo <= 12) ms = utc - offset * 60_000;
    }
    if (!m || Number.isNaN(ms)) {
      return this.error(path, 'type', `invalid timestamp ${show(v)}: expected RFC 3339 like "2024-01-02T03:04:05Z"`, v);
    }
    const seconds = Math.floor(ms / 1000);
    if (seconds < -62135596800 || seconds > 253402300799) return this.error(path, 'type', `timestamp ${show(v)} out of range`, v);
    return { seconds: String(seconds), nanos: m[7] ? Number(m[7].padEnd(9, '0')) : 0 };
  }

  /** FieldMask JSON: one string, comma-separated lowerCamelCase paths → snake_case paths. */
  fieldMask(v: unknown, path: string): Out {
    if (typeof v !== 'string') return this.error(path, 'type', `expected a field mask string like "fooBar,baz.qux", got ${got(v)}`, v);
    if (v === '') return [];
    const paths = v.split(',');
    for (const p of paths) {
      if (!/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/.test(p)) {
        return this.error(path, 'type', `invalid field mask path ${show(p)}: expected lowerCamelCase names joined by "."`, v);
      }
    }
    return paths.map((p) => p.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()));
  }

  struct(v: unknown, path: string): Out {
    if (!isPlainObject(v)) return this.error(path, 'type', `expected an object (Struct), got ${kindOf(v)}`, v);
    return this.value(v) as Record<string, unknown>;
  }

  list(v: unknown, path: string): Out {
    if (!Array.isArray(v)) return this.error(path, 'type', `expected a list (ListValue), got ${kindOf(v)}`, v);
    return this.value(v) as unknown[];
  }

  /** Plain JSON for Struct/Value/ListValue; bigints from YAML become numbers. */
  value(v: unknown): unknown {
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = this.value(v[k]);
      return out;
    }
    return v;
  }

  any(v: unknown, path: string): Out {
    if (!isPlainObject(v)) return this.error(path, 'type', `expected an object with "@type", got ${kindOf(v)}`, v);
    const typeUrl = v['@type'];
    if (typeof typeUrl !== 'string' || typeUrl === '') {
      this.strictRule(path, 'any_type', `"@type" is ${typeUrl === undefined ? 'missing' : 'empty'}: an Any needs its type URL`);
      return SKIP;
    }
    const info = findType(typeUrl);
    if (!info) {
      const name = typeNameOfUrl(typeUrl);
      this.strictRule(path, 'any_type', `@type ${show(typeUrl)} is not a known type (${name} is not in the registry)`, typeUrl);
      return SKIP;
    }
    const before = this.problems.length;
    let msg: Out;
    if (hasSpecialJson(info.fullName)) {
      for (const k of Object.keys(v)) {
        if (k !== '@type' && k !== 'value') this.strictRule(join(path, k), 'unknown_field', `unknown field "${k}" in an Any of ${info.fullName}`);
      }
      msg = this.message(info, v['value'], join(path, 'value'));
    } else {
      msg = this.fields(info, v, path, true);
    }
    if (msg === SKIP || this.problems.length > before) return SKIP;
    const typeUrlOut = typeUrl.includes('/') ? typeUrl : TYPE_URL_PREFIX + typeUrl;
    return { typeUrl: typeUrlOut, value: markCanonical(Buffer.from(encode(info.fullName, msg as never))) };
  }
}

/**
 * Reads proto3 JSON (already parsed: objects, lists, strings, numbers, bigints) into a message.
 *
 * Throws {@link XdsValidationError} listing every problem; in lenient mode the strict-only
 * problems go to `options.warnings` instead.
 *
 * @example fromJson('envoy.config.cluster.v3.Cluster', { name: 'api', connect_timeout: '1s' })
 */
export function fromJson<R extends TypeRef>(type: R, value: unknown, options: ReadOptions = {}): MessageOf<R> {
  const info = typeInfo(type);
  const warnings = options.warnings ?? [];
  const reader = new Reader(options.strict ?? true, warnings);
  const path = options.path ?? '';
  const out = reader.message(info, value, path);
  if (!options.warnings) {
    // Lenient reading with nowhere to put warnings: say them on the process, never drop them.
    for (const w of warnings) process.emitWarning(formatProblem(w), { type: 'XdsWarning', code: w.rule });
  }
  if (reader.problems.length || out === SKIP) {
    throw new XdsValidationError(
      reader.problems,
      `invalid ${info.fullName}${path ? ` at ${path}` : ''}: ${reader.problems.length} problem${reader.problems.length === 1 ? '' : 's'}`,
    );
  }
  return out as MessageOf<R>;
}

// ---------------------------------------------------------------------------------------------
// Writing.

class Writer {
  readonly problems: Problem[] = [];
  constructor(readonly proto: boolean) {}

  key(f: FieldSchema): string {
    return this.proto ? f.name : f.json;
  }

  message(info: TypeInfo, msg: unknown, path: string): unknown {
    const name = info.fullName;
    const m = msg as Record<string, unknown>;
    if (name in WRAPPERS) return this.scalar(WRAPPERS[name]!, m.value);
    if (name === STRUCT) return this.plain(m.fields ?? {});
    if (name === VALUE) return this.plain((info.codec as unknown as { unwrap(v: unknown): unknown }).unwrap(m));
    if (name === LIST_VALUE) return this.plain(m.values ?? []);
    if (name === FIELD_MASK) return formatFieldMask((m.paths as string[] | undefined) ?? []);
    return this.fieldMessage(info, msg, path);
  }

  fieldMessage(info: TypeInfo, v: unknown, path: string): unknown {
    const name = info.fullName;
    if (name in WRAPPERS) return this.scalar(WRAPPERS[name]!, v);
    if (name === DURATION) return formatDuration(v as { seconds?: string; nanos?: number });
    if (name === TIMESTAMP) return formatTimestamp(v as { seconds?: string; nanos?: number });
    if (name === STRUCT || name === VALUE || name === LIST_VALUE) return this.plain(v);
    if (name === FIELD_MASK) return formatFieldMask(v as string[]);
    if (name === ANY) return this.any(v as { typeUrl?: string; value?: Uint8Array }, path);
    return this.fields(info, v as Record<string, unknown>, path);
  }

  fields(info: TypeInfo, m: Record<string, unknown>, path: string, out: Record<string, unknown> = {}): Record<string, unknown> {
    const oneofs = info.schema.oneofs;
    const base = baseOf(info);
    for (const f of info.schema.fields) {
      const p = join(path, f.name);
      let v: unknown;
      let present: boolean;
      if (f.oneof !== undefined) {
        const u = m[oneofs![f.oneof]!.prop] as Record<string, unknown> | undefined;
        present = !!u && u.$case === f.prop;
        v = present ? u![f.prop] : undefined;
        if (present && v === undefined && f.type === 'message') present = false;
      } else {
        v = m[f.prop];
        present =
          f.type === 'message' && f.ref === VALUE && !f.repeated
            ? v !== undefined
            : isScalarDefault(f) && base[f.prop] !== undefined
              ? v !== undefined && v !== null && v !== base[f.prop] && !(v === 0 && base[f.prop] === 0 && Object.is(v, -0) === false)
              : v !== undefined && v !== null && !this.isDefault(f, v);
      }
      if (!present) continue;
      if (f.type === 'map') {
        const obj = v as Record<string, unknown>;
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(obj).sort()) {
          const x = obj[k];
          if (x === undefined) continue;
          const kp = `${p}[${k}]`;
          if (f.value === 'message') o[k] = this.fieldMessage(typeInfo(f.valueRef!), x, kp);
          else if (f.value === 'enum') o[k] = this.enumName(f.valueRef!, x as number);
          else o[k] = this.scalar(f.value!, x);
        }
        out[this.key(f)] = o;
      } else if (f.repeated) {
        out[this.key(f)] = (v as unknown[]).map((x, i) => this.single(f, x, `${p}[${i}]`));
      } else {
        out[this.key(f)] = this.single(f, v, p);
      }
    }
    return out;
  }

  isDefault(f: FieldSchema, v: unknown): boolean {
    if (f.type === 'map') return Object.keys(v as object).length === 0;
    if (f.repeated) return (v as unknown[]).length === 0;
    if (f.optional || f.type === 'message') return false;
    switch (f.type) {
      case 'string':
        return v === '';
      case 'bool':
        return v === false;
      case 'bytes':
        return (v as Uint8Array).length === 0;
      case 'int64':
      case 'uint64':
      case 'sint64':
      case 'fixed64':
      case 'sfixed64':
        return v === '0' || v === 0;
      default:
        return v === 0 && !Object.is(v, -0);
    }
  }

  single(f: FieldSchema, v: unknown, path: string): unknown {
    if (f.type === 'message') return this.fieldMessage(typeInfo(f.ref!), v, path);
    if (f.type === 'enum') return this.enumName(f.ref!, v as number);
    return this.scalar(f.type, v);
  }

  enumName(enumName: string, n: number): unknown {
    if (enumName === NULL_VALUE) return null;
    return enumLookup(enumName).byNumber.get(n) ?? n;
  }

  scalar(kind: string, v: unknown): unknown {
    switch (kind) {
      case 'bytes':
        return Buffer.from(v as Uint8Array).toString('base64');
      case 'float':
      case 'double': {
        const n = v as number;
        if (Number.isNaN(n)) return 'NaN';
        if (n === Infinity) return 'Infinity';
        if (n === -Infinity) return '-Infinity';
        return n;
      }
      case 'int64':
      case 'uint64':
      case 'sint64':
      case 'fixed64':
      case 'sfixed64':
        return String(v);
      default:
        return v;
    }
  }

  plain(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.plain(x));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = this.plain(x);
      }
      return out;
    }
    return v;
  }

  any(a: { typeUrl?: string; value?: Uint8Array }, path: string): unknown {
    const typeUrl = a.typeUrl ?? '';
    const info = typeUrl ? findType(typeUrl) : undefined;
    if (!info) {
      this.problems.push({
        path,
        rule: 'any_type',
        message: typeUrl ? `@type ${show(typeUrl)} is not a known type: cannot write it as JSON` : 'Any has an empty type URL',
        value: typeUrl || undefined,
      });
      return { '@type': typeUrl };
    }
    const inner = info.codec.decode(a.value ?? EMPTY);
    if (hasSpecialJson(info.fullName)) return { '@type': typeUrl, value: this.message(info, inner, join(path, 'value')) };
    return this.fields(info, inner as Record<string, unknown>, path, { '@type': typeUrl });
  }
}

const bases = new Map<string, Record<string, unknown>>();
/** The decoded default of a type: proto2 fields may have non-zero defaults (`[default = true]`). */
function baseOf(info: TypeInfo): Record<string, unknown> {
  let b = bases.get(info.fullName);
  if (!b) bases.set(info.fullName, (b = info.codec.decode(EMPTY) as Record<string, unknown>));
  return b;
}

function isScalarDefault(f: FieldSchema): boolean {
  return !f.repeated && !f.optional && f.type !== 'message' && f.type !== 'map' && f.type !== 'bytes';
}

/** Formats FieldMask paths the proto3 JSON way: lowerCamelCase, comma-separated. */
export function formatFieldMask(paths: readonly string[]): string {
  return paths.map((p) => p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(',');
}

/** Formats a Duration the proto3 JSON way: seconds with 0, 3, 6 or 9 fractional digits. */
export function formatDuration(d: { seconds?: string | number; nanos?: number }): string {
  const s = BigInt(d.seconds ?? 0);
  const n = d.nanos ?? 0;
  const negative = s < 0n || n < 0;
  const abs = (s < 0n ? -s : s).toString();
  return `${negative ? '-' : ''}${abs}${fraction(Math.abs(n))}s`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const nine = String(nanos).padStart(9, '0');
  if (nine.endsWith('000000')) return '.' + nine.slice(0, 3);
  if (nine.endsWith('000')) return '.' + nine.slice(0, 6);
  return '.' + nine;
}

/** Formats a Timestamp as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits. */
export function formatTimestamp(t: { seconds?: string | number; nanos?: number }): string {
  const iso = new Date(Number(t.seconds ?? 0) * 1000).toISOString(); // ...T..:..:..000Z
  return iso.slice(0, 19) + fraction(t.nanos ?? 0) + 'Z';
}

/**
 * Writes a message as proto3 canonical JSON (a plain value, not a string).
 *
 * Default values are left out, as proto3 JSON does; enums are written by name, 64-bit integers
 * as strings, Any with `@type`. Throws {@link XdsValidationError} for an Any whose type is not
 * registered (it cannot be written as JSON).
 */
export function toJson<R extends TypeRef>(type: R, message: MessageOf<R>, options: WriteOptions = {}): any {
  const info = typeInfo(type);
  const writer = new Writer(options.keys === 'proto');
  const out = writer.message(info, message, '');
  if (writer.problems.length) throw new XdsValidationError(writer.problems, `cannot write ${info.fullName} as JSON`);
  return out;
}
