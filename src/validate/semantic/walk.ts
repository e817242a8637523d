/**
 * A schema-driven walk over a message and every message nested in it, Anys included.
 *
 * The walk follows the runtime descriptor (`findMessageSchema`): singular, repeated, oneof and
 * map fields, and unpacks every `google.protobuf.Any` it meets by its type URL, so a rule
 * registered for `HttpConnectionManager` also runs on the HCM inside a listener's
 * `typed_config`. Subtrees that cannot hold a type of interest are skipped: the set of types
 * that can reach a target (through fields or through an Any) is computed once per target set.
 *
 * Paths use Envoy's field names: `filter_chains[0].filters[0].typed_config.http_filters[1]`.
 * An Any adds nothing to the path: its message's fields follow the Any field's name, as in
 * Envoy's YAML. Map entries are `field[key]`.
 */
import type { Any } from '../../registry/codec.js';
import { findMessageSchema, messageNames, type FieldSchema, type MessageSchema } from '../../registry/schema.js';
import { typeOfUrl, Unpacker } from '../unpack.js';
import { ANY, DURATION, OPAQUE as SPECIAL_SHAPES, TIMESTAMP, WRAPPERS } from '../rules/types.js';

/**
 * Well-known types whose values are not messages worth walking: wrappers (bare primitives in
 * ts-proto), Duration, Timestamp, Struct, Value, ListValue, FieldMask, Empty.
 */
const OPAQUE: ReadonlySet<string> = new Set([...Object.keys(WRAPPERS), ...SPECIAL_SHAPES, DURATION, TIMESTAMP, 'google.protobuf.Empty']);

/** One message reached by {@link walk}, with the chain of messages that contain it. */
export interface Visit {
  /** Full proto name of the message's type. */
  readonly type: string;
  /** The message (a decoded, generated object). */
  readonly message: unknown;
  /** Its path, in Envoy field names (computed on first read). */
  readonly path: string;
  /** The containing message, or undefined at the root. */
  readonly parent?: Visit;
}

/** A visit whose path is built only when read: most visited messages never need theirs. */
class LazyVisit implements Visit {
  private p: string | undefined;
  constructor(
    readonly type: string,
    readonly message: unknown,
    readonly parent: LazyVisit | undefined,
    /** The path this visit's segment follows when there is no parent (the root's own path). */
    private readonly base: string,
    /** The field name of the segment (`filter_chains`), empty at the root. */
    private readonly name: string,
    /** The list index or map key of the segment, if any. */
    private readonly key: string | number | undefined,
  ) {}
  get path(): string {
    if (this.p === undefined) {
      const head = this.parent ? this.parent.path : this.base;
      const seg = this.key === undefined ? this.name : `${this.name}[${this.key}]`;
      this.p = seg ? (head ? `${head}.${seg}` : seg) : head;
    }
    return this.p;
  }
}

/** What a visitor receives; return `false` to skip the message's children. */
export type Visitor = (visit: Visit) => void | boolean;

/** The value of a field in a generated message, oneof members included. */
export function fieldValue(schema: MessageSchema, f: FieldSchema, msg: Record<string, unknown>): unknown {
  if (f.oneof !== undefined) {
    const u = msg[schema.oneofs![f.oneof]!.prop] as { $case?: string } | undefined;
    return u && u.$case === f.prop ? (u as Record<string, unknown>)[f.prop] : undefined;
  }
  return msg[f.prop];
}

const reachCache = new Map<string, Set<string>>();

/**
 * The message types from which a message of one of `targets` can be reached through fields.
 * A type holding an Any can reach everything.
 */
function reaching(targets: readonly string[]): Set<string> {
  const key = [...targets].sort().join(',');
  let out = reachCache.get(key);
  if (out) return out;
  const users = new Map<string, string[]>();
  for (const name of messageNames()) {
    for (const f of findMessageSchema(name)!.fields) {
      const ref = f.type === 'map' ? (f.value === 'message' ? f.valueRef : undefined) : f.type === 'message' ? f.ref : undefined;
      if (!ref || OPAQUE.has(ref)) continue;
      let u = users.get(ref);
      if (!u) users.set(ref, (u = []));
      u.push(name);
    }
  }
  out = new Set<string>();
  const queue = [...targets, ANY];
  while (queue.length) {
    const t = queue.pop()!;
    if (out.has(t)) continue;
    out.add(t);
    for (const u of users.get(t) ?? []) if (!out.has(u)) queue.push(u);
  }
  reachCache.set(key, out);
  return out;
}

/** How to descend into one field: only fields that can lead to a target are kept. */
interface Step {
  readonly name: string;
  readonly prop: string;
  /** The oneof union property, for a oneof member. */
  readonly union?: string;
  readonly ref: string;
  readonly kind: 'single' | 'list' | 'map';
}

/** Steps into the children of a message: the fields of its plan, in declaration order. */
type Children = (run: Run, m: Record<string, unknown>, here: LazyVisit) => void;

/** What the walk does at a message of one type: visit it or not, and which fields to follow. */
interface Plan {
  readonly visit: boolean;
  readonly children: Children;
}

interface Prepared {
  readonly wanted?: Set<string>;
  readonly reach?: Set<string>;
  /** Plans by message type; null for a type the walk does not enter. */
  readonly plans: Map<string, Plan | null>;
}

function planOf(p: Prepared, type: string): Plan | null {
  let plan = p.plans.get(type);
  if (plan !== undefined) return plan;
  const schema = findMessageSchema(type);
  if (!schema || (p.reach && !p.reach.has(type))) {
    p.plans.set(type, null);
    return null;
  }
  const steps: Step[] = [];
  for (const f of schema.fields) {
    const ref = f.type === 'message' ? f.ref : f.type === 'map' && f.value === 'message' ? f.valueRef : undefined;
    if (!ref || OPAQUE.has(ref) || (p.reach && !p.reach.has(ref))) continue;
    steps.push({
      name: f.name,
      prop: f.prop,
      union: f.oneof !== undefined ? schema.oneofs![f.oneof]!.prop : undefined,
      ref,
      kind: f.type === 'map' ? 'map' : f.repeated ? 'list' : 'single',
    });
  }
  plan = { visit: !p.wanted || p.wanted.has(type), children: childrenOf(type, steps) };
  p.plans.set(type, plan);
  return plan;
}

let preparedCache = new WeakMap<readonly string[], Prepared>();
const ALL: Prepared = { plans: new Map() };

/** The target set, its reach and its plans, computed once per targets array. */
function prepared(targets: readonly string[] | undefined): Prepared {
  if (!targets) return ALL;
  let p = preparedCache.get(targets);
  if (!p) preparedCache.set(targets, (p = { wanted: new Set(targets), reach: reaching(targets), plans: new Map() }));
  return p;
}

/** One walk: what it looks for, what it calls, and the Anys of the validation call. */
interface Run {
  readonly p: Prepared;
  readonly visit: Visitor;
  readonly anys: Unpacker;
}

function stepInto(run: Run, t: string, msg: unknown, parent: LazyVisit | undefined, base: string, name: string, key: string | number | undefined): void {
  if (msg === null || typeof msg !== 'object') return;
  if (t === ANY) {
    // An Any whose type the walk does not enter is not decoded (by this pass, at least).
    const url = (msg as Any).typeUrl;
    const info = typeof url === 'string' && url !== '' ? typeOfUrl(url) : undefined;
    if (!info || !planOf(run.p, info.fullName)) return;
    const u = run.anys.unpack(msg as Any);
    if ('message' in u) stepInto(run, u.info.fullName, u.message, parent, base, name, key);
    return;
  }
  const plan = planOf(run.p, t);
  if (!plan) return;
  const here = new LazyVisit(t, msg, parent, base, name, key);
  if (plan.visit && run.visit(here) === false) return;
  plan.children(run, msg as Record<string, unknown>, here);
}

// ---------------------------------------------------------------------------------------------
// Children of a message. Code generation: one function per message type with plain property
// reads (`m.routeConfig`), which V8 optimises far better than a loop reading `m[step.prop]` for
// every type (megamorphic reads) — the walk takes about half the time. Same steps in the same
// order; where a Content-Security-Policy forbids `new Function`, the loop is used (as in
// fields.ts).

let useCodegen = true;

function childrenOf(type: string, steps: readonly Step[]): Children {
  if (useCodegen) {
    try {
      return generate(type, steps);
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      useCodegen = false;
    }
  }
  return (run, m, here) => {
    for (let j = 0; j < steps.length; j++) {
      const s = steps[j]!;
      let v: unknown;
      if (s.union !== undefined) {
        const u = m[s.union] as Record<string, unknown> | undefined;
        if (u === undefined || u === null || u.$case !== s.prop) continue;
        v = u[s.prop];
      } else v = m[s.prop];
      if (v === undefined || v === null) continue;
      if (s.kind === 'single') stepInto(run, s.ref, v, here, '', s.name, undefined);
      else if (s.kind === 'list') {
        if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stepInto(run, s.ref, v[i], here, '', s.name, i);
      } else if (typeof v === 'object') {
        for (const k of Object.keys(v)) stepInto(run, s.ref, (v as Record<string, unknown>)[k], here, '', s.name, k);
      }
    }
  };
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const lit = (v: unknown) => JSON.stringify(v);

function generate(type: string, steps: readonly Step[]): Children {
  const get = (o: string, prop: string) => (IDENT.test(prop) ? `${o}.${prop}` : `${o}[${lit(prop)}]`);
  const body = steps.map((s) => {
    const read =
      s.union === undefined ? `v = ${get('m', s.prop)};` : `u = ${get('m', s.union)}; v = u != null && u.$case === ${lit(s.prop)} ? ${get('u', s.prop)} : undefined;`;
    const into = (value: string, key: string) => `step(run, ${lit(s.ref)}, ${value}, here, "", ${lit(s.name)}, ${key});`;
    const each =
      s.kind === 'single'
        ? into('v', 'undefined')
        : s.kind === 'list'
          ? `if (Array.isArray(v)) for (let i = 0; i < v.length; i++) ${into('v[i]', 'i')}`
          : `if (typeof v === "object") for (const k of Object.keys(v)) ${into('v[k]', 'k')}`;
    return `${read} if (v !== undefined && v !== null) { ${each} }`;
  });
  const name = `walk_${type.replace(/\W/g, '_')}`;
  return new Function('step', `return function ${name}(run, m, here) { let u, v; ${body.join('\n')} };`)(stepInto) as Children;
}

/**
 * Turns code generation of the walk off (loops only) or back on, and drops the plans.
 *
 * @internal For tests of both paths.
 */
export function setWalkCodegen(on: boolean): void {
  useCodegen = on;
  preparedCache = new WeakMap();
  ALL.plans.clear();
}

/**
 * Walks `message` of type `type` and every nested message; calls `visit` for each message whose
 * type is in `targets` (or for every message when `targets` is omitted).
 *
 * Anys are unpacked by their type URL, through `anys` (so a pass of the same validation call
 * that decoded one already is not repeated); an Any of an unknown type, or one that does not
 * decode, is skipped (the field rules report it). The walk is depth-first, parents before
 * children, fields in declaration order. Pass the same `targets` array on every call: what the
 * walk needs per target set is computed once and kept with the array.
 */
export function walk(type: string, message: unknown, path: string, visit: Visitor, targets?: readonly string[], anys = new Unpacker()): void {
  stepInto({ p: prepared(targets), visit, anys }, type, message, undefined, path, '', undefined);
}

/** The nearest enclosing visit of the given type, if any. */
export function ancestor(visit: Visit, type: string): Visit | undefined {
  for (let v = visit.parent; v; v = v.parent) if (v.type === type) return v;
  return undefined;
}

/** The path of `visit` relative to its ancestor `above` (without the leading dot). */
export function relativePath(visit: Visit, above: Visit): string {
  if (!above.path) return visit.path;
  return visit.path.startsWith(above.path) ? visit.path.slice(above.path.length).replace(/^\./, '') : visit.path;
}

/** The schema of a message type (for rules that read fields by name). */
export function schemaOf(type: string): MessageSchema | undefined {
  return findMessageSchema(type);
}
