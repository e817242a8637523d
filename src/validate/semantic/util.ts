/**
 * Small helpers shared by the semantic rules: paths, problems, enum names, Any types, IPs.
 */
import { isIP } from 'node:net';
import { show } from '../../registry/errors.js';
import { findEnumSchema } from '../../registry/schema.js';
import type { Any } from '../../registry/codec.js';
import type { Unpacker } from '../unpack.js';
import type { SemanticProblem } from './types.js';

/** `path.name`, or `name` at the root. */
export function at(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** An error. */
export function error(path: string, rule: string, message: string, value?: unknown): SemanticProblem {
  return value === undefined ? { path, rule, message } : { path, rule, message, value };
}

/** A warning: Envoy accepts it, but it is almost certainly a mistake. */
export function warning(path: string, rule: string, message: string, value?: unknown): SemanticProblem {
  return { ...error(path, rule, message, value), severity: 'warning' };
}

export { show };

/** The name of an enum value (`STRICT_DNS`), or its number when the enum does not define it. */
export function enumName(enumType: string, value: number | undefined): string {
  const v = value ?? 0;
  const e = findEnumSchema(enumType)?.values.find(([, n]) => n === v);
  return e ? e[0] : String(v);
}

/** The value of a ts-proto oneof union when its case is `member`. */
export function oneof<T = unknown>(union: unknown, member: string): T | undefined {
  const u = union as { $case?: string } | undefined;
  return u && u.$case === member ? ((u as Record<string, unknown>)[member] as T) : undefined;
}

const TYPED_STRUCTS = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

/**
 * The full name of the message an Any holds (`envoy.extensions.filters.http.router.v3.Router`).
 * A `TypedStruct` (udpa or xds) counts as the type named by its own `type_url` (unpacked
 * through `anys`, the validation call's).
 */
export function anyTypeName(any: Any | undefined, anys: Unpacker): string | undefined {
  const url = any?.typeUrl;
  if (!url) return undefined;
  const name = url.slice(url.lastIndexOf('/') + 1);
  if (TYPED_STRUCTS.has(name)) {
    const u = anys.unpack(any);
    const inner = 'message' in u ? (u.message as { typeUrl?: string }).typeUrl : undefined;
    if (inner) return inner.slice(inner.lastIndexOf('/') + 1);
  }
  return name;
}

/** True for an IPv4 or IPv6 literal (an IPv6 zone `%eth0` is allowed, brackets are not). */
export function isIpLiteral(s: string): boolean {
  if (isIP(s)) return true;
  const pct = s.indexOf('%');
  return pct > 0 && isIP(s.slice(0, pct)) === 6;
}

const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** True for a DNS name (RFC 1123 labels, an optional trailing dot). */
export function isHostname(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (!name || name.length > 253) return false;
  return name.split('.').every((l) => HOSTNAME_LABEL.test(l));
}

/** A short `a, b, c` list of quoted strings. */
export function quoteList(items: readonly string[]): string {
  return items.map((s) => JSON.stringify(s)).join(', ');
}
