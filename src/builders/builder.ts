/**
 * The base of every builder: a draft message, the `.set()` / `.with()` escape hatches, props
 * objects, and `build()` (a fresh copy, validated).
 *
 * A builder holds a draft of the generated message it builds. Each chainable method writes one
 * Envoy field (or a few, for an intent such as `.roundRobin()`) into the draft. Nested builders
 * given to a method are turned into messages when they are added (their state at that moment is
 * copied), so adding a builder and then changing it does not change what was added.
 *
 * `build()` returns a fresh plain generated message — never a wrapper — and validates it with the
 * validation layer, throwing one `XdsValidationError` with every problem. Building twice gives two
 * independent objects.
 *
 * Copies are kept to one per `build()`: a parent takes a nested builder's message without
 * copying it (the nested builder copies its draft before its next change: copy on write), and
 * packing into an Any reads the draft directly.
 */
import { pack, typeInfo, type Any, type MessageOf, type TypeInfo, type TypeName, type TypeRef } from '../registry/codec.js';
import { XdsValidationError, formatProblem, isXdsValidationError, type Problem } from '../registry/errors.js';
import { Unpacker } from '../validate/unpack.js';
import { validate } from '../validate/validate.js';

/**
 * Anything that can go into a `typed_config`: a builder, or a message with its type
 * (see {@link typed}).
 */
export interface TypedConfig<T = unknown> {
  /** Full proto name of the message, e.g. `envoy.extensions.filters.http.router.v3.Router`. */
  readonly typeName: string;
  /** The message (not validated: the enclosing resource is validated as a whole). */
  toMessage(): T;
}

/**
 * A message paired with its type, for places that take a typed config (`typed_config`,
 * `typed_per_filter_config`, `typed_extension_protocol_options`).
 *
 * @example typed('envoy.extensions.filters.http.lua.v3.LuaPerRoute', { override: { $case: 'disabled', disabled: true } })
 */
export function typed<R extends TypeRef>(type: R, message: MessageOf<R>): TypedConfig<MessageOf<R>> {
  const typeName = typeInfo(type).fullName;
  return { typeName, toMessage: () => deepCopy(message), [PEEK]: () => message } as TypedConfig<MessageOf<R>>;
}

/** Packs a typed config into a `google.protobuf.Any` (through the registry's `pack`). */
export function packConfig(config: TypedConfig): Any {
  if (config instanceof MessageBuilder) return packBuilder(config);
  return pack(config.typeName, peekMessage(config) as never);
}

/**
 * The message an Any a builder packed was encoded from: a property of the Any under this
 * symbol, not enumerable, so copies, JSON and equality never see it.
 *
 * A builder's message is taken (see {@link TAKE}) when it is packed, so it never changes after:
 * the builder copies its draft before its next change, and parents never change the objects of
 * a message they took. `build()` hands these messages to the validation (see `Unpacker.seed`)
 * for the copies of the Anys it makes, so the validation checks what was encoded without
 * decoding it again. Decoding the HttpConnectionManagers of a listener is most of what
 * validating it costs.
 */
const SOURCE = Symbol('xdskit.builders.source');
interface Source {
  info: TypeInfo;
  message: unknown;
  /** The Any's `value` when it was packed: an Any whose value was replaced since is decoded. */
  bytes: Uint8Array;
}
const sourceOf = (any: object): Source | undefined => (any as Record<symbol, Source | undefined>)[SOURCE];

/** Packs a builder's message, remembering which message the Any holds (see {@link SOURCE}). */
export function packBuilder(builder: { readonly typeName: TypeName; [TAKE](): object }): Any {
  return packMessage(builder.typeName, builder[TAKE]());
}

/**
 * Packs a message that nothing will change afterwards (a builder's own, replaced rather than
 * changed), remembering which message the Any holds (see {@link SOURCE}).
 */
export function packMessage(typeName: string, message: object): Any {
  const info = typeInfo(typeName);
  const any = pack(info.fullName, message as never);
  Object.defineProperty(any, SOURCE, { value: { info, message, bytes: any.value } });
  return any;
}

/**
 * While `build()` copies its draft: the copies of Anys packed by a builder (see {@link SOURCE}), with the
 * message each holds. Undefined otherwise.
 */
let copiedAnys: Map<object, Source> | undefined;

/**
 * A deep copy of a plain message: objects and arrays copied, bytes copied, `undefined`
 * properties dropped.
 */
export function deepCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  return copyValue(value) as T;
}

/** A copy of an object value: an array, bytes, a plain object or a class instance. */
function copyValue(value: object): unknown {
  if (Array.isArray(value)) return copyArray(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value as unknown as Uint8Array);
  return copyObject(value as Record<string, unknown>);
}

function copyArray(value: unknown[]): unknown[] {
  const n = value.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = value[i];
    out[i] = typeof v === 'object' && v !== null ? copyValue(v) : v;
  }
  return out;
}

// Plain objects (the generated messages are plain objects) are walked with `for...in`, which
// reads V8's enum cache instead of allocating a key array as `Object.keys` does: a build copies
// thousands of small objects, and those arrays were a quarter of what building allocated.
// Anything else (a class instance) goes through `Object.keys` (own enumerable properties only).
function copyObject(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // Only an object with a `typeUrl` can be an Any a builder packed (see SOURCE): the symbol
    // lookup is skipped for every other object.
    let any = false;
    for (const k in value) {
      const v = value[k];
      if (k === 'typeUrl') any = true;
      if (v !== undefined) out[k] = typeof v === 'object' && v !== null ? copyValue(v) : v;
    }
    if (any && copiedAnys !== undefined) {
      const source = sourceOf(value);
      if (source !== undefined && source.bytes === value.value && source.info.typeUrl === value.typeUrl) copiedAnys.set(out, source);
    }
    return out;
  }
  for (const k of Object.keys(value)) {
    const v = value[k];
    if (v !== undefined) out[k] = typeof v === 'object' && v !== null ? copyValue(v) : v;
  }
  return out;
}

/**
 * Reads a builder's message without copying it, for a caller that neither keeps nor changes it
 * (packing into an Any). Internal to the builders.
 */
export const PEEK = Symbol('xdskit.builders.peek');
/**
 * Takes a builder's message without copying it, for a parent builder that keeps it in its own
 * draft; the builder copies its draft before its next change. The parent never changes the
 * objects of a taken message (it replaces them). Internal to the builders.
 */
export const TAKE = Symbol('xdskit.builders.take');

/** The message of a typed config, read without a copy when it is a builder. */
export function peekMessage<T>(config: TypedConfig<T>): T {
  const peek = (config as unknown as Record<symbol, (() => T) | undefined>)[PEEK];
  return peek ? peek.call(config) : config.toMessage();
}

/** The message of a builder, taken without a copy (see {@link TAKE}). */
export function takeMessage<T extends object>(builder: MessageBuilder<T>): T {
  return builder[TAKE]();
}

/** Marks an error thrown by {@link fail} without an owner: the builder method it escapes names it. */
const UNOWNED = Symbol('xdskit.builders.unowned');

/**
 * Throws an `XdsValidationError` for one problem found while building (a bad duration, address,
 * or a name added twice), with a one-line message naming what was being built:
 * `cluster "api": connect_timeout: invalid duration "5 s": ... (rule: duration)`.
 *
 * Without `owner`, the builder method the error escapes adds its own name (see
 * {@link MessageBuilder}).
 */
export function fail(problem: Problem, owner?: string): never {
  const err = new XdsValidationError([problem]);
  err.message = `${owner ? `${owner}: ` : ''}${problem.path ? formatProblem(problem) : `${problem.message} (rule: ${problem.rule})`}`;
  if (!owner) Object.defineProperty(err, UNOWNED, { value: true });
  throw err;
}

/**
 * Throws one `XdsValidationError` for the problems a builder found in its own state (an option
 * that contradicts another), naming the builder: one problem gives a one-line message as
 * {@link fail} does; several, a first line counting them and one line each.
 */
export function failAll(problems: Problem[], owner: string): void {
  if (problems.length === 0) return;
  if (problems.length === 1) fail(problems[0]!, owner);
  const err = new XdsValidationError(problems);
  err.message = [`${owner}: ${problems.length} problems`, ...problems.map((p) => `  ${formatProblem(p)}`)].join('\n');
  throw err;
}

/** Throws the error for a name (route, filter, domain, cluster...) added twice. */
export function duplicate(owner: string, path: string, what: string, name: string): never {
  fail({ path, rule: 'unique', message: `${what} ${JSON.stringify(name)} is already added; each ${what} must be unique`, value: name }, owner);
}

const labelled = new WeakSet<object>();

type Method = (this: object, ...args: unknown[]) => unknown;

function relabel(e: unknown, builder: object): never {
  if (isXdsValidationError(e) && (e as unknown as Record<symbol, unknown>)[UNOWNED] && e.problems.length === 1) {
    fail(e.problems[0]!, (builder as { label: string }).label);
  }
  throw e;
}

/** A method that re-throws an unowned build error naming its builder (calls passed by arity, no rest array). */
function labelling(method: Method): Method {
  return function (this: object, a?: unknown, b?: unknown, c?: unknown) {
    try {
      switch (arguments.length) {
        case 0:
          return method.call(this);
        case 1:
          return method.call(this, a);
        case 2:
          return method.call(this, a, b);
        case 3:
          return method.call(this, a, b, c);
        default:
          return method.apply(this, arguments as unknown as unknown[]);
      }
    } catch (e) {
      relabel(e, this);
    }
  };
}

/**
 * Wraps the methods of a builder class (and its builder superclasses) once, so that an error
 * {@link fail} threw without an owner — from `parseDuration`, `toAddress` and the other value
 * parsers — names the builder whose method was called.
 */
function labelErrors(proto: object, stop: object): void {
  for (let p: object | null = proto; p && p !== stop; p = Object.getPrototypeOf(p)) {
    if (labelled.has(p)) break;
    labelled.add(p);
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === 'constructor' || key === 'finish') continue;
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (!d || typeof d.value !== 'function') continue;
      Object.defineProperty(p, key, { ...d, value: labelling(d.value as Method) });
    }
  }
}

const ARGS = Symbol('xdskit.builders.args');

/** Several arguments of one method in a props object (see {@link args}). */
export interface Args<P extends unknown[]> {
  /** The arguments, in order. */
  readonly [ARGS]: P;
}

/**
 * Passes several arguments to a method from a props object (a plain value passes the first
 * one): `cluster('api', { circuitBreakers: args({ maxRequests: 100 }, 'HIGH') })` calls
 * `.circuitBreakers({ maxRequests: 100 }, 'HIGH')`, `{ domains: args('a.example', 'b.example') }`
 * calls `.domains('a.example', 'b.example')`.
 *
 * @example routeConfig('r', { requestHeaders: args({ 'x-env': 'prod' }, 'OVERWRITE_IF_EXISTS_OR_ADD') })
 */
export function args<P extends unknown[]>(...values: P): Args<P> {
  return { [ARGS]: values };
}

function isArgs(value: unknown): value is Args<unknown[]> {
  return typeof value === 'object' && value !== null && ARGS in value;
}

/**
 * A props object of builder `B`: each key a chainable method, its value the method's first
 * argument, or all its arguments with {@link args}; `true` calls a method whose argument is
 * optional without it (`{ roundRobin: true }`).
 */
export type Props<B> = {
  [K in keyof B as K extends 'set' | 'with' | 'props' | 'build' | 'toMessage' ? never : B[K] extends (...args: any[]) => B ? K : never]?: B[K] extends (
    ...args: infer P
  ) => B
    ? P extends []
      ? true
      : (undefined extends P[0] ? P[0] | true : P[0]) | Args<P>
    : never;
};

/**
 * The base class of every builder: holds the draft message of type `T` (full name `typeName`).
 */
export abstract class MessageBuilder<T extends object> implements TypedConfig<T> {
  /** Full proto name of the message this builder builds. */
  declare readonly typeName: TypeName;
  // Assigned in the constructor rather than as class fields: builders are made by the thousand.
  private declare current: T;
  /** True while objects of `current` are also held elsewhere (a parent's draft): copy before changing. */
  private declare shared: boolean;
  private declare transforms: ((message: T) => T | void)[] | undefined;

  constructor(typeName: TypeName, init: T) {
    this.typeName = typeName;
    this.current = init;
    this.shared = false;
    this.transforms = undefined;
    labelErrors(new.target.prototype, MessageBuilder.prototype);
  }

  /** The draft message this builder writes into (a private copy once it was taken by a parent). */
  protected get draft(): T {
    if (this.shared) {
      this.current = deepCopy(this.current);
      this.shared = false;
    }
    return this.current;
  }

  /** What this builder is, in error messages: `cluster "api"`. */
  protected abstract get label(): string;

  /**
   * Sets any fields of the message directly (shallow: each given field replaces the draft's).
   *
   * The escape hatch for fields no chainable method covers; values are generated message shapes
   * (camelCase properties, oneofs as `{ $case, ... }`, wrappers as bare values).
   */
  set(fields: Partial<T>): this {
    Object.assign(this.draft, deepCopy(fields));
    return this;
  }

  /**
   * Registers a function that may change the finished message (or return a replacement) just
   * before it is validated; functions run in the order given.
   */
  with(fn: (message: T) => T | void): this {
    (this.transforms ??= []).push(fn);
    return this;
  }

  /**
   * Applies a props object: each key names a chainable method of this builder, called with the
   * value as its argument (`true`: called without argument, for `{ roundRobin: true }`;
   * {@link args}: called with several arguments).
   */
  props(props: Props<this> | undefined): this {
    if (!props) return this;
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined) continue;
      const method = (this as unknown as Record<string, unknown>)[key];
      if (typeof method !== 'function' || key === 'constructor' || key.startsWith('_')) {
        fail({ path: '', rule: 'props', message: `unknown property ${JSON.stringify(key)}`, value: key }, this.label);
      }
      if (value === true) method.call(this);
      else if (isArgs(value)) method.apply(this, value[ARGS]);
      else method.call(this, value);
    }
    return this;
  }

  /**
   * Fills in what the draft leaves to be derived (defaults Envoy needs, ordering). It gets a
   * shallow copy of the draft: it may set fields, never change the objects they hold.
   */
  protected finish(message: T): T {
    return message;
  }

  /** The finished message; shares objects with the draft unless `.with()` functions ran. */
  [PEEK](): T {
    if (!this.transforms) return this.finish({ ...this.current });
    let m = this.finish(deepCopy(this.current));
    for (const fn of this.transforms) m = fn(m) ?? m;
    return m;
  }

  /** The finished message for a parent to keep; the draft is copied before the next change. */
  [TAKE](): T {
    const m = this[PEEK]();
    this.shared = true;
    return m;
  }

  /**
   * The message, not validated: a fresh copy of the draft with the derived fields filled in and
   * the `.with()` functions applied.
   */
  toMessage(): T {
    return this.transforms ? this[PEEK]() : deepCopy(this[PEEK]());
  }

  /**
   * The finished message: a fresh plain generated message, validated.
   *
   * @throws XdsValidationError with every problem found (field rules and Envoy's semantic rules).
   */
  build(): T {
    // The copy records the Anys it copies that a builder packed, so that the validation gets
    // the messages they were encoded from instead of decoding them. Not when `.with()`
    // functions ran on the copy: they may have changed an Any.
    const anys = new Unpacker();
    let m: T;
    if (this.transforms) m = this.toMessage();
    else {
      const outer = copiedAnys;
      copiedAnys = new Map();
      try {
        m = this.toMessage();
        for (const [any, { info, message }] of copiedAnys) anys.seed(any as Any, info, message);
      } finally {
        copiedAnys = outer;
      }
    }
    const result = validate(this.typeName, m, {}, anys);
    if (!result.ok) {
      const n = result.errors.length;
      throw new XdsValidationError(result.errors, `invalid ${this.label}: ${n} problem${n === 1 ? '' : 's'}`);
    }
    return m;
  }
}

/** Writes `value` under `key` of a map field, creating the map. */
export function putMap<V>(map: { [k: string]: V } | undefined, key: string, value: V): { [k: string]: V } {
  const m = map ?? {};
  m[key] = value;
  return m;
}

/** Appends to a list field, creating it. */
export function push<V>(list: V[] | undefined, ...values: V[]): V[] {
  const l = list ?? [];
  l.push(...values);
  return l;
}
