/**
 * Loads Envoy configuration files of every common shape into typed resources.
 *
 * Recognised roots: a Bootstrap (its static resources), an admin ConfigDump (static and dynamic
 * sections of every dump type), a DiscoveryResponse, a mapping of resources by kind
 * (`listeners`, `routes`, `clusters`, `endpoints`, `secrets`...), a list of resources each with
 * its `@type`, and a single resource when a type is given. A directory is the union of its files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { XdsValidationError, type Problem } from './errors.js';
import { decode, findType, typeInfo, unpack, type TypeInfo } from './codec.js';
import { fromJson, type ReadOptions } from './json.js';
import { parseYaml } from './yaml.js';
import { RESOURCE_KINDS, TYPE_URL_PREFIX, resourceKindOf, resourceName, type ResourceKind } from './type-urls.js';
import type { Any } from '../gen/google/protobuf/any.js';
import type { Bootstrap } from '../gen/envoy/config/bootstrap/v3/bootstrap.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const CONFIG_DUMP = 'envoy.admin.v3.ConfigDump';
const DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';
const DELTA_DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
const RESOURCE_ENVELOPE = 'envoy.service.discovery.v3.Resource';
const FILE_EXTENSIONS = ['.yaml', '.yml', '.json', '.pb', '.binpb'];

/** What the root of a loaded file was. */
export type ConfigKind =
  | 'bootstrap'
  | 'config_dump'
  | 'discovery_response'
  | 'delta_discovery_response'
  | 'resources'
  | 'resource_list'
  | 'resource';

/** A loaded configuration: its resources by type URL, and the root message when there is one. */
export interface LoadedConfig {
  /** What the root was. */
  kind: ConfigKind;
  /** Resources by type URL, in the order found. */
  resources: Map<string, unknown[]>;
  /** The root message (Bootstrap, ConfigDump, DiscoveryResponse or single resource). */
  root?: { type: string; message: unknown };
  /** The Bootstrap, for a bootstrap or a config dump that holds one. */
  bootstrap?: Bootstrap;
  /** Warnings of lenient reading. */
  warnings: Problem[];
  /** The file (or directory) read, or `<text>`. */
  source: string;
}

/** Options for {@link loadEnvoyConfig}. */
export interface LoadOptions extends Omit<ReadOptions, 'warnings' | 'path'> {
  /**
   * The type of the root when it cannot be recognised: a full name, a type URL, a resource
   * kind (`clusters`) or a message name of an xDS resource (`Cluster`).
   */
  type?: string;
  /** Input format; by default from the file extension, else YAML (which also reads JSON). */
  format?: 'yaml' | 'json' | 'binary';
}

/** The input of {@link loadEnvoyConfig}: a path, or text (YAML/JSON), or bytes with a type. */
export type LoadInput = string | { path: string } | { text: string; source?: string } | { bytes: Uint8Array; source?: string };

function invalid(source: string, rule: string, message: string, p = ''): never {
  throw new XdsValidationError([{ path: p, rule, message }], `${source}: ${message}`);
}

/**
 * Resolves a type given on a command line or in options: full name, type URL, resource kind
 * (`clusters`) or the message name of an xDS resource or bootstrap (`Cluster`, `Bootstrap`).
 */
export function resolveTypeHint(hint: string): TypeInfo {
  const direct = findType(hint);
  if (direct) return direct;
  if (hint in RESOURCE_KINDS) return typeInfo(RESOURCE_KINDS[hint as ResourceKind]);
  const candidates = [...Object.values(RESOURCE_KINDS), TYPE_URL_PREFIX + BOOTSTRAP, TYPE_URL_PREFIX + CONFIG_DUMP, TYPE_URL_PREFIX + DISCOVERY_RESPONSE];
  const byShort = candidates.filter((u) => u.slice(u.lastIndexOf('.') + 1).toLowerCase() === hint.toLowerCase());
  if (byShort.length === 1) return typeInfo(byShort[0]!);
  throw new XdsValidationError(
    [{ path: '', rule: 'type', message: `unknown type "${hint}": give a full name (envoy.config.cluster.v3.Cluster), a type URL or a kind (${Object.keys(RESOURCE_KINDS).join(', ')})` }],
    `unknown type "${hint}"`,
  );
}

function add(resources: Map<string, unknown[]>, typeUrl: string, msg: unknown): void {
  let list = resources.get(typeUrl);
  if (!list) resources.set(typeUrl, (list = []));
  list.push(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromBootstrap(b: Bootstrap, resources: Map<string, unknown[]>): void {
  const s = b.staticResources;
  if (!s) return;
  for (const l of s.listeners ?? []) add(resources, RESOURCE_KINDS.listeners, l);
  for (const c of s.clusters ?? []) add(resources, RESOURCE_KINDS.clusters, c);
  for (const x of s.secrets ?? []) add(resources, RESOURCE_KINDS.secrets, x);
}

function addAny(resources: Map<string, unknown[]>, any: Any | undefined): void {
  if (!any?.typeUrl) return;
  let a = any;
  if (a.typeUrl!.endsWith('/' + RESOURCE_ENVELOPE)) {
    const env = unpack(a) as { resource?: Any };
    if (!env.resource) return;
    a = env.resource;
  }
  const info = typeInfo(a.typeUrl ?? '');
  add(resources, info.typeUrl, unpack(a));
}

/** Pulls every resource out of an admin ConfigDump: static and dynamic sections of each dump. */
function fromConfigDump(dump: { configs?: Any[] }, out: LoadedConfig): void {
  const r = new Map<string, unknown[]>();
  const dumped = new Set<string>();
  for (const any of dump.configs ?? []) {
    const typeUrl = any.typeUrl ?? '';
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const d = unpack(any) as Record<string, any>;
    switch (name) {
      case 'envoy.admin.v3.BootstrapConfigDump':
        if (d.bootstrap) out.bootstrap = d.bootstrap;
        break;
      case 'envoy.admin.v3.ListenersConfigDump':
        for (const x of d.staticListeners ?? []) addAny(r, x.listener);
        for (const x of d.dynamicListeners ?? []) addAny(r, (x.activeState ?? x.warmingState ?? x.drainingState)?.listener);
        break;
      case 'envoy.admin.v3.ClustersConfigDump':
        for (const x of d.staticClusters ?? []) addAny(r, x.cluster);
        for (const x of d.dynamicActiveClusters ?? []) addAny(r, x.cluster);
        for (const x of d.dynamicWarmingClusters ?? []) addAny(r, x.cluster);
        break;
      case 'envoy.admin.v3.RoutesConfigDump':
        for (const x of d.staticRouteConfigs ?? []) addAny(r, x.routeConfig);
        for (const x of d.dynamicRouteConfigs ?? []) addAny(r, x.routeConfig);
        break;
      case 'envoy.admin.v3.ScopedRoutesConfigDump':
        for (const x of [...(d.inlineScopedRouteConfigs ?? []), ...(d.dynamicScopedRouteConfigs ?? [])]) {
          for (const s of x.scopedRouteConfigs ?? []) addAny(r, s);
        }
        break;
      case 'envoy.admin.v3.EndpointsConfigDump':
        for (const x of d.staticEndpointConfigs ?? []) addAny(r, x.endpointConfig);
        for (const x of d.dynamicEndpointConfigs ?? []) addAny(r, x.endpointConfig);
        break;
      case 'envoy.admin.v3.SecretsConfigDump':
        for (const x of d.staticSecrets ?? []) addAny(r, x.secret);
        for (const x of d.dynamicActiveSecrets ?? []) addAny(r, x.secret);
        for (const x of d.dynamicWarmingSecrets ?? []) addAny(r, x.secret);
        break;
      case 'envoy.admin.v3.EcdsConfigDump':
        for (const x of d.ecdsFilters ?? []) addAny(r, x.ecdsFilter);
        break;
      default:
        continue; // runtime, clusters' load stats...: not xDS resources
    }
    dumped.add(name);
  }
  // The bootstrap's static resources are dumped again as the static_* entries of the per-kind
  // dumps; take them from the bootstrap only for kinds the dump has no section for.
  if (out.bootstrap) {
    const fromBoot = new Map<string, unknown[]>();
    fromBootstrap(out.bootstrap, fromBoot);
    const section: Record<string, string> = {
      [RESOURCE_KINDS.listeners]: 'envoy.admin.v3.ListenersConfigDump',
      [RESOURCE_KINDS.clusters]: 'envoy.admin.v3.ClustersConfigDump',
      [RESOURCE_KINDS.secrets]: 'envoy.admin.v3.SecretsConfigDump',
    };
    for (const [t, list] of fromBoot) if (!dumped.has(section[t]!)) for (const m of list) add(r, t, m);
  }
  // A resource listed twice (active and warming, say) is kept once: the first, active, one.
  for (const [typeUrl, list] of r) {
    const seen = new Set<string>();
    for (const m of list) {
      const name = resourceName(typeUrl, m);
      if (name && seen.has(name)) continue;
      seen.add(name);
      add(out.resources, typeUrl, m);
    }
  }
}

const BOOTSTRAP_HINT_KEYS = ['static_resources', 'staticResources', 'dynamic_resources', 'dynamicResources', 'admin', 'node', 'layered_runtime', 'layeredRuntime'];

/** Recognises the root of already-parsed data and loads it. */
export function loadParsed(data: unknown, options: LoadOptions & { source?: string } = {}): LoadedConfig {
  const source = options.source ?? '<text>';
  const warnings: Problem[] = [];
  const read = { strict: options.strict, warnings };
  const out: LoadedConfig = { kind: 'resource', resources: new Map(), warnings, source };
  const readAs = (type: string, value: unknown, p = '') => fromJson(type, value, { ...read, path: p });

  if (options.type) {
    const info = resolveTypeHint(options.type);
    if (Array.isArray(data)) {
      out.kind = 'resource_list';
      data.forEach((item, i) => add(out.resources, info.typeUrl, readAs(info.fullName, item, `[${i}]`)));
      return out;
    }
    return loadRoot(info.fullName, readAs(info.fullName, data), out);
  }
  if (Array.isArray(data)) {
    out.kind = 'resource_list';
    data.forEach((item, i) => {
      if (!isObject(item) || typeof item['@type'] !== 'string') {
        invalid(source, 'any_type', 'each item of a list of resources needs its "@type" (or give --type)', `[${i}]`);
      }
      const any = readAs('google.protobuf.Any', item, `[${i}]`) as Any;
      addAny(out.resources, any);
    });
    return out;
  }
  if (!isObject(data)) {
    return invalid(source, 'root', 'expected a mapping or a list at the top of the file');
  }
  if (typeof data['@type'] === 'string') {
    const any = readAs('google.protobuf.Any', data) as Any;
    const info = typeInfo(any.typeUrl ?? '');
    return loadRoot(info.fullName, unpack(any), out);
  }
  const keys = Object.keys(data);
  if (keys.length && keys.every((k) => k in RESOURCE_KINDS)) {
    out.kind = 'resources';
    for (const k of keys) {
      const typeUrl = RESOURCE_KINDS[k as ResourceKind];
      const list = data[k];
      if (list === null || list === undefined) continue;
      if (!Array.isArray(list)) invalid(source, 'list', `"${k}" must be a list of ${typeUrl.slice(TYPE_URL_PREFIX.length)}`, k);
      (list as unknown[]).forEach((item, i) => {
        let value = item;
        if (isObject(item) && '@type' in item) {
          const { ['@type']: t, ...rest } = item;
          if (typeof t === 'string' && findType(t)?.typeUrl !== typeUrl) {
            invalid(source, 'any_type', `@type ${JSON.stringify(t)} does not belong in "${k}" (${typeUrl})`, `${k}[${i}]`);
          }
          value = rest;
        }
        add(out.resources, typeUrl, readAs(typeUrl, value, `${k}[${i}]`));
      });
    }
    return out;
  }
  if (Array.isArray(data['configs'])) return loadRoot(CONFIG_DUMP, readAs(CONFIG_DUMP, data), out);
  if ('resources' in data && ('system_version_info' in data || 'systemVersionInfo' in data || 'removed_resources' in data || 'removedResources' in data)) {
    return loadRoot(DELTA_DISCOVERY_RESPONSE, readAs(DELTA_DISCOVERY_RESPONSE, data), out);
  }
  if ('resources' in data && ('type_url' in data || 'typeUrl' in data || 'version_info' in data || 'versionInfo' in data)) {
    // A delta response's resources are envelopes (name, version, resource): tell it by them.
    const first = Array.isArray(data['resources']) ? (data['resources'] as unknown[])[0] : undefined;
    const delta = isObject(first) && !('@type' in first) && ('resource' in first || 'version' in first);
    const type = delta ? DELTA_DISCOVERY_RESPONSE : DISCOVERY_RESPONSE;
    return loadRoot(type, readAs(type, data), out);
  }
  if (keys.some((k) => BOOTSTRAP_HINT_KEYS.includes(k))) return loadRoot(BOOTSTRAP, readAs(BOOTSTRAP, data), out);
  return invalid(
    source,
    'root',
    'unrecognised config: expected a Bootstrap, a ConfigDump (configs:), a DiscoveryResponse (resources:, type_url:), ' +
      `a mapping of resources by kind (${Object.keys(RESOURCE_KINDS).join(', ')}) or a list of resources with "@type"; ` +
      'give the type (--type) for a single resource',
  );
}

function loadRoot(fullName: string, message: unknown, out: LoadedConfig): LoadedConfig {
  out.root = { type: fullName, message };
  if (fullName === BOOTSTRAP) {
    out.kind = 'bootstrap';
    out.bootstrap = message as Bootstrap;
    fromBootstrap(message as Bootstrap, out.resources);
  } else if (fullName === CONFIG_DUMP) {
    out.kind = 'config_dump';
    fromConfigDump(message as { configs?: Any[] }, out);
  } else if (fullName === DISCOVERY_RESPONSE) {
    out.kind = 'discovery_response';
    for (const any of (message as { resources?: Any[] }).resources ?? []) addAny(out.resources, any);
  } else if (fullName === DELTA_DISCOVERY_RESPONSE) {
    out.kind = 'delta_discovery_response';
    for (const r of (message as { resources?: { resource?: Any }[] }).resources ?? []) addAny(out.resources, r.resource);
  } else {
    out.kind = 'resource';
    add(out.resources, TYPE_URL_PREFIX + fullName, message);
  }
  return out;
}

function formatOf(file: string, given?: LoadOptions['format']): 'yaml' | 'json' | 'binary' {
  if (given) return given;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.pb' || ext === '.binpb' || ext === '.bin') return 'binary';
  return 'yaml';
}

function parseText(text: string, format: 'yaml' | 'json', source: string): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      return invalid(source, 'json', `invalid json: ${(e as Error).message.toLowerCase()}`);
    }
  }
  return parseYaml(text, '');
}

function loadFile(file: string, options: LoadOptions): LoadedConfig {
  const format = formatOf(file, options.format);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return invalid(file, 'read', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (format === 'binary') return loadBytes(bytes, options, file);
  try {
    return loadParsed(parseText(bytes.toString('utf8'), format, file), { ...options, source: file });
  } catch (e) {
    if (e instanceof XdsValidationError && !e.message.startsWith(file)) {
      throw new XdsValidationError(e.problems, `${file}: ${e.message}`);
    }
    throw e;
  }
}

function loadBytes(bytes: Uint8Array, options: LoadOptions, source: string): LoadedConfig {
  if (!options.type) return invalid(source, 'type', 'binary input needs its type (--type)');
  const info = resolveTypeHint(options.type);
  let message: unknown;
  try {
    message = decode(info.fullName, bytes);
  } catch (e) {
    return invalid(source, 'decode', `cannot decode as ${info.fullName}: ${(e as Error).message.toLowerCase()}`);
  }
  return loadRoot(info.fullName, message, { kind: 'resource', resources: new Map(), warnings: [], source });
}

/** The files of a directory that {@link loadEnvoyConfig} reads, sorted (subdirectories are not read). */
export function configFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && FILE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/**
 * Loads an Envoy configuration: a file, a directory (the union of its files), text or bytes.
 *
 * A string is a path when it names an existing file or directory, and YAML/JSON text otherwise.
 * Strict by default: throws {@link XdsValidationError} with every problem and its path.
 *
 * @example
 * const { resources } = loadEnvoyConfig('envoy.yaml');
 * const clusters = resources.get(TypeUrl.Cluster) ?? [];
 */
export function loadEnvoyConfig(input: LoadInput, options: LoadOptions = {}): LoadedConfig {
  if (typeof input === 'object' && 'bytes' in input) return loadBytes(input.bytes, options, input.source ?? '<bytes>');
  if (typeof input === 'object' && 'text' in input) {
    const source = input.source ?? '<text>';
    return loadParsed(parseText(input.text, options.format === 'json' ? 'json' : 'yaml', source), { ...options, source });
  }
  const p = typeof input === 'string' ? input : input.path;
  const looksLikeText = typeof input === 'string' && (p.includes('\n') || /^\s*[[{]/.test(p));
  if (!looksLikeText && fs.existsSync(p)) {
    if (fs.statSync(p).isDirectory()) {
      const merged: LoadedConfig = { kind: 'resources', resources: new Map(), warnings: [], source: p };
      for (const file of configFilesIn(p)) {
        const one = loadFile(file, options);
        for (const [t, list] of one.resources) for (const m of list) add(merged.resources, t, m);
        merged.warnings.push(...one.warnings);
        merged.bootstrap ??= one.bootstrap;
      }
      return merged;
    }
    return loadFile(p, options);
  }
  if (typeof input === 'object' || /\.(ya?ml|json|pb|binpb)$/i.test(p)) return invalid(p, 'read', `cannot read ${p}: no such file`);
  return loadParsed(parseText(p, options.format === 'json' ? 'json' : 'yaml', '<text>'), { ...options, source: '<text>' });
}

/** The resources of a loaded config by file kind (`listeners`, `clusters`...), for validation. */
export function resourcesByKind(resources: ReadonlyMap<string, readonly unknown[]>): Partial<Record<ResourceKind, unknown[]>> {
  const out: Partial<Record<ResourceKind, unknown[]>> = {};
  for (const [typeUrl, list] of resources) {
    const kind = resourceKindOf(typeUrl);
    if (kind) out[kind] = [...(out[kind] ?? []), ...list];
  }
  return out;
}
