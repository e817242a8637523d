/**
 * Validation of resources together: a snapshot (what a control plane serves) or a bootstrap's
 * static resources. Each resource is validated on its own (field and semantic rules), then
 * across resources: unique names, no two listeners on one address, and every reference — RDS
 * route configuration names, scoped routes, EDS service names, clusters named by routes, TCP
 * proxies and other filters, SDS secret names, ECDS extension configs — resolves.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#eventual-consistency-considerations
 */
import { typeInfo } from '../registry/codec.js';
import type { Problem } from '../registry/errors.js';
import { RESOURCE_KINDS, resourceKindOf, resourceName, type ResourceKind } from '../registry/type-urls.js';
import { collectReferences, type Reference, type ReferenceKind } from './references.js';
import { validate, type ValidationResult } from './validate.js';
import { discoveryType } from './semantic/cluster.js';
import { at, oneof, show } from './semantic/util.js';
import { Unpacker } from './unpack.js';
import type { Bootstrap } from '../gen/envoy/config/bootstrap/v3/bootstrap.js';

/** Resources by kind (`{ listeners: [...], clusters: [...] }`) or by type URL (a Map). */
export type SnapshotResources =
  | Partial<Record<ResourceKind, readonly unknown[]>>
  | ReadonlyMap<string, readonly unknown[] | ReadonlyMap<string, unknown>>;

/** Options of {@link validateSnapshot}. */
export interface SnapshotOptions {
  /**
   * An Any of an unknown `@type` is an error when true, a warning when false.
   *
   * @default true
   */
  strict?: boolean;
  /**
   * Check only what is between resources (names, listener addresses, references), not each
   * resource's own field and semantic rules — for callers that validated each resource already.
   *
   * @default false
   */
  referencesOnly?: boolean;
  /**
   * The bootstrap the snapshot will be served to: its static clusters and secrets count as
   * present (a route may send to a cluster defined in the bootstrap, a TLS context may name a
   * static secret).
   *
   * @default undefined
   */
  bootstrap?: Bootstrap;
  /**
   * Reference kinds not to resolve — e.g. `['endpoints']` for an admin config dump taken
   * without `?include_eds`, which holds no endpoints at all.
   *
   * @default []
   */
  unchecked?: readonly ReferenceKind[];
}

/** The kind a reference points at, as a resource kind of a snapshot. */
const TARGET_KIND: Record<ReferenceKind, ResourceKind> = {
  cluster: 'clusters',
  route: 'routes',
  scoped_routes: 'scoped_routes',
  endpoints: 'endpoints',
  secret: 'secrets',
  extension_config: 'extension_configs',
};

const NOUN: Record<ResourceKind, string> = {
  listeners: 'listener',
  routes: 'route configuration',
  scoped_routes: 'scoped route configuration',
  virtual_hosts: 'virtual host',
  clusters: 'cluster',
  endpoints: 'cluster load assignment',
  secrets: 'secret',
  runtimes: 'runtime',
  extension_configs: 'extension config',
};

interface Entry {
  kind: ResourceKind | undefined;
  typeUrl: string;
  name: string;
  path: string;
  resource: unknown;
  /** The references it makes, when collected already (with the Anys its validation decoded). */
  refs?: Reference[];
}

function listOf(v: readonly unknown[] | ReadonlyMap<string, unknown> | undefined): readonly unknown[] {
  if (!v) return [];
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.values()];
  return [];
}

function entriesOf(resources: SnapshotResources): Entry[] {
  const groups: [string, readonly unknown[]][] = [];
  if (resources instanceof Map) {
    for (const [typeUrl, list] of resources as ReadonlyMap<string, readonly unknown[] | ReadonlyMap<string, unknown>>) {
      groups.push([typeInfo(typeUrl).typeUrl, listOf(list)]);
    }
  } else {
    for (const [kind, list] of Object.entries(resources as Record<string, readonly unknown[]>)) {
      const typeUrl = RESOURCE_KINDS[kind as ResourceKind];
      if (!typeUrl) throw new TypeError(`unknown resource kind "${kind}": expected one of ${Object.keys(RESOURCE_KINDS).join(', ')}`);
      groups.push([typeUrl, listOf(list)]);
    }
  }
  const out: Entry[] = [];
  for (const [typeUrl, list] of groups) {
    const kind = resourceKindOf(typeUrl);
    const prefix = kind ?? typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    list.forEach((resource, i) => {
      const name = resourceName(typeUrl, resource);
      out.push({ kind, typeUrl, name, path: `${prefix}[${name || i}]`, resource });
    });
  }
  return out;
}

/** A listener's bound addresses (`TCP 0.0.0.0:80`), none when it does not bind. */
function boundAddresses(l: any): { key: string; path: string }[] {
  if (l?.bindToPort === false) return [];
  const out: { key: string; path: string }[] = [];
  const add = (a: any, path: string) => {
    const sa = oneof<any>(a?.address, 'socketAddress');
    if (sa) {
      const port = oneof<number>(sa.portSpecifier, 'portValue');
      if (!port) return; // port 0: an ephemeral port, never a conflict
      const proto = sa.protocol === 1 ? 'UDP' : 'TCP';
      out.push({ key: `${proto} ${sa.address?.includes(':') ? `[${sa.address}]` : sa.address}:${port}`, path });
      return;
    }
    const pipe = oneof<any>(a?.address, 'pipe');
    if (pipe?.path) out.push({ key: `pipe ${pipe.path}`, path });
  };
  add(l?.address, 'address');
  (l?.additionalAddresses ?? []).forEach((x: any, i: number) => add(x?.address, `additional_addresses[${i}].address`));
  return out;
}

interface CrossCheck {
  entries: Entry[];
  /** Names present per kind (the snapshot's, plus those given from elsewhere). */
  present: Map<ResourceKind, Set<string>>;
  /** Which references must resolve. */
  mustResolve: (r: Reference) => boolean;
  /** Which unreferenced resources to warn about. */
  warnUnreferenced: (kind: ResourceKind) => boolean;
  noun: (kind: ResourceKind) => string;
  /** The Anys of the call, for entries whose references are not collected yet; one per entry when absent. */
  anys?: Unpacker;
}

/** Duplicate names, listener address conflicts, references, unreferenced resources. */
function crossCheck(c: CrossCheck, errors: Problem[], warnings: Problem[]): void {
  const byKind = new Map<ResourceKind, Map<string, Entry>>();
  const bound = new Map<string, Entry>();
  for (const e of c.entries) {
    if (!e.kind) continue;
    let names = byKind.get(e.kind);
    if (!names) byKind.set(e.kind, (names = new Map()));
    if (!e.name) {
      errors.push({ path: e.path, rule: 'resource_name', message: `a ${c.noun(e.kind)} needs a name to be served and referenced` });
    } else {
      const prev = names.get(e.name);
      if (prev) {
        errors.push({
          path: e.path,
          rule: 'duplicate_name',
          message: `${c.noun(e.kind)} name ${show(e.name)} is used twice: names must be unique per type`,
          value: e.name,
        });
      } else names.set(e.name, e);
    }
    if (e.kind === 'listeners') {
      for (const b of boundAddresses(e.resource)) {
        const other = bound.get(b.key);
        if (other && other !== e) {
          errors.push({
            path: at(e.path, b.path),
            rule: 'listener.address_unique',
            message: `listener ${show(e.name)} binds ${b.key.replace(/^\S+ /, '')} (${b.key.split(' ')[0]}), already bound by listener ${show(other.name)}; set bind_to_port: false on one of them or use another port`,
            value: b.key,
          });
        } else bound.set(b.key, e);
      }
    }
  }

  const referenced = new Map<ResourceKind, Set<string>>();
  for (const e of c.entries) {
    if (!e.kind) continue;
    for (const r of e.refs ?? collectReferences(typeInfo(e.typeUrl).fullName, e.resource, e.path, c.anys)) {
      const target = TARGET_KIND[r.kind];
      let refs = referenced.get(target);
      if (!refs) referenced.set(target, (refs = new Set()));
      refs.add(r.name);
      if (r.kind === 'scoped_routes') {
        if (c.mustResolve(r) && !(byKind.get('scoped_routes')?.size ?? 0)) {
          errors.push({
            path: r.path,
            rule: 'reference.scoped_routes',
            message: `scoped routes ${show(r.name)} load scoped route configurations by SRDS, but there is none`,
          });
        }
        for (const n of byKind.get('scoped_routes')?.keys() ?? []) refs.add(n);
        continue;
      }
      if (!c.mustResolve(r)) continue;
      if (byKind.get(target)?.has(r.name) || c.present.get(target)?.has(r.name)) continue;
      errors.push({
        path: r.path,
        rule: `reference.${r.kind}`,
        message: `${c.noun(target)} ${show(r.name)} is not defined${r.source === 'transport' ? ' (a config source needs a static cluster)' : ''}: no ${c.noun(target)} has that name`,
        value: r.name,
      });
    }
  }

  for (const [kind, names] of byKind) {
    if (kind === 'listeners' || !c.warnUnreferenced(kind)) continue;
    const refs = referenced.get(kind);
    for (const [name, e] of names) {
      if (refs?.has(name)) continue;
      warnings.push({ path: e.path, rule: 'unreferenced', message: `${c.noun(kind)} ${show(name)} is not referenced by any other resource`, value: name });
    }
  }
}

/**
 * Validates resources that are served together: each one on its own (field and semantic
 * rules, unless `referencesOnly`), then across resources:
 * - names are unique per type (`duplicate_name`) and present (`resource_name`);
 * - no two listeners bind the same protocol, address and port (`listener.address_unique`;
 *   listeners with `bind_to_port: false` and port 0 excluded);
 * - every reference resolves (`reference.route`, `reference.cluster`, `reference.endpoints`,
 *   `reference.secret`, `reference.extension_config`, `reference.scoped_routes`): references
 *   through a file config source (`path`) are not checked, nor clusters that carry xDS itself
 *   (a config source's cluster lives in the bootstrap), nor static SDS secrets unless
 *   `bootstrap` is given;
 * - a cluster, route configuration, endpoint assignment or secret nothing references is a
 *   warning (`unreferenced`).
 *
 * Paths start with the kind and the resource's name: `clusters[api].load_assignment`.
 *
 * @param resources resources by kind (`{ listeners, routes, clusters, endpoints, secrets }`) or
 *   by type URL (a Map, as `loadEnvoyConfig` gives)
 * @example
 * const { ok, errors } = validateSnapshot({ listeners, routes, clusters, endpoints });
 */
export function validateSnapshot(resources: SnapshotResources, options: SnapshotOptions = {}): ValidationResult {
  return checkSnapshot(resources, options, undefined);
}

/** What checking one resource on its own gave, kept by a {@link SnapshotValidator}. */
interface Checked {
  readonly path: string;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
  readonly refs: Reference[] | undefined;
}

/**
 * Validates successive snapshots that share most of their resources — what a snapshot cache
 * does on every `setSnapshot` and `patch` — checking each resource object on its own once.
 *
 * Resources are immutable once served (the content-addressed store relies on it too), and a
 * snapshot patched from another holds the very same objects for what did not change. So each
 * resource's own problems (field and semantic rules) and the references it makes are kept,
 * weakly, by object, and a later snapshot reuses them for every object it shares; only the
 * checks across resources (names, addresses, references resolving) run over the whole snapshot
 * again, and they are cheap. Patching one resource of a 100k-resource snapshot checks that
 * resource, not 100k.
 *
 * Gives exactly what {@link validateSnapshot} gives with the same options.
 *
 * @example
 * const validator = new SnapshotValidator();
 * validator.validate({ clusters, endpoints }); // checks every resource
 * validator.validate({ clusters: [...clusters, added], endpoints }); // checks `added`, then references
 */
export class SnapshotValidator {
  private readonly checked = new WeakMap<object, Checked>();

  constructor(private readonly options: SnapshotOptions = {}) {}

  /** Validates a snapshot's resources (see {@link validateSnapshot}). */
  validate(resources: SnapshotResources): ValidationResult {
    return checkSnapshot(resources, this.options, this.checked);
  }
}

function checkSnapshot(resources: SnapshotResources, options: SnapshotOptions, memo: WeakMap<object, Checked> | undefined): ValidationResult {
  const entries = entriesOf(resources);
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  if (!options.referencesOnly) {
    for (const e of entries) {
      const key = memo && typeof e.resource === 'object' && e.resource !== null ? e.resource : undefined;
      const known = key && memo!.get(key);
      if (known && known.path === e.path) {
        errors.push(...known.errors);
        warnings.push(...known.warnings);
        if (e.kind) e.refs = known.refs;
        continue;
      }
      // One resource at a time: its Anys are decoded once for its field rules, its semantic
      // rules and its references, and dropped before the next resource.
      const anys = new Unpacker();
      const r = validate(e.typeUrl, e.resource, { strict: options.strict ?? true, path: e.path }, anys);
      errors.push(...r.errors);
      warnings.push(...r.warnings);
      if (e.kind) e.refs = collectReferences(typeInfo(e.typeUrl).fullName, e.resource, e.path, anys);
      if (key) memo!.set(key, { path: e.path, errors: r.errors, warnings: r.warnings, refs: e.refs });
    }
  }
  const present = new Map<ResourceKind, Set<string>>();
  const s = options.bootstrap?.staticResources;
  if (s) {
    present.set('clusters', new Set((s.clusters ?? []).map((x) => x.name ?? '')));
    present.set('secrets', new Set((s.secrets ?? []).map((x) => x.name ?? '')));
  }
  crossCheck(
    {
      entries,
      present,
      mustResolve: (r) =>
        r.source !== 'path' && r.source !== 'transport' && (r.source !== 'static' || !!options.bootstrap) && !options.unchecked?.includes(r.kind),
      warnUnreferenced: () => true,
      noun: (k) => NOUN[k],
    },
    errors,
    warnings,
  );
  return { ok: errors.length === 0, errors, warnings };
}

/**
 * Validates a bootstrap: the bootstrap itself (field and semantic rules) and its static
 * resources together — unique names, listener addresses, and the references that can be
 * resolved without a control plane:
 * - clusters: every cluster named by a static listener, cluster, tracer, stats sink or
 *   `cluster_manager.local_cluster_name` is a static cluster — unless the bootstrap also loads
 *   clusters by CDS; the cluster of a config source (ADS, CDS, LDS, EDS over gRPC) must always
 *   be static;
 * - secrets: an SDS secret config without `sds_config` names a static secret.
 * RDS, EDS and dynamic SDS names come from the control plane and are not checked. Unreferenced
 * static clusters and secrets are warnings only in a fully static bootstrap (no LDS, CDS or ADS).
 *
 * Paths are the bootstrap's: `static_resources.clusters[2].load_assignment`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto
 */
export function validateBootstrap(bootstrap: Bootstrap | unknown, options: Pick<SnapshotOptions, 'strict' | 'referencesOnly'> = {}): ValidationResult {
  const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
  const b = (bootstrap ?? {}) as Bootstrap;
  // One decode of every Any for the whole call: the static resources are inside the bootstrap.
  const anys = new Unpacker();
  const result = options.referencesOnly ? { ok: true, errors: [] as Problem[], warnings: [] as Problem[] } : validate(BOOTSTRAP, bootstrap, { strict: options.strict ?? true }, anys);
  const errors = [...result.errors];
  const warnings = [...result.warnings];
  const s = b.staticResources ?? {};
  const entries: Entry[] = [];
  const push = (kind: ResourceKind, field: string, list: readonly unknown[] | undefined) =>
    (list ?? []).forEach((resource, i) =>
      entries.push({ kind, typeUrl: RESOURCE_KINDS[kind], name: resourceName(RESOURCE_KINDS[kind], resource), path: `static_resources.${field}[${i}]`, resource }),
    );
  push('listeners', 'listeners', s.listeners);
  push('clusters', 'clusters', s.clusters);
  push('secrets', 'secrets', s.secrets);
  const d = b.dynamicResources;
  const dynamicClusters = !!(d?.cdsConfig || d?.cdsResourcesLocator);
  const dynamicListeners = !!(d?.ldsConfig || d?.ldsResourcesLocator);
  const fullyStatic = !dynamicClusters && !dynamicListeners && !d?.adsConfig;

  // References from outside static_resources (dynamic_resources, cluster_manager, tracing,
  // stats sinks, admin...): walk the bootstrap without its static resources.
  const rest = { ...b, staticResources: undefined } as Bootstrap;
  const outside: Entry = { kind: undefined, typeUrl: 'type.googleapis.com/' + BOOTSTRAP, name: '', path: '', resource: rest };
  const staticClusters = new Map((s.clusters ?? []).map((c) => [c.name ?? '', c] as const));
  crossCheck(
    {
      entries: [...entries],
      present: new Map(),
      mustResolve: (r) => {
        if (r.kind === 'cluster') return r.source === 'transport' || !dynamicClusters;
        if (r.kind === 'secret') return r.source === 'static';
        return false;
      },
      warnUnreferenced: (k) => fullyStatic && (k === 'clusters' || k === 'secrets'),
      noun: (k) => (k === 'clusters' || k === 'secrets' || k === 'listeners' ? `static ${NOUN[k]}` : NOUN[k]),
      anys,
    },
    errors,
    warnings,
  );
  // The references made outside static_resources must resolve to static clusters.
  const seen = new Set(errors.map((p) => p.path));
  const outsideRefs = collectReferences(BOOTSTRAP, outside.resource, '', anys);
  for (const r of outsideRefs) {
    if (r.kind !== 'cluster') continue;
    const c = staticClusters.get(r.name);
    if (!c && (r.source === 'transport' || !dynamicClusters || r.path.startsWith('cluster_manager.'))) {
      if (!seen.has(r.path)) {
        errors.push({ path: r.path, rule: 'reference.cluster', message: `static cluster ${show(r.name)} is not defined: no static cluster has that name`, value: r.name });
      }
    } else if (c && r.source === 'transport' && discoveryType(c) === 'EDS') {
      errors.push({ path: r.path, rule: 'reference.cluster', message: `cluster ${show(r.name)} carries a config source, so it must be a static non-EDS cluster; it is EDS`, value: r.name });
    }
  }
  // Unreferenced warnings must count references made from outside static_resources too.
  if (fullyStatic) {
    const outsideNames = new Set(outsideRefs.map((r) => `${r.kind}\u0000${r.name}`));
    for (let i = warnings.length - 1; i >= 0; i--) {
      const w = warnings[i]!;
      if (w.rule !== 'unreferenced') continue;
      const kind = w.path.startsWith('static_resources.clusters') ? 'cluster' : 'secret';
      if (outsideNames.has(`${kind}\u0000${String(w.value)}`)) warnings.splice(i, 1);
    }
  }
  return { ok: errors.length === 0, errors, warnings };
}
