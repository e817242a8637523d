/**
 * A file-based control plane: resource files in, xDS out — what `xdskit serve` runs.
 *
 * The config path (a file, or a directory with per-node subdirectories, see `files.ts`) is read
 * and validated — every resource on its own and all of a node's resources together (references
 * resolve, names are unique) — before it replaces what a node is served. An invalid edit is
 * logged with its files and paths, and the last good config keeps serving; with `watch`, the
 * directory is watched and reloaded shortly after each change.
 *
 * Every node key gets the base resources plus its subdirectory's (if any), built when its first
 * watch opens (the cache's `snapshotFor` hook). ACKs, NACKs and streams are logged.
 */
import { Snapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { byNodeCluster, byNodeId, type NodeKeyFn } from '../cache/node-key.js';
import { diff } from '../cache/diff.js';
import { typeNameOfUrl } from '../registry/type-urls.js';
import { createXdsServer, type XdsServer, type XdsServerOptions } from './server.js';
import {
  ConfigReadError,
  byType,
  formatFileProblem,
  readResourceTree,
  resourcesForNode,
  validateResources,
  watchConfig,
  type FileProblem,
  type ResourceTree,
} from './files.js';

/** Options of {@link serveFiles}. */
export interface FileServerOptions {
  /** The config file or directory. */
  readonly path: string;
  /** The address to listen on. @default '127.0.0.1' */
  readonly address?: string;
  /** The port (0: an ephemeral one). @default 18000 */
  readonly port?: number;
  /** Reload when the files change. @default false */
  readonly watch?: boolean;
  /** How nodes are keyed: by `node.id`, `node.cluster`, or a function. @default 'id' */
  readonly nodeKey?: 'id' | 'cluster' | NodeKeyFn;
  /** Unknown fields and `@type`s are warnings instead of errors. @default false */
  readonly lenient?: boolean;
  /** Where log lines go. @default none */
  readonly log?: (line: string) => void;
  /** Wait this long after the last file event before reloading. @default 100 */
  readonly debounceMs?: number;
  /** More options for the xDS server (TLS, ordering, events...). */
  readonly server?: Omit<XdsServerOptions, 'cache'>;
}

/** What a reload did. */
export interface ReloadResult {
  /** True when every node's config was valid (and is now served). */
  readonly ok: boolean;
  /** The problems that kept configs from being served, with their files. */
  readonly errors: readonly (FileProblem & { readonly node?: string })[];
  /** Node keys whose served config changed. */
  readonly changed: readonly string[];
}

/** A running file-based control plane. */
export interface FileServer {
  /** The port it listens on. */
  readonly port: number;
  readonly xds: XdsServer;
  readonly cache: SnapshotCache;
  /** Reads the files again now (what `watch` does on a change). */
  reload(): ReloadResult;
  /** Stops watching and serving. */
  close(): Promise<void>;
}

const short = (v: string | undefined) => (v && v.length > 12 ? v.slice(0, 12) : (v ?? ''));

/**
 * Starts a file-based control plane. Throws {@link ConfigReadError}, with every problem and its
 * file, when the files cannot be read or the initial config is invalid (there is no last good
 * config to keep serving yet).
 *
 * @example
 * const cp = await serveFiles({ path: 'config/', port: 18000, watch: true, log: console.log });
 */
export async function serveFiles(options: FileServerOptions): Promise<FileServer> {
  const log = options.log ?? (() => {});
  const keyFn: NodeKeyFn = typeof options.nodeKey === 'function' ? options.nodeKey : options.nodeKey === 'cluster' ? byNodeCluster : byNodeId;
  const strict = !options.lenient;
  let tree: ResourceTree = readResourceTree(options.path, { strict });
  for (const w of tree.warnings) log(`warning: ${formatFileProblem(w)}`);

  /** The snapshot of a key under a tree, or the problems that keep it from being served. */
  const build = (t: ResourceTree, key: string | undefined): { snapshot?: Snapshot; errors: FileProblem[]; warnings: FileProblem[] } => {
    const resources = resourcesForNode(t, key);
    const { errors, warnings } = validateResources(resources);
    if (errors.length) return { errors, warnings };
    return { snapshot: Snapshot.create(byType(resources)), errors, warnings };
  };

  // The initial config must be valid: the base, and each per-node override with it.
  const initial: FileProblem[] = [];
  const base = build(tree, undefined);
  initial.push(...base.errors);
  for (const w of base.warnings) log(`warning: ${formatFileProblem(w)}`);
  for (const key of tree.overrides.keys()) initial.push(...build(tree, key).errors.map((p) => ({ ...p, file: p.file || key })));
  if (initial.length) throw new ConfigReadError(initial);

  // A node key is served from its first watch on: the cache asks for its snapshot then. The keys
  // with a snapshot are the ones served, and the ones a reload rebuilds.
  const cache = new SnapshotCache({
    nodeKey: keyFn,
    snapshotFor: (key) => {
      const b = build(tree, key);
      for (const p of b.errors) log(`node ${key}: ${formatFileProblem(p)}`);
      return b.snapshot;
    },
  });

  const userEvents = options.server ?? {};
  const xds = createXdsServer({
    ...userEvents,
    cache,
    nodeKey: keyFn,
  });
  xds.subscribe({
    onStreamOpen: (s) => log(`stream ${s.id} open from ${s.peer.address}${s.peer.spiffeId ? ` (${s.peer.spiffeId})` : ''}`),
    onStreamClosed: (s, r) => log(`stream ${s.id} closed${s.nodeKey !== undefined ? ` (node ${s.nodeKey})` : ''}: ${r.details}`),
    onAck: (e) => log(`ACK  node=${e.nodeKey} type=${typeNameOfUrl(e.typeUrl)} version=${short(e.version)} nonce=${e.nonce} resources=${e.resourceNames.length}`),
    onNack: (e) =>
      log(`NACK node=${e.nodeKey} type=${typeNameOfUrl(e.typeUrl)} version=${short(e.version)} nonce=${e.nonce}: ${e.error.message}`),
  });

  const reload = (): ReloadResult => {
    let next: ResourceTree;
    try {
      next = readResourceTree(options.path, { strict });
    } catch (e) {
      if (!(e instanceof ConfigReadError)) throw e;
      for (const p of e.problems) log(`rejected: ${formatFileProblem(p)}`);
      log('the last good config keeps serving');
      return { ok: false, errors: e.problems, changed: [] };
    }
    for (const w of next.warnings) log(`warning: ${formatFileProblem(w)}`);
    const errors: (FileProblem & { node?: string })[] = [];
    const changed: string[] = [];
    const served = new Set(cache.snapshotKeys());
    // Check the base (and each override directory) even when no node is served yet.
    const keys = new Set<string | undefined>([undefined, ...next.overrides.keys(), ...served]);
    const built = new Map<string | undefined, ReturnType<typeof build>>();
    for (const key of keys) {
      const b = build(next, key);
      built.set(key, b);
      for (const p of b.errors) {
        if (key !== undefined && !served.has(key) && !next.overrides.has(key)) continue;
        errors.push({ ...p, ...(key !== undefined ? { node: key } : {}) });
      }
    }
    // A problem of the base config is every node's: log it once, not once per node.
    const seen = new Set<string>();
    for (const p of errors) {
      const text = formatFileProblem(p);
      if (seen.has(text)) continue;
      seen.add(text);
      log(`rejected${p.node !== undefined ? ` for node ${p.node}` : ''}: ${text}`);
    }
    for (const key of served) {
      const b = built.get(key)!;
      if (!b.snapshot) continue;
      const old = cache.getSnapshot(key);
      const d = diff(old, b.snapshot);
      const parts = Object.entries(d).map(
        ([t, x]) => `${typeNameOfUrl(t).split('.').pop()} +${x.added.length} ~${x.modified.length} -${x.removed.length}`,
      );
      if (!parts.length) continue;
      cache.setSnapshot(key, b.snapshot);
      changed.push(key);
      log(`node ${key}: ${parts.join(', ')}`);
    }
    tree = errors.length && !built.get(undefined)!.snapshot ? tree : next;
    if (errors.length) log('the last good config keeps serving where the new one is invalid');
    return { ok: errors.length === 0, errors, changed };
  };

  const port = await xds.listen(`${options.address ?? '127.0.0.1'}:${options.port ?? 18000}`);
  const stopWatching = options.watch ? watchConfig(options.path, () => reload(), { debounceMs: options.debounceMs ?? 100 }) : undefined;
  log(
    `serving ${tree.base.length} resources${tree.overrides.size ? ` and ${tree.overrides.size} per-node override(s)` : ''} from ${options.path} on ${options.address ?? '127.0.0.1'}:${port}${options.watch ? ' (watching for changes)' : ''}`,
  );
  return {
    port,
    xds,
    cache,
    reload,
    async close() {
      stopWatching?.();
      await xds.close({ graceMs: 2000 });
      cache.close();
    },
  };
}
