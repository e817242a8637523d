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
 */
import { pack, typeInfo, type Any, type MessageOf, type TypeName, type TypeRef } from '../registry/codec.js';
import { XdsValidationError, formatProblem, isXdsValidationError, type Problem } from '../registry/errors.js';
import { assertValid } from '../validate/index.js';

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
  return { typeName, toMessage: () => deepCopy(message) };
}

/** Packs a typed config into a `google.protobuf.Any` (through the registry's `pack`). */
export function packConfig(config: TypedConfig): Any {
  return pack(config.typeName, config.toMessage() as never);
}

/**
 * A deep copy of a plain message: objects and arrays copied, bytes copied, `undefined`
 * properties dropped.
 */
export function deepCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = deepCopy(value[i]);
    return out as T;
  }
  if (value instanceof Uint8Array) return Buffer.from(value) as T;
  const out: Record<string, unknown> = {};
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = deepCopy(v);
  }
  return out as T;
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

/** Throws the error for a name (route, filter, domain, cluster...) added twice. */
export function duplicate(owner: string, path: string, what: string, name: string): never {
  fail({ path, rule: 'unique', message: `${what} ${JSON.stringify(name)} is already added; each ${what} must be unique`, value: name }, owner);
}

const labelled = new WeakSet<object>();

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
      const method = d.value as (...args: unknown[]) => unknown;
      Object.defineProperty(p, key, {
        ...d,
        value: function (this: MessageBuilder<object>, ...args: unknown[]) {
          try {
            return method.apply(this, args);
          } catch (e) {
            if (isXdsValidationError(e) && (e as unknown as Record<symbol, unknown>)[UNOWNED] && e.problems.length === 1) {
              fail(e.problems[0]!, (this as unknown as { label: string }).label);
            }
            throw e;
          }
        },
      });
    }
  }
}

/**
 * A props object of builder `B`: each key a chainable method, its value the method's (first)
 * argument; `true` calls a method whose argument is optional without it (`{ roundRobin: true }`).
 */
export type Props<B> = {
  [K in keyof B as K extends 'set' | 'with' | 'props' | 'build' | 'toMessage' ? never : B[K] extends (...args: any[]) => B ? K : never]?: B[K] extends (
    ...args: infer P
  ) => B
    ? P extends []
      ? true
      : undefined extends P[0]
        ? P[0] | true
        : P[0]
    : never;
};

/**
 * The base class of every builder: holds the draft message of type `T` (full name `typeName`).
 */
export abstract class MessageBuilder<T extends object> implements TypedConfig<T> {
  /** The draft message this builder writes into. */
  protected readonly draft: T;
  private transforms?: ((message: T) => T | void)[];

  constructor(
    /** Full proto name of the message this builder builds. */
    readonly typeName: TypeName,
    init: T,
  ) {
    this.draft = init;
    labelErrors(new.target.prototype, MessageBuilder.prototype);
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
    Object.assign(this.draft, fields);
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
   * value as its argument (`true`: called without argument, for `{ roundRobin: true }`).
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
      else method.call(this, value);
    }
    return this;
  }

  /** Fills in what the draft leaves to be derived (defaults Envoy needs, ordering). */
  protected finish(message: T): T {
    return message;
  }

  /**
   * The message, not validated: a fresh copy of the draft with the derived fields filled in and
   * the `.with()` functions applied.
   */
  toMessage(): T {
    let m = this.finish(deepCopy(this.draft));
    if (this.transforms) for (const fn of this.transforms) m = fn(m) ?? m;
    return m;
  }

  /**
   * The finished message: a fresh plain generated message, validated.
   *
   * @throws XdsValidationError with every problem found (field rules and Envoy's semantic rules).
   */
  build(): T {
    const m = this.toMessage();
    try {
      assertValid(this.typeName, m);
    } catch (e) {
      if (!isXdsValidationError(e)) throw e;
      const n = e.problems.length;
      throw new XdsValidationError(e.problems, `invalid ${this.label}: ${n} problem${n === 1 ? '' : 's'}`);
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
