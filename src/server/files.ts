/**
 * A file-based control plane's input: a file or a directory of resource files, with per-node
 * overrides in subdirectories named after the node key; read, merged per node, validated, and
 * watched for changes.
 *
 * Layout:
 * ```
 * config/
 *   listeners.yaml        base resources: every node gets them
 *   clusters.yaml
 *   node-a/               the node whose key is "node-a" gets the base resources, with
 *     clusters.yaml       these added, or replacing base resources of the same type and name
 * ```
 * Every file is read by `loadEnvoyConfig` (resources by kind, a list with `@type`, a bootstrap,
 * a DiscoveryResponse or a config dump). Editors save by writing a temporary file and renaming
 * it into place, so the directory is watched, not the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isXdsValidationError, type Problem } from '../registry/errors.js';
import { configFilesIn, loadEnvoyConfig } from '../registry/load.js';
import { resourceKindOf, resourceName } from '../registry/type-urls.js';
import { validateSnapshot } from '../validate/snapshot.js';

/** One resource read from a file. */
export interface FileResource {
  readonly typeUrl: string;
  readonly name: string;
  readonly message: unknown;
  /** The file it came from. */
  readonly file: string;
}

/** The resources of a config path: the base ones and the per-node overrides. */
export interface ResourceTree {
  /** The file or directory read. */
  readonly root: string;
  /** Resources every node gets. */
  readonly base: readonly FileResource[];
  /** Node key → the resources of its subdirectory. */
  readonly overrides: ReadonlyMap<string, readonly FileResource[]>;
  /** Warnings of reading (lenient mode), each with its file. */
  readonly warnings: readonly FileProblem[];
}

/** A problem with the file it is in. */
export interface FileProblem extends Problem {
  /** The file, relative to the root when inside it. */
  readonly file: string;
}

/** Thrown by {@link readResourceTree} when a file cannot be read: every problem, with its file. */
export class ConfigReadError extends Error {
  override readonly name = 'ConfigReadError';
  constructor(readonly problems: readonly FileProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message} (${p.rule})`).join('\n'));
  }
}

function readFiles(files: string[], root: string, strict: boolean, out: FileResource[], warnings: FileProblem[], problems: FileProblem[]): void {
  for (const file of files) {
    const rel = path.relative(root, file) || path.basename(file);
    try {
      const loaded = loadEnvoyConfig({ path: file }, { strict });
      for (const w of loaded.warnings) warnings.push({ ...w, file: rel });
      for (const [typeUrl, list] of loaded.resources) {
        for (const message of list) out.push({ typeUrl, name: resourceName(typeUrl, message), message, file: rel });
      }
    } catch (e) {
      if (isXdsValidationError(e)) for (const p of e.problems) problems.push({ ...p, file: rel });
      else problems.push({ path: '', rule: 'read', message: String((e as Error)?.message ?? e).toLowerCase(), file: rel });
    }
  }
}

/**
 * Reads a file or a directory of resource files (and its per-node subdirectories).
 *
 * Throws {@link ConfigReadError} with every problem of every file that cannot be read; nothing
 * partial is returned.
 */
export function readResourceTree(root: string, options: { strict?: boolean } = {}): ResourceTree {
  const strict = options.strict ?? true;
  const base: FileResource[] = [];
  const overrides = new Map<string, FileResource[]>();
  const warnings: FileProblem[] = [];
  const problems: FileProblem[] = [];
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw new ConfigReadError([{ path: '', rule: 'read', message: `cannot read ${root}: no such file or directory`, file: root }]);
  }
  if (!stat.isDirectory()) {
    readFiles([root], path.dirname(root), strict, base, warnings, problems);
  } else {
    readFiles(configFilesIn(root), root, strict, base, warnings, problems);
    for (const e of fs.readdirSync(root, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const list: FileResource[] = [];
      readFiles(configFilesIn(path.join(root, e.name)), root, strict, list, warnings, problems);
      overrides.set(e.name, list);
    }
  }
  if (problems.length) throw new ConfigReadError(problems);
  return { root, base, overrides, warnings };
}

/**
 * The resources of one node: the base ones, with the node's overrides added or replacing base
 * resources of the same type and name. Lists keep duplicates *within* one layer, so that
 * validation reports them.
 */
export function resourcesForNode(tree: ResourceTree, key: string | undefined): FileResource[] {
  const over = key === undefined ? undefined : tree.overrides.get(key);
  if (!over?.length) return [...tree.base];
  const replaced = new Set(over.map((r) => `${r.typeUrl}\0${r.name}`));
  return [...tree.base.filter((r) => !replaced.has(`${r.typeUrl}\0${r.name}`)), ...over];
}

/** Resources grouped by type URL, in the order given (what `Snapshot.create` and validation take). */
export function byType(resources: readonly FileResource[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const r of resources) {
    let list = out.get(r.typeUrl);
    if (!list) out.set(r.typeUrl, (list = []));
    list.push(r.message);
  }
  return out;
}

/**
 * Validates the resources of a node together (field rules, semantic rules, references); each
 * problem carries the file of the resource its path starts with (`clusters[api]...`).
 */
export function validateResources(resources: readonly FileResource[]): { errors: FileProblem[]; warnings: FileProblem[] } {
  const fileOf = new Map<string, string>();
  for (const r of resources) {
    const kind = resourceKindOf(r.typeUrl);
    if (kind) fileOf.set(`${kind}[${r.name}]`, r.file);
  }
  const locate = (p: Problem): FileProblem => {
    const m = /^([a-z_]+\[[^\]]*\])/.exec(p.path);
    return { ...p, file: (m && fileOf.get(m[1]!)) ?? '' };
  };
  const result = validateSnapshot(byType(resources));
  return { errors: result.errors.map(locate), warnings: result.warnings.map(locate) };
}

/** Formats a file problem as a log line: `file: path: message (rule)`. */
export function formatFileProblem(p: FileProblem): string {
  return `${p.file ? `${p.file}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message} (${p.rule})`;
}

/**
 * Watches a config file or directory (and its per-node subdirectories) and calls `onChange`
 * once things settle (`debounceMs` after the last event). Directories are watched rather than
 * files, because editors save by renaming a new file into place (the old inode never changes).
 *
 * @returns a function that stops watching
 */
export function watchConfig(root: string, onChange: () => void, options: { debounceMs?: number } = {}): () => void {
  const debounceMs = options.debounceMs ?? 100;
  const watchers = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const fire = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      sync();
      onChange();
    }, debounceMs);
  };
  const watch = (dir: string) => {
    if (watchers.has(dir)) return;
    try {
      const w = fs.watch(dir, { persistent: true }, fire);
      w.on('error', () => {
        w.close();
        watchers.delete(dir);
        fire();
      });
      watchers.set(dir, w);
    } catch {
      /* gone between listing and watching: the parent's event reloads */
    }
  };
  const sync = () => {
    let isDir = false;
    try {
      isDir = fs.statSync(root).isDirectory();
    } catch {
      /* removed: watch its parent to see it come back */
    }
    const wanted = new Set<string>();
    if (isDir) {
      wanted.add(root);
      for (const e of fs.readdirSync(root, { withFileTypes: true })) {
        if (e.isDirectory() && !e.name.startsWith('.')) wanted.add(path.join(root, e.name));
      }
    } else {
      wanted.add(path.dirname(root));
    }
    for (const [dir, w] of watchers) {
      if (!wanted.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) watch(dir);
  };
  sync();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };
}
