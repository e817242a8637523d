/**
 * Field validation: every `(validate.rules)` of a message, of every nested message, list item,
 * map value and oneof member, and of every `google.protobuf.Any` by the rules of its `@type`.
 *
 * Each message type is compiled once, on first use, into a short list of steps: only the fields
 * that carry rules or lead to a message that does (directly or through an Any) get one. Types
 * whose whole subtree carries no rule are never walked, so validating a Cluster does not visit
 * its hundred rule-free fields. The rules themselves are compiled closures (see `rules/`); the
 * zod schemas of `schemaFor` are built from the same compiled rules.
 *
 * Semantics are protoc-gen-validate's: rules on a scalar apply to its proto3 default value too
 * (an absent `name` is `""` and breaks `min_len: 1`) unless `ignore_empty`; the rules inside an
 * unset message, an unset wrapper or an unset oneof do not apply; `(validate.required)` on a
 * oneof needs one member set; `message.skip` stops descent; message-level
 * `(validate.disabled)` / `(validate.ignored)` turn a type's validation off.
 *
 * @see https://github.com/bufbuild/protoc-gen-validate/blob/main/docs.md
 */
import { typeInfo, type Any, type TypeRef } from '../registry/codec.js';
import { show, type Problem } from '../registry/errors.js';
import { findMessageSchema, typesReaching, type MessageSchema } from '../registry/schema.js';
import { compileField, defaultOf, type ElementPlan, type FieldPlan } from './rules/field.js';
import { ANY, OPAQUE, WRAPPERS, DURATION, TIMESTAMP, type LocalCheck, type Reporter } from './rules/types.js';
import { typeOfUrl, Unpacker } from './unpack.js';

/** Options of {@link validateFields}. */
export interface ValidateFieldsOptions {
  /**
   * An Any whose `@type` is not in the registry (or is empty) is an error when true, a warning
   * when false.
   *
   * @default true
   */
  strict?: boolean;
  /**
   * Path of the message itself, prefixed to every problem's path (`listeners[ingress]`).
   *
   * @default ""
   */
  path?: string;
}

/** The problems {@link validateFields} found: errors, and warnings (lenient mode only). */
export interface FieldProblems {
  errors: Problem[];
  warnings: Problem[];
}

// ---------------------------------------------------------------------------------------------
// The walk context: collects problems and keeps the current path as a stack of segments.

/** A path segment: a field name, a list index, or a preformatted `[map key]`. */
type Segment = string | number;

class Ctx implements Reporter {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  readonly stack: Segment[] = [];

  constructor(
    readonly base: string,
    readonly strict: boolean,
    /** The Anys of this validation call, decoded once for every pass. */
    readonly anys: Unpacker,
  ) {}

  path(sub?: string | number): string {
    let p = this.base;
    const add = (seg: Segment) => {
      if (typeof seg === 'number') p += `[${seg}]`;
      else if (seg.charCodeAt(0) === 91 /* [ */) p += seg;
      else p += p ? `.${seg}` : seg;
    };
    for (const seg of this.stack) add(seg);
    if (sub !== undefined) add(typeof sub === 'number' ? sub : `[${sub}]`);
    return p;
  }

  problem(rule: string, message: string, value: unknown, sub?: string | number): Problem {
    const p: Problem = { path: this.path(sub), rule, message };
    if (value !== undefined) p.value = value;
    return p;
  }

  fail(rule: string, message: string, value?: unknown, sub?: string | number): void {
    this.errors.push(this.problem(rule, message, value, sub));
  }

  /** An error in strict mode, a warning otherwise. */
  strictFail(rule: string, message: string, value?: unknown): void {
    (this.strict ? this.errors : this.warnings).push(this.problem(rule, message, value));
  }
}

// ---------------------------------------------------------------------------------------------
// Which types need a walk at all.

let needed: Set<string> | undefined;

const isLeafType = (ref: string) => ref in WRAPPERS || OPAQUE.has(ref) || ref === DURATION || ref === TIMESTAMP || ref === ANY;

/**
 * The message types that carry a rule, a required oneof or an Any somewhere in their subtree
 * (and are not disabled). Computed once over the whole schema on first use (a few ms).
 */
function neededTypes(): Set<string> {
  needed ??= typesReaching(
    (s) => (s.oneofs?.some((o) => o.required) ?? false) || s.fields.some((f) => f.rules !== undefined || (f.type === 'map' ? f.valueRef : f.ref) === ANY),
    { skip: (s) => s.disabled === true || s.ignored === true, leaf: isLeafType },
  );
  return needed;
}

// ---------------------------------------------------------------------------------------------
// Compiled plans: one list of steps per message type.

type Visit = (value: any, ctx: Ctx) => void;
type Step = (msg: Record<string, any>, ctx: Ctx) => void;

interface MessagePlan {
  readonly name: string;
  /** The checks of the message's fields, as one generated function (or a loop over steps). */
  readonly run: Step;
}

const plans = new Map<string, MessagePlan | null>();

/** The compiled plan of a message type, or null when nothing in its subtree needs checking. */
function planFor(name: string): MessagePlan | null {
  let p = plans.get(name);
  if (p !== undefined) return p;
  const schema = findMessageSchema(name);
  p = schema && neededTypes().has(name) ? compileMessage(schema) : null;
  plans.set(name, p);
  return p;
}

/** Runs the plan of a nested message (resolved lazily, so recursive types compile). */
function nestedVisitor(ref: string): Visit | undefined {
  if (!neededTypes().has(ref)) return undefined;
  let plan: MessagePlan | null | undefined;
  return (v, ctx) => {
    if (plan === undefined) plan = planFor(ref);
    if (plan) runPlan(plan, v, ctx);
  };
}

function runPlan(plan: MessagePlan, msg: unknown, ctx: Ctx): void {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    ctx.fail('type', `must be a message of ${plan.name} (an object), got ${show(msg)}`, msg);
    return;
  }
  plan.run(msg as Record<string, any>, ctx);
}

/** Validates the message inside an Any by the rules of its `@type` (decoded once per call, see unpack.ts). */
function visitAny(any: { typeUrl?: unknown; value?: unknown }, ctx: Ctx): void {
  const url = any.typeUrl;
  if (typeof url !== 'string' || url === '') {
    ctx.strictFail('any.unknown_type', '@type is empty: the type URL of the Any must name a message type', url);
    return;
  }
  const info = typeOfUrl(url);
  if (!info) {
    ctx.strictFail('any.unknown_type', `@type ${show(url)} is not a known type (not in the registry of Envoy API messages)`, url);
    return;
  }
  const plan = planFor(info.fullName);
  if (!plan) return;
  const value = any.value;
  if (value !== undefined && value !== null && !(value instanceof Uint8Array)) {
    ctx.fail('type', `must be an Any whose value is bytes, got ${show(value)}`, value);
    return;
  }
  const u = ctx.anys.unpack(any as Any);
  if ('error' in u) {
    ctx.fail('any.value', `cannot decode the value as ${info.fullName}: ${u.error}`);
    return;
  }
  runPlan(plan, u.message, ctx);
}

/** The visitor of one present (non-null) element, without the presence check. */
function presentVisitor(el: ElementPlan): Visit | undefined {
  switch (el.kind) {
    case 'message':
      return el.skip || !el.ref ? undefined : nestedVisitor(el.ref);
    case 'any': {
      if (el.skip) return el.check;
      const check = el.check;
      return check
        ? (v, ctx) => {
            check(v, ctx);
            visitAny(v, ctx);
          }
        : visitAny;
    }
    case 'opaque':
      return undefined;
    default:
      return el.check;
  }
}

/**
 * The visitor of one element that may be absent (`undefined`/`null`): reports `required`, and
 * for a scalar without presence checks its default value instead.
 */
function elementVisitor(el: ElementPlan, presence: boolean): Visit | undefined {
  const inner = presentVisitor(el);
  const required = el.required;
  if (el.kind === 'scalar' || el.kind === 'enum') {
    if (!inner) return undefined;
    if (presence) return (v, ctx) => v !== undefined && inner(v, ctx);
    const dflt = el.kind === 'enum' ? 0 : defaultOf(el.scalar!);
    return (v, ctx) => inner(v === undefined ? dflt : v, ctx);
  }
  // Messages, wrappers, Durations, Timestamps, Any, Struct...: absent means not set. A
  // google.protobuf.Value field holding null is set (null_value).
  const isValue = el.ref === 'google.protobuf.Value';
  if (!inner && !required) return undefined;
  return (v, ctx) => {
    if (v === undefined || (v === null && !isValue)) {
      if (required) ctx.fail(required, `is required but not set`);
      return;
    }
    if (inner) inner(v, ctx);
  };
}

function fieldStep(plan: FieldPlan): Step | undefined {
  const { field, element } = plan;
  const prop = field.prop;
  const name = field.name;
  if (plan.mode === 'single') {
    const visit = elementVisitor(element, plan.presence);
    if (!visit) return undefined;
    return (msg, ctx) => {
      ctx.stack.push(name);
      visit(msg[prop], ctx);
      ctx.stack.pop();
    };
  }
  const container: LocalCheck | undefined = plan.container;
  // Items and map values are always present (a null item is reported as unset when required).
  const item = elementVisitor(element, true);
  if (!container && !item) return undefined;
  if (plan.mode === 'repeated') {
    return (msg, ctx) => {
      const list = msg[prop];
      if (list === undefined || list === null) {
        if (!container) return;
        ctx.stack.push(name);
        container([], ctx);
        ctx.stack.pop();
        return;
      }
      ctx.stack.push(name);
      if (!Array.isArray(list)) {
        ctx.fail('type', `must be a list (an array), got ${show(list)}`, list);
      } else {
        if (container) container(list, ctx);
        if (item) {
          for (let i = 0; i < list.length; i++) {
            ctx.stack.push(i);
            item(list[i], ctx);
            ctx.stack.pop();
          }
        }
      }
      ctx.stack.pop();
    };
  }
  return (msg, ctx) => {
    const map = msg[prop] ?? {};
    ctx.stack.push(name);
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      ctx.fail('type', `must be a map (a plain object), got ${show(map)}`, map);
    } else {
      if (container) container(map, ctx);
      if (item) {
        for (const key of Object.keys(map)) {
          ctx.stack.push(`[${key}]`);
          item(map[key], ctx);
          ctx.stack.pop();
        }
      }
    }
    ctx.stack.pop();
  };
}

function oneofStep(schema: MessageSchema, index: number, members: FieldPlan[]): Step | undefined {
  const oneof = schema.oneofs![index]!;
  const byCase = new Map<string, { name: string; visit: Visit }>();
  for (const m of members) {
    // A set member holds a value (an absent scalar value reads as its default).
    const visit = elementVisitor(m.element, m.element.kind !== 'scalar' && m.element.kind !== 'enum');
    if (visit) byCase.set(m.field.prop, { name: m.field.name, visit });
  }
  if (!oneof.required && byCase.size === 0) return undefined;
  const prop = oneof.prop;
  const names = members.map((m) => m.field.name);
  const expected = names.length === 1 ? `${names[0]} must be set` : `exactly one of ${names.join(', ')} must be set`;
  const required = oneof.required === true;
  return (msg, ctx) => {
    const u = msg[prop];
    if (u === undefined || u === null) {
      if (required) {
        ctx.stack.push(oneof.name);
        ctx.fail('oneof.required', `is required: ${expected}`);
        ctx.stack.pop();
      }
      return;
    }
    const c = u.$case;
    const member = byCase.get(c);
    if (!member) return;
    ctx.stack.push(member.name);
    member.visit(u[c], ctx);
    ctx.stack.pop();
  };
}

/** The fields in check order, a oneof at the place of its first member. */
function fieldOrder(schema: MessageSchema): (FieldPlan | { oneof: number; members: FieldPlan[] })[] {
  const order: (FieldPlan | { oneof: number; members: FieldPlan[] })[] = [];
  const oneofs = new Map<number, { oneof: number; members: FieldPlan[] }>();
  for (const f of schema.fields) {
    const plan = compileField(f);
    if (f.oneof === undefined) {
      order.push(plan);
      continue;
    }
    let entry = oneofs.get(f.oneof);
    if (!entry) {
      oneofs.set(f.oneof, (entry = { oneof: f.oneof, members: [] }));
      order.push(entry);
    }
    entry.members.push(plan);
  }
  return order;
}

/** Compiles a message type's checks: one generated function, or closures where eval is not allowed. */
function compileMessage(schema: MessageSchema): MessagePlan {
  const order = fieldOrder(schema);
  if (useCodegen) {
    try {
      return { name: schema.fullName, run: generate(schema, order) };
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      useCodegen = false; // a Content-Security-Policy forbids new Function: use closures
    }
  }
  const steps: Step[] = [];
  for (const entry of order) {
    const step = 'oneof' in entry ? oneofStep(schema, entry.oneof, entry.members) : fieldStep(entry);
    if (step) steps.push(step);
  }
  return {
    name: schema.fullName,
    run: (msg, ctx) => {
      for (const step of steps) step(msg, ctx);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Code generation: one function per message type, with plain property reads (`m.statPrefix`)
// and one call site per check, which V8 optimises far better than a generic loop over steps
// (megamorphic `msg[prop]` reads and calls). It runs exactly the same compiled checks.

let useCodegen = true;

const IDENT = /^[A-Za-z_$][\w$]*$/;
const lit = (v: unknown) => JSON.stringify(v);

function generate(schema: MessageSchema, order: ReturnType<typeof fieldOrder>): Step {
  const k: unknown[] = [];
  const K = (v: unknown) => {
    k.push(v);
    return `k[${k.length - 1}]`;
  };
  const get = (prop: string) => (IDENT.test(prop) ? `m.${prop}` : `m[${lit(prop)}]`);
  const at = (name: string | number, body: string) => `S.push(${lit(name)}); ${body} S.pop();`;
  const out: string[] = [];
  for (const entry of order) {
    if ('oneof' in entry) {
      const oneof = schema.oneofs![entry.oneof]!;
      const cases: string[] = [];
      for (const m of entry.members) {
        const visit = elementVisitor(m.element, m.element.kind !== 'scalar' && m.element.kind !== 'enum');
        if (visit) cases.push(`case ${lit(m.field.prop)}: ${at(m.field.name, `${K(visit)}(v[${lit(m.field.prop)}], x);`)} break;`);
      }
      if (!oneof.required && !cases.length) continue;
      const names = entry.members.map((m) => m.field.name);
      const expected = names.length === 1 ? `${names[0]} must be set` : `exactly one of ${names.join(', ')} must be set`;
      const missing = oneof.required ? at(oneof.name, `x.fail("oneof.required", ${lit(`is required: ${expected}`)});`) : '';
      out.push(`v = ${get(oneof.prop)}; if (v == null) { ${missing} }${cases.length ? ` else switch (v.$case) { ${cases.join(' ')} }` : ''}`);
      continue;
    }
    const { field, element: el } = entry;
    const name = field.name;
    if (entry.mode === 'single') {
      if (el.kind === 'scalar' || el.kind === 'enum') {
        const check = presentVisitor(el);
        if (!check) continue;
        if (entry.presence) out.push(`v = ${get(field.prop)}; if (v !== undefined) { ${at(name, `${K(check)}(v, x);`)} }`);
        else {
          const dflt = el.kind === 'enum' ? 0 : defaultOf(el.scalar!);
          const d = dflt instanceof Uint8Array ? K(dflt) : lit(dflt);
          out.push(`v = ${get(field.prop)}; ${at(name, `${K(check)}(v === undefined ? ${d} : v, x);`)}`);
        }
        continue;
      }
      const inner = presentVisitor(el);
      if (!inner && !el.required) continue;
      const absent = el.ref === 'google.protobuf.Value' ? 'v === undefined' : 'v == null';
      const missing = el.required ? at(name, `x.fail(${lit(el.required)}, "is required but not set");`) : '';
      out.push(`v = ${get(field.prop)}; if (${absent}) { ${missing} }${inner ? ` else { ${at(name, `${K(inner)}(v, x);`)} }` : ''}`);
      continue;
    }
    const container = entry.container;
    const item = elementVisitor(el, true);
    if (!container && !item) continue;
    const C = container ? K(container) : '';
    const I = item ? K(item) : '';
    if (entry.mode === 'repeated') {
      out.push(
        `v = ${get(field.prop)}; if (v == null) { ${C ? at(name, `${C}([], x);`) : ''} } else { S.push(${lit(name)}); ` +
          `if (!Array.isArray(v)) x.fail("type", "must be a list (an array), got " + show(v), v); else { ` +
          `${C ? `${C}(v, x); ` : ''}${I ? `for (let i = 0; i < v.length; i++) { S.push(i); ${I}(v[i], x); S.pop(); }` : ''} } S.pop(); }`,
      );
    } else {
      out.push(
        `v = ${get(field.prop)}; if (v == null) { ${C ? at(name, `${C}({}, x);`) : ''} } else { S.push(${lit(name)}); ` +
          `if (typeof v !== "object" || Array.isArray(v)) x.fail("type", "must be a map (a plain object), got " + show(v), v); else { ` +
          `${C ? `${C}(v, x); ` : ''}${I ? `for (const key in v) { S.push("[" + key + "]"); ${I}(v[key], x); S.pop(); }` : ''} } S.pop(); }`,
      );
    }
  }
  const fnName = schema.fullName.replace(/\W/g, '_');
  const body = `return function validate_${fnName}(m, x) { const S = x.stack; let v; ${out.join('\n')} };`;
  return new Function('k', 'show', body)(k, show) as Step;
}

/**
 * Turns code generation off (closures only) or back on, and drops compiled plans.
 *
 * @internal For tests of both paths.
 */
export function setCodegen(on: boolean): void {
  useCodegen = on;
  plans.clear();
}

// ---------------------------------------------------------------------------------------------
// Public API.

/**
 * Checks every `(validate.rules)` of a message and of everything nested in it.
 *
 * Nested messages, list items, map values and oneof members are checked by their own rules;
 * every `google.protobuf.Any` (`typed_config`, `typed_per_filter_config` values...) is unpacked
 * with the registry and checked as its `@type`, at any depth, its problems' paths continuing
 * below the Any's field (`filter_chains[0].filters[0].typed_config.stat_prefix`). An Any whose
 * `@type` is unknown or empty is an error, or a warning with `strict: false`.
 *
 * Problems use Envoy's (snake_case) field names, list indexes and `[key]` for map entries; the
 * rule is named after protoc-gen-validate's rule (`string.min_len`, `message.required`,
 * `repeated.min_items`, `enum.defined_only`, `duration.gt`, `oneof.required`, `any.required`,
 * `any.unknown_type`; `type` for a value of the wrong JavaScript type).
 *
 * Each type's checks are compiled on first use and cached.
 *
 * @param type the message type: codec, full name or type URL
 * @param message the message, in the shape of the generated types (ts-proto)
 * @param anys the Anys already unpacked by the other passes of the same validation call
 *   (`validate` and `validateSnapshot` share one between their passes); a new one by default
 * @example
 * validateFields('envoy.config.cluster.v3.Cluster', { name: '' }).errors
 * // [{ path: 'name', rule: 'string.min_len', message: 'must be at least 1 character long, got ""', value: '' }]
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/api
 */
export function validateFields(type: TypeRef, message: unknown, options: ValidateFieldsOptions = {}, anys = new Unpacker()): FieldProblems {
  const info = typeInfo(type);
  const ctx = new Ctx(options.path ?? '', options.strict ?? true, anys);
  const plan = planFor(info.fullName);
  if (plan) runPlan(plan, message, ctx);
  else if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    ctx.fail('type', `must be a message of ${info.fullName} (an object), got ${show(message)}`, message);
  }
  return { errors: ctx.errors, warnings: ctx.warnings };
}

/**
 * True when a message type carries a rule (or an Any) anywhere in its subtree, i.e. when
 * {@link validateFields} has anything to check in it.
 */
export function hasFieldRules(type: TypeRef): boolean {
  return neededTypes().has(typeInfo(type).fullName);
}

/**
 * Validates a message against a message schema given directly rather than looked up by name.
 *
 * For tests of rule sets that no Envoy message carries; nested message types are still
 * resolved through the registry.
 *
 * @internal
 */
export function validateWithSchema(schema: MessageSchema, message: unknown, options: ValidateFieldsOptions = {}): FieldProblems {
  const ctx = new Ctx(options.path ?? '', options.strict ?? true, new Unpacker());
  if (!schema.disabled && !schema.ignored) runPlan(compileMessage(schema), message, ctx);
  return { errors: ctx.errors, warnings: ctx.warnings };
}
