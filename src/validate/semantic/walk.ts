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
import { findType, unpack, type Any } from '../../registry/codec.js';
import { findMessageSchema, messageNames, type FieldSchema, type MessageSchema } from '../../registry/schema.js';

const ANY = 'google.protobuf.Any';
/** Well-known types whose values are not messages worth walking. */
const OPAQUE = new Set([
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
  'google.protobuf.UInt32Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.Int64Value',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Empty',
]);

/** One message reached by {@link walk}, with the chain of messages that contain it. */
export interface Visit {
  /** Full proto name of the message's type. */
  readonly type: string;
  /** The message (a decoded, generated object). */
  readonly message: unknown;
  /** Its path, in Envoy field names. */
  readonly path: string;
  /** The containing message, or undefined at the root. */
  readonly parent?: Visit;
}

/** What a visitor receives; return `false` to skip the message's children. */
export type Visitor = (visit: Visit) => void | boolean;

/** The result of unpacking an Any during a walk: the message, or why it could not be read. */
export type Unpacked = { type: string; message: unknown } | { type: string; error: string };

const unpacked = new WeakMap<object, { value: unknown; result: Unpacked }>();

/**
 * Unpacks an Any once: the decoded message is cached on the Any object (and dropped when the
 * Any's bytes are replaced), so the field rules, the semantic rules and the reference collector
 * share one decode.
 */
export function unpackCached(any: Any): Unpacked {
  const hit = unpacked.get(any);
  if (hit && hit.value === any.value) return hit.result;
  const typeUrl = any.typeUrl ?? '';
  const type = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  let result: Unpacked;
  if (!typeUrl) result = { type, error: 'empty type url' };
  else if (!findType(typeUrl)) result = { type, error: `unknown type ${typeUrl}` };
  else {
    try {
      result = { type, message: unpack(any) };
    } catch (e) {
      result = { type, error: (e as Error).message.toLowerCase() };
    }
  }
  unpacked.set(any, { value: any.value, result });
  return result;
}

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

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/**
 * Walks `message` of type `type` and every nested message; calls `visit` for each message whose
 * type is in `targets` (or for every message when `targets` is omitted).
 *
 * Anys are unpacked by their type URL; an Any of an unknown type is skipped (the field rules
 * report it). The walk is depth-first, parents before children, fields in declaration order.
 */
export function walk(type: string, message: unknown, path: string, visit: Visitor, targets?: readonly string[]): void {
  const wanted = targets ? new Set(targets) : undefined;
  const reach = targets ? reaching(targets) : undefined;
  const step = (t: string, msg: unknown, p: string, parent: Visit | undefined): void => {
    if (msg === null || typeof msg !== 'object') return;
    if (t === ANY) {
      const u = unpackCached(msg as Any);
      if ('message' in u) step(u.type, u.message, p, parent);
      return;
    }
    if (reach && !reach.has(t)) return;
    const schema = findMessageSchema(t);
    if (!schema) return;
    const here: Visit = { type: t, message: msg, path: p, parent };
    if (!wanted || wanted.has(t)) {
      if (visit(here) === false) return;
    }
    const m = msg as Record<string, unknown>;
    for (const f of schema.fields) {
      if (f.type === 'message') {
        const ref = f.ref!;
        if (OPAQUE.has(ref) || (reach && !reach.has(ref))) continue;
        const v = fieldValue(schema, f, m);
        if (v === undefined || v === null) continue;
        const fp = join(p, f.name);
        if (f.repeated) {
          if (Array.isArray(v)) v.forEach((x, i) => step(ref, x, `${fp}[${i}]`, here));
        } else step(ref, v, fp, here);
      } else if (f.type === 'map' && f.value === 'message') {
        const ref = f.valueRef!;
        if (OPAQUE.has(ref) || (reach && !reach.has(ref))) continue;
        const v = m[f.prop] as Record<string, unknown> | undefined;
        if (!v || typeof v !== 'object') continue;
        const fp = join(p, f.name);
        for (const k of Object.keys(v)) step(ref, v[k], `${fp}[${k}]`, here);
      }
    }
  };
  step(type, message, path, undefined);
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
