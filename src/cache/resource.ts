/**
 * Resource items: a message, or a message with an explicit name and/or a TTL.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
 */
import type { Duration } from '../gen/google/protobuf/duration.js';
import { parseDuration, type DurationInput } from '../registry/duration.js';
import { XdsValidationError, type Problem } from '../registry/errors.js';
import { resourceKindOf, resourceName, typeNameOfUrl } from '../registry/type-urls.js';
import type { ResourceEntry } from './store.js';

const SPEC = Symbol.for('xdskit.cache.ResourceSpec');

/** A duration: `"30s"`, `"250ms"`, `"1.5s"`, `"2m"`, `"1h"`, milliseconds, or a Duration message. */
export type { DurationInput } from '../registry/duration.js';

/** A resource with an explicit xDS name and/or a time to live. Made by {@link resource}/{@link withTtl}. */
export interface ResourceSpec<M = unknown> {
  readonly [SPEC]: true;
  /** The resource message. */
  readonly resource: M;
  /**
   * The xDS name. Needed only for types whose message carries no name (an `LbEndpoint` served
   * by LEDS); must equal the message's own name otherwise.
   * @default resourceName(typeUrl, resource)
   */
  readonly name?: string;
  /**
   * Time to live: the client drops the resource when neither an update nor a heartbeat arrives
   * within it. Such resources travel wrapped in `envoy.service.discovery.v3.Resource`.
   * @default undefined (no TTL)
   */
  readonly ttl?: Duration;
}

/** One resource given to a snapshot or a linear cache: the message itself, or a {@link ResourceSpec}. */
export type ResourceItem<M = unknown> = M | ResourceSpec<M>;

/** True for a {@link ResourceSpec} (as opposed to a bare message). */
export function isResourceSpec(v: unknown): v is ResourceSpec {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[SPEC] === true;
}

/**
 * A Duration message from a duration input (the registry's parser: exact, units `ns` to `h`,
 * milliseconds for numbers; negative or malformed durations are an `XdsValidationError`).
 *
 * @example toDuration('1.5s') // { seconds: '1', nanos: 500000000 }
 */
export function toDuration(d: DurationInput): Duration {
  return parseDuration(d);
}

/** A Duration as proto3 JSON text (`"30s"`, `"1.500s"`): the TTL's part of a resource's version. */
export function durationText(d: Duration): string {
  const s = String(d.seconds ?? '0');
  const n = d.nanos ?? 0;
  return n ? `${s}.${String(n).padStart(9, '0').replace(/0+$/, '')}s` : `${s}s`;
}

/**
 * A resource with an explicit name and/or TTL.
 *
 * @example resource(lbEndpoint, { name: 'xdstp://mesh/envoy.config.endpoint.v3.LbEndpoint/api/10.0.0.1:8080' })
 */
export function resource<M>(message: M, options: { name?: string; ttl?: DurationInput } = {}): ResourceSpec<M> {
  return Object.freeze({
    [SPEC]: true as const,
    resource: message,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.ttl !== undefined ? { ttl: toDuration(options.ttl) } : {}),
  });
}

/**
 * A resource with a time to live: the client removes it if the control plane goes away and no
 * heartbeat refreshes it. Needs the client feature `xds.config.supports-resource-ttl` (and
 * `xds.config.supports-resource-in-sotw` for SotW).
 *
 * @example snapshot.with('runtimes', [withTtl(faultInjectionRuntime, '30s')])
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
 */
export function withTtl<M>(message: M, ttl: DurationInput): ResourceSpec<M> {
  return resource(message, { ttl });
}

/** The items of one type: a list of messages/specs, or a map name → message/spec. */
export type TypeItems<M = unknown> = Iterable<ResourceItem<M>> | ReadonlyMap<string, ResourceItem<M>>;

/** What {@link resolveItems} needs of a store. */
interface PutTarget {
  put(typeUrl: string, message: unknown, ttl?: Duration): ResourceEntry;
}

/** A label for a type in messages and paths: its file kind (`clusters`) or its full name. */
export function typeLabel(typeUrl: string): string {
  return resourceKindOf(typeUrl) ?? typeNameOfUrl(typeUrl);
}

/**
 * The `[name, entry]` pairs of some items of a type, each stored in `store`.
 *
 * Throws {@link XdsValidationError} for a resource without a name, a name given twice (unless
 * `checkUnique` is false: the caller checks), or an explicit name that contradicts the
 * message's own.
 *
 * @internal
 */
export function resolveItems(store: PutTarget, typeUrl: string, items: TypeItems, checkUnique = true): [string, ResourceEntry][] {
  const out: [string, ResourceEntry][] = [];
  const seen = checkUnique ? new Set<string>() : undefined;
  let problems: Problem[] | undefined;
  const problem = (path: string, rule: string, message: string) => (problems ??= []).push({ path: `${typeLabel(typeUrl)}[${path}]`, rule, message });
  const nameProp = resourceName(typeUrl, { clusterName: 'c', name: 'n' }) === 'c' ? 'clusterName' : 'name';
  const byKey = isReadonlyMap(items);
  const list: Iterable<ResourceItem | [string, ResourceItem]> = items;
  let index = 0;
  for (const x of list) {
    const key = byKey ? (x as [string, ResourceItem])[0] : undefined;
    const item = byKey ? (x as [string, ResourceItem])[1] : (x as ResourceItem);
    const i = index++;
    const spec = isResourceSpec(item) ? item : undefined;
    const message = spec ? spec.resource : item;
    const own = message !== null && typeof message === 'object' ? (((message as Record<string, unknown>)[nameProp] as string | undefined) ?? '') : '';
    const name = key ?? spec?.name ?? own;
    if (key !== undefined && spec?.name !== undefined && spec.name !== key) {
      problem(key, 'name', `the name "${spec.name}" differs from its key "${key}"`);
      continue;
    }
    if (!name) {
      const field = nameProp === 'clusterName' ? 'cluster_name' : 'name';
      problem(String(i), 'name', `a resource of ${typeNameOfUrl(typeUrl)} needs a name (set its ${field}, or give one with resource(message, { name }))`);
      continue;
    }
    if (own && own !== name) {
      problem(name, 'name', `the resource is named "${own}" but given as "${name}"`);
      continue;
    }
    if (seen) {
      const before = seen.size;
      seen.add(name);
      if (seen.size === before) {
        problem(name, 'unique', `the name "${name}" is given twice; names are unique per type`);
        continue;
      }
    }
    out.push([name, spec ? store.put(typeUrl, message, spec.ttl) : store.put(typeUrl, message)]);
  }
  if (problems) throw new XdsValidationError(problems);
  return out;
}

/** Throws the error of a name given twice, if one is (the slow path of a failed size check). */
export function assertUnique(typeUrl: string, pairs: readonly (readonly [string, unknown])[]): void {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const [name] of pairs) {
    if (seen.has(name)) problems.push({ path: `${typeLabel(typeUrl)}[${name}]`, rule: 'unique', message: `the name "${name}" is given twice; names are unique per type` });
    seen.add(name);
  }
  if (problems.length) throw new XdsValidationError(problems);
}

function isReadonlyMap(v: unknown): v is ReadonlyMap<string, ResourceItem> {
  return v instanceof Map;
}
