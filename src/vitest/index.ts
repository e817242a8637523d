/**
 * Vitest matchers for Envoy configuration: `import 'xdskit/vitest'` adds
 * `expect(value).toBeValidEnvoy(type?)` and `expect(snapshot).toBeConsistentXdsSnapshot()`.
 *
 * vitest is a peer dependency: this module imports it, nothing else in xdskit does.
 *
 * @example
 * import 'xdskit/vitest';
 * expect(cluster).toBeValidEnvoy('envoy.config.cluster.v3.Cluster');
 * expect(fs.readFileSync('envoy.yaml', 'utf8')).toBeValidEnvoy();
 * expect({ listeners, routes, clusters, endpoints }).toBeConsistentXdsSnapshot();
 *
 * @module
 */
import { expect } from 'vitest';
import { typeInfo, unpack, type TypeRef } from '../registry/codec.js';
import { formatProblem, isXdsValidationError, type Problem } from '../registry/errors.js';
import { fromJson } from '../registry/json.js';
import { loadEnvoyConfig, resolveTypeHint, type LoadedConfig } from '../registry/load.js';
import { RESOURCE_KINDS } from '../registry/type-urls.js';
import { validate, type ValidationResult } from '../validate/validate.js';
import { validateBootstrap, validateSnapshot, type SnapshotOptions, type SnapshotResources } from '../validate/snapshot.js';
import type { Any } from '../gen/google/protobuf/any.js';

/** A loaded config (what `loadEnvoyConfig` returns), told apart without `instanceof`. */
function isLoadedConfig(v: unknown): v is LoadedConfig {
  return typeof v === 'object' && v !== null && (v as LoadedConfig).resources instanceof Map && typeof (v as LoadedConfig).kind === 'string';
}

function failed(problems: Problem[]): ValidationResult {
  return { ok: false, errors: problems, warnings: [] };
}

/** Validates a loaded config: a bootstrap with its static resources, anything else as a snapshot. */
function validateLoaded(loaded: LoadedConfig, strict: boolean): ValidationResult {
  const result =
    loaded.kind === 'bootstrap' && loaded.bootstrap
      ? validateBootstrap(loaded.bootstrap, { strict })
      : loaded.kind === 'resource' && loaded.root
        ? validate(loaded.root.type, loaded.root.message, { strict })
        : validateSnapshot(loaded.resources, { strict });
  const warnings = [...loaded.warnings, ...result.warnings];
  return { ...result, warnings };
}

/** What {@link toBeValidEnvoy} checks, and how it names it. */
function check(value: unknown, type: TypeRef | undefined): { what: string; result: ValidationResult } {
  try {
    if (type !== undefined) {
      const info = typeof type === 'string' ? resolveTypeHint(type) : typeInfo(type);
      if (typeof value === 'string') {
        return { what: `a valid ${info.fullName}`, result: validateLoaded(loadEnvoyConfig({ text: value }, { type: info.fullName }), true) };
      }
      return { what: `a valid ${info.fullName}`, result: validate(info.fullName, value) };
    }
    if (isLoadedConfig(value)) return { what: `a valid envoy config (${value.kind})`, result: validateLoaded(value, true) };
    if (typeof value === 'string') {
      const loaded = loadEnvoyConfig({ text: value });
      return { what: `a valid envoy config (${loaded.kind})`, result: validateLoaded(loaded, true) };
    }
    if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['@type'] === 'string') {
      const any = fromJson('google.protobuf.Any', value) as Any;
      const info = typeInfo(any.typeUrl ?? '');
      return { what: `a valid ${info.fullName}`, result: validate(info.fullName, unpack(any)) };
    }
    return {
      what: 'a valid envoy config',
      result: failed([
        {
          path: '',
          rule: 'type',
          message: 'cannot tell the type: give it (toBeValidEnvoy("envoy.config.cluster.v3.Cluster")), or pass a loaded config, YAML/JSON text, or a JSON object with "@type"',
        },
      ]),
    };
  } catch (e) {
    if (isXdsValidationError(e)) return { what: 'a valid envoy config', result: failed([...e.problems]) };
    return { what: 'a valid envoy config', result: failed([{ path: '', rule: 'read', message: (e as Error).message }]) };
  }
}

/** A listing of problems, one per line, for a failure message. */
function listing(result: ValidationResult): string {
  const lines = result.errors.map((p) => '  ' + formatProblem(p));
  if (result.warnings.length) lines.push('warnings:', ...result.warnings.map((p) => '  ' + formatProblem(p)));
  return lines.join('\n');
}

/** Reads a snapshot in any of the accepted shapes into resources by type URL. */
function snapshotResources(value: unknown): SnapshotResources | undefined {
  if (isLoadedConfig(value)) return value.resources;
  if (value instanceof Map) return value as SnapshotResources;
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const getter = typeof v.resources === 'function' ? 'resources' : typeof v.getResources === 'function' ? 'getResources' : undefined;
  if (getter) {
    // A cache snapshot: one call per resource type URL.
    const out = new Map<string, unknown[]>();
    for (const typeUrl of Object.values(RESOURCE_KINDS)) {
      const got = (v[getter] as (t: string) => unknown).call(value, typeUrl);
      const list = got instanceof Map ? [...got.values()] : Array.isArray(got) ? got : got && typeof got === 'object' ? Object.values(got) : [];
      if (list.length) out.set(typeUrl, list);
    }
    return out;
  }
  if (Object.keys(v).every((k) => k in RESOURCE_KINDS)) return v as SnapshotResources;
  return undefined;
}

/**
 * The matchers, for `expect.extend(xdskitMatchers)` when the side-effect import is not wanted.
 */
export const xdskitMatchers = {
  /**
   * Passes when the value is valid Envoy configuration: field rules, semantic rules and, for a
   * bootstrap or a set of resources, references.
   *
   * With `type` (codec, full name, type URL, kind like `clusters` or `Cluster`), the value is a
   * message of that type, or YAML/JSON text of one. Without, it is a loaded config
   * (`loadEnvoyConfig`), YAML/JSON text `loadEnvoyConfig` recognises, or a JSON object with
   * `@type`.
   */
  toBeValidEnvoy(this: { isNot: boolean }, received: unknown, type?: TypeRef) {
    const { what, result } = check(received, type);
    return {
      pass: result.ok,
      message: () =>
        this.isNot
          ? `expected value not to be ${what}, but it is`
          : `expected value to be ${what}, but found ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}:\n${listing(result)}`,
      actual: result.errors,
      expected: [],
    };
  },
  /**
   * Passes when a set of resources served together is valid and consistent: every resource
   * valid, names unique, every RDS/EDS/cluster/SDS reference resolved (see `validateSnapshot`).
   * Takes resources by kind, a Map by type URL, a loaded config, or a cache snapshot with a
   * `resources(typeUrl)` (or `getResources(typeUrl)`) method.
   */
  toBeConsistentXdsSnapshot(this: { isNot: boolean }, received: unknown, options?: SnapshotOptions) {
    const resources = snapshotResources(received);
    const result: ValidationResult = resources
      ? validateSnapshot(resources, options)
      : failed([
          {
            path: '',
            rule: 'type',
            message: `not a snapshot: expected resources by kind (${Object.keys(RESOURCE_KINDS).join(', ')}), a Map by type URL, a loaded config, or an object with resources(typeUrl)`,
          },
        ]);
    return {
      pass: result.ok,
      message: () =>
        this.isNot
          ? 'expected the snapshot not to be consistent, but it is'
          : `expected a consistent xDS snapshot, but found ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}:\n${listing(result)}`,
      actual: result.errors,
      expected: [],
    };
  },
};

expect.extend({ ...xdskitMatchers, toBeValidEnvoyConfig: xdskitMatchers.toBeValidEnvoy });

interface XdskitMatchers<R = unknown> {
  /** Passes when the value is valid Envoy configuration (see {@link xdskitMatchers}). */
  toBeValidEnvoy(type?: TypeRef): R;
  /** The same as `toBeValidEnvoy`. */
  toBeValidEnvoyConfig(type?: TypeRef): R;
  /** Passes when the resources form a valid, consistent xDS snapshot. */
  toBeConsistentXdsSnapshot(options?: SnapshotOptions): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Matchers<T = any> extends XdskitMatchers<T> {}
}
