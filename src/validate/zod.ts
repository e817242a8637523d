/**
 * A zod schema for every message type, built from the protos' `(validate.rules)`.
 *
 * Schemas are built lazily, one type at a time, on first use ({@link schemaFor}), and cached;
 * nested message fields refer to their type's schema through `z.lazy`, so building the
 * Listener schema does not build the schemas of the hundreds of types below it until a parse
 * reaches them. Importing this module builds nothing.
 *
 * Each schema checks the shape of the generated (ts-proto) message — strings, numbers, 64-bit
 * decimal strings, Buffers, lists, maps, oneof unions `{ $case, [member]: value }` — and every
 * rule, with the very same compiled checks {@link validateFields} runs (see `rules/`). Rule
 * failures are zod `custom` issues whose `params.rule` names the rule (`string.min_len`...);
 * {@link problemsFromZod} turns issues into xdskit {@link Problem}s with Envoy field paths.
 * Every `google.protobuf.Any` is unpacked and parsed with the schema of its `@type`; its
 * issues continue below the Any, after a path segment `"@<type name>"`.
 *
 * `validateFields` is the fast path (about ten times faster, and it also reports warnings);
 * the schemas are for code that speaks zod: `schemaFor(Cluster).parse(x)`, composition in
 * bigger zod schemas, form libraries.
 *
 * Differences from `validateFields`: a value of the wrong JavaScript type anywhere in a
 * message is reported by zod (`invalid_type`), and zod then skips the message-level checks
 * (required fields, required oneofs, rules on absent fields) of the messages that contain it;
 * an unknown `@type` is always an issue (zod has no warnings).
 */
import { z } from 'zod';
import { findType, typeInfo, type TypeRef } from '../registry/codec.js';
import { show, type Problem } from '../registry/errors.js';
import { findMessageSchema, type FieldSchema, type MessageSchema } from '../registry/schema.js';
import { compileField, defaultOf, type ElementPlan, type FieldPlan } from './rules/field.js';
import { INT32_KINDS, INT64_KINDS, type LocalCheck, type Reporter } from './rules/types.js';

type Ctx = z.core.$RefinementCtx<unknown>;

/** A zod reporter: rule failures become `custom` issues, `params.rule` naming the rule. */
function reporter(ctx: Ctx, at?: PropertyKey): Reporter {
  return {
    fail(rule, message, value, sub) {
      const path: PropertyKey[] = [];
      if (at !== undefined) path.push(at);
      if (sub !== undefined) path.push(sub);
      ctx.addIssue({ code: 'custom', message, params: value === undefined ? { rule } : { rule, value }, path, input: value });
    },
  };
}

const refine = <T extends z.ZodType>(schema: T, check: LocalCheck | undefined): T =>
  check
    ? (schema.superRefine((v, ctx) => {
        if (v !== undefined) check(v, reporter(ctx as Ctx));
      }) as unknown as T)
    : schema;

const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int(), z.bigint()]);
const float = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const bytes = z.instanceof(Uint8Array);

function scalarZod(kind: string): z.ZodType {
  if (kind === 'string') return z.string();
  if (kind === 'bool') return z.boolean();
  if (kind === 'bytes') return bytes;
  if (INT64_KINDS.has(kind)) return int64;
  if (INT32_KINDS.has(kind)) return z.number().int();
  return float;
}

const timeShape = () => z.looseObject({ seconds: int64.optional(), nanos: z.number().int().optional() });
const anyShape = () => z.looseObject({ typeUrl: z.string().optional(), value: bytes.optional() });

const EMPTY = new Uint8Array(0);

/** Unpacks an Any and parses its message with the schema of its `@type`, in the Any's issues. */
function anyRefinement(value: unknown, ctx: Ctx): void {
  const any = value as { typeUrl?: string; value?: Uint8Array };
  const url = any.typeUrl ?? '';
  if (url === '') {
    reporter(ctx).fail('any.unknown_type', '@type is empty: the type URL of the Any must name a message type', url);
    return;
  }
  const info = findType(url);
  if (!info) {
    reporter(ctx).fail('any.unknown_type', `@type ${show(url)} is not a known type (not in the registry of Envoy API messages)`, url);
    return;
  }
  let msg: unknown;
  try {
    msg = info.codec.decode(any.value ?? EMPTY);
  } catch (e) {
    reporter(ctx).fail('any.value', `cannot decode the value as ${info.fullName}: ${(e as Error).message}`);
    return;
  }
  const r = schemaOfName(info.fullName).safeParse(msg);
  if (r.success) return;
  for (const iss of r.error.issues) {
    ctx.addIssue({ ...(iss as unknown as z.core.$ZodRawIssue), path: [`@${info.fullName}`, ...iss.path] } as z.core.$ZodRawIssue);
  }
}

/** The zod schema of one present element, with its rules. */
function elementZod(el: ElementPlan): z.ZodType {
  switch (el.kind) {
    case 'scalar':
    case 'wrapper':
      return refine(scalarZod(el.scalar!), el.check);
    case 'enum':
      return refine(z.number().int(), el.check);
    case 'duration':
    case 'timestamp':
      return refine(timeShape(), el.check);
    case 'any': {
      const s = refine(anyShape(), el.check);
      return el.skip ? s : s.superRefine((v, ctx) => anyRefinement(v, ctx as Ctx));
    }
    case 'opaque':
      if (el.ref === 'google.protobuf.Struct') return z.record(z.string(), z.any());
      if (el.ref === 'google.protobuf.ListValue') return z.array(z.any());
      return z.any();
    case 'message': {
      if (el.skip) return z.looseObject({});
      const ref = el.ref!;
      return z.lazy(() => schemaOfName(ref));
    }
  }
}

/** True for elements whose absence means "not set" rather than a default value. */
const isMessageLike = (el: ElementPlan) => el.kind !== 'scalar' && el.kind !== 'enum';

function fieldZod(p: FieldPlan): z.ZodType {
  const el = elementZod(p.element);
  if (p.mode === 'repeated') return refine(z.array(el), p.container).optional();
  if (p.mode === 'map') return refine(z.record(z.string(), el), p.container).optional();
  return isMessageLike(p.element) && p.element.ref !== 'google.protobuf.Value' ? el.nullish() : el.optional();
}

/**
 * What the message-level refinement does for a field that is absent (`undefined`): report a
 * required element, or run the rules on the proto3 default (`""`, `0`, `[]`, `{}`).
 */
function absentCheck(p: FieldPlan): ((ctx: Ctx) => void) | undefined {
  const prop = p.field.prop;
  if (p.mode === 'repeated') {
    const c = p.container;
    return c && ((ctx) => c([], reporter(ctx, prop)));
  }
  if (p.mode === 'map') {
    const c = p.container;
    return c && ((ctx) => c({}, reporter(ctx, prop)));
  }
  const el = p.element;
  if (el.required) {
    const rule = el.required;
    return (ctx) => reporter(ctx, prop).fail(rule, 'is required but not set');
  }
  if (!p.presence && el.check && (el.kind === 'scalar' || el.kind === 'enum')) {
    const c = el.check;
    const d = el.kind === 'enum' ? 0 : defaultOf(el.scalar!);
    return (ctx) => c(d, reporter(ctx, prop));
  }
  return undefined;
}

function oneofZod(schema: MessageSchema, members: FieldPlan[]): z.ZodType {
  const options = members.map((m) => {
    const prop = m.field.prop;
    let obj: z.ZodType = z.looseObject({ $case: z.literal(prop), [prop]: fieldZodMember(m) });
    const el = m.element;
    if (el.required) {
      // `{ $case: 'x', x: undefined }`: the member is chosen but holds no message.
      const rule = el.required;
      obj = obj.superRefine((v, ctx) => {
        if ((v as Record<string, unknown>)[prop] == null) reporter(ctx as Ctx, prop).fail(rule, 'is required but not set');
      });
    } else if (!isMessageLike(el) && el.check) {
      // `{ $case: 'x' }` without a value: the member is set to its default value.
      const c = el.check;
      const d = el.kind === 'enum' ? 0 : defaultOf(el.scalar!);
      obj = obj.superRefine((v, ctx) => {
        if ((v as Record<string, unknown>)[prop] === undefined) c(d, reporter(ctx as Ctx, prop));
      });
    }
    return obj;
  });
  return z.discriminatedUnion('$case', options as unknown as [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]).optional();
}

function fieldZodMember(p: FieldPlan): z.ZodType {
  return elementZod(p.element).optional();
}

function buildMessage(schema: MessageSchema): z.ZodType {
  if (schema.disabled || schema.ignored) return z.looseObject({});
  const shape: Record<string, z.ZodType> = {};
  const absent: { prop: string; check: (ctx: Ctx) => void }[] = [];
  const oneofs = new Map<number, FieldPlan[]>();
  for (const f of schema.fields) {
    const p = compileField(f);
    if (f.oneof !== undefined) {
      let list = oneofs.get(f.oneof);
      if (!list) oneofs.set(f.oneof, (list = []));
      list.push(p);
      continue;
    }
    shape[f.prop] = fieldZod(p);
    const a = absentCheck(p);
    if (a) absent.push({ prop: f.prop, check: a });
  }
  const required: { prop: string; message: string }[] = [];
  for (const [i, members] of oneofs) {
    const o = schema.oneofs![i]!;
    shape[o.prop] = oneofZod(schema, members);
    if (o.required) {
      const names = members.map((m) => m.field.name);
      const expected = names.length === 1 ? `${names[0]} must be set` : `exactly one of ${names.join(', ')} must be set`;
      required.push({ prop: o.prop, message: `is required: ${expected}` });
    }
  }
  const obj = z.looseObject(shape);
  if (!absent.length && !required.length) return obj;
  return obj.superRefine((v, ctx) => {
    const m = v as Record<string, unknown>;
    for (const a of absent) if (m[a.prop] === undefined || m[a.prop] === null) a.check(ctx as Ctx);
    for (const r of required) {
      if (m[r.prop] === undefined || m[r.prop] === null) reporter(ctx as Ctx, r.prop).fail('oneof.required', r.message);
    }
  });
}

const cache = new Map<string, z.ZodType>();

function schemaOfName(name: string): z.ZodType {
  let s = cache.get(name);
  if (!s) {
    s = buildMessage(findMessageSchema(name)!);
    cache.set(name, s);
  }
  return s;
}

/**
 * The zod schema of a message type, checking the shape of the generated message and every
 * `(validate.rules)` (built on first use, then cached).
 *
 * Issues of broken rules are `custom` issues with `params.rule` (`string.min_len`...); paths
 * are TypeScript property names (`filterChains`, 0, `filters`...), an Any's content continuing
 * after a `"@<type name>"` segment. {@link problemsFromZod} converts them to Envoy paths.
 *
 * @param type the message type: codec, full name or type URL
 * @example
 * const r = schemaFor('envoy.config.cluster.v3.Cluster').safeParse(cluster);
 * if (!r.success) console.log(problemsFromZod('envoy.config.cluster.v3.Cluster', r.error.issues));
 */
export function schemaFor(type: TypeRef): z.ZodType {
  return schemaOfName(typeInfo(type).fullName);
}

// ---------------------------------------------------------------------------------------------
// zod issues → Problems.

const propIndex = new Map<string, Map<string, FieldSchema | { oneofIndex: number }>>();

function byProp(schema: MessageSchema): Map<string, FieldSchema | { oneofIndex: number }> {
  let m = propIndex.get(schema.fullName);
  if (!m) {
    m = new Map();
    for (const f of schema.fields) m.set(f.prop, f);
    schema.oneofs?.forEach((o, i) => m!.set(o.prop, { oneofIndex: i }));
    propIndex.set(schema.fullName, m);
  }
  return m;
}

/** Converts a zod issue path (TypeScript property names) to an Envoy field path. */
export function envoyPathOf(type: TypeRef, path: readonly PropertyKey[]): string {
  let out = '';
  const field = (name: string) => (out += out ? `.${name}` : name);
  // What the next segment indexes into.
  let at: { msg: MessageSchema } | { list: FieldSchema } | { map: FieldSchema } | { any: true } | { leaf: true } = {
    msg: typeInfo(type).schema,
  };
  const enter = (f: FieldSchema, container: boolean) => {
    if (container && f.type === 'map') return { map: f };
    if (container && f.repeated) return { list: f };
    const ref = f.type === 'map' ? f.valueRef : f.ref;
    if (ref === 'google.protobuf.Any') return { any: true as const };
    const s = ref && (f.type === 'message' || f.value === 'message') ? findMessageSchema(ref) : undefined;
    return s && !s.fullName.startsWith('google.protobuf.') ? { msg: s } : { leaf: true as const };
  };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if ('msg' in at) {
      const entry = byProp(at.msg).get(String(seg));
      if (!entry) {
        field(String(seg));
        at = { leaf: true };
      } else if ('oneofIndex' in entry) {
        const next = path[i + 1];
        const member = next === undefined ? undefined : at.msg.fields.find((f) => f.oneof === entry.oneofIndex && f.prop === next);
        if (member) {
          field(member.name);
          at = enter(member, true);
          i++;
        } else {
          field(at.msg.oneofs![entry.oneofIndex]!.name);
          at = { leaf: true };
        }
      } else {
        field(entry.name);
        at = enter(entry, true);
      }
    } else if ('list' in at || 'map' in at) {
      out += `[${String(seg)}]`;
      at = enter('list' in at ? at.list : at.map, false);
    } else if ('any' in at && typeof seg === 'string' && seg.startsWith('@')) {
      const s = findMessageSchema(seg.slice(1));
      at = s ? { msg: s } : { leaf: true };
    } else {
      if (typeof seg === 'number') out += `[${seg}]`;
      else field(String(seg));
    }
  }
  return out;
}

/**
 * Converts the issues of a {@link schemaFor} schema into xdskit problems: Envoy field paths,
 * the rule from `params.rule` (zod's own issues: `type` for `invalid_type`, else the zod code).
 *
 * @param type the message type the schema was made for
 * @param issues the issues of a failed `safeParse` (`result.error.issues`)
 * @param base a path to prefix to every problem's path (`listeners[ingress]`); default `""`
 */
export function problemsFromZod(type: TypeRef, issues: readonly z.core.$ZodIssue[], base = ''): Problem[] {
  return issues.map((iss) => {
    const params = (iss as { params?: { rule?: string; value?: unknown } }).params;
    const rule = params?.rule ?? (iss.code === 'invalid_type' ? 'type' : iss.code);
    const p = envoyPathOf(type, iss.path);
    const problem: Problem = { path: base && p ? `${base}.${p}` : base || p, rule, message: params?.rule ? iss.message : iss.message.toLowerCase() };
    if (params && 'value' in params) problem.value = params.value;
    return problem;
  });
}

/**
 * How many message schemas have been built so far (they are built on first use).
 *
 * @internal
 */
export function builtSchemaCount(): number {
  return cache.size;
}
