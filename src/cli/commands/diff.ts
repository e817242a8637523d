/**
 * `xdskit diff OLD NEW [--type T] [--lenient] [--format text|json]`: what a config change does,
 * resource by resource and field by field. Exits 0 when equal, 1 when different, 2 on bad input.
 */
import path from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import { Exit, UsageError, formatFileProblem, parseArgs, type CliIo, type Command } from '../command.js';
import { isXdsValidationError } from '../../registry/errors.js';
import { toJson } from '../../registry/json.js';
import { loadEnvoyConfig } from '../../registry/load.js';
import { RESOURCE_KINDS, resourceKindOf, typeNameOfUrl } from '../../registry/type-urls.js';
import { diff } from '../../cache/diff.js';
import { Snapshot } from '../../cache/snapshot.js';
import { ResourceStore } from '../../cache/store.js';

const usage = `usage: xdskit diff OLD NEW [--type T] [--lenient] [--format text|json]

Compares two configurations: per resource type, the names added, removed and modified, and for
each modified resource the fields that changed (paths in its canonical proto3 JSON, snake_case).
Resources are compared by the hash of their canonical encoding, so formatting, key order, YAML
vs JSON and map order never count as changes.

OLD and NEW are files or directories (a directory is the union of its files), in any format
\`xdskit validate\` reads: resources by kind (listeners:, clusters:...), a list of resources with
"@type", a DiscoveryResponse, an admin config dump, or a Bootstrap (its static resources).
  --type T             type of the root when a file holds one resource
  --lenient            unknown fields, enum values and @types are ignored (warnings)
  --format text|json   text (default): a readable summary; json: {"equal", "types": [{"kind",
                       "typeUrl", "added", "removed", "modified": [{"name", "changes":
                       [{"path", "op", "old", "new"}]}]}]}

Exit codes: 0 equal, 1 different, 2 unreadable input or bad usage.`;

/** One changed field of a modified resource. */
export interface FieldChange {
  /** Path in the resource's canonical JSON, e.g. `load_assignment.endpoints[0].lb_endpoints[1]`. */
  readonly path: string;
  /** `added` (only in NEW), `removed` (only in OLD) or `changed`. */
  readonly op: 'added' | 'removed' | 'changed';
  readonly old?: unknown;
  readonly new?: unknown;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function child(base: string, key: string): string {
  if (IDENT.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `name` of every element when all are objects with distinct string names, else undefined. */
function namesOf(list: unknown[]): string[] | undefined {
  const names: string[] = [];
  for (const x of list) {
    if (!isPlainObject(x) || typeof x.name !== 'string' || !x.name) return undefined;
    names.push(x.name);
  }
  return new Set(names).size === names.length ? names : undefined;
}

/**
 * The field-level differences between two JSON values (canonical proto3 JSON of one resource).
 *
 * Objects are compared key by key (in sorted order). Lists whose elements all carry a distinct
 * `name` (filters, filter chains, clusters of a weighted route...) are matched by name, so an
 * insertion shows as one added element rather than every later one changed; other lists are
 * compared index by index.
 */
export function fieldDiff(a: unknown, b: unknown, base = '', out: FieldChange[] = []): FieldChange[] {
  if (stableStringify(a) === stableStringify(b)) return out;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = child(base, k);
      if (!(k in a)) out.push({ path: p, op: 'added', new: b[k] });
      else if (!(k in b)) out.push({ path: p, op: 'removed', old: a[k] });
      else fieldDiff(a[k], b[k], p, out);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = namesOf(a);
    const nb = namesOf(b);
    if (na && nb && a.length && b.length) {
      const byName = new Map(a.map((x, i) => [na[i]!, x]));
      const inB = new Set(nb);
      for (const [i, n] of na.entries()) if (!inB.has(n)) out.push({ path: `${base}[${n}]`, op: 'removed', old: a[i] });
      for (const [i, n] of nb.entries()) {
        if (!byName.has(n)) out.push({ path: `${base}[${n}]`, op: 'added', new: b[i] });
        else fieldDiff(byName.get(n), b[i], `${base}[${n}]`, out);
      }
      if (na.filter((n) => inB.has(n)).join('\0') !== nb.filter((n) => byName.has(n)).join('\0')) {
        out.push({ path: base, op: 'changed', old: na, new: nb }); // same names, new order
      }
      return out;
    }
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) fieldDiff(a[i], b[i], `${base}[${i}]`, out);
    for (let i = common; i < a.length; i++) out.push({ path: `${base}[${i}]`, op: 'removed', old: a[i] });
    for (let i = common; i < b.length; i++) out.push({ path: `${base}[${i}]`, op: 'added', new: b[i] });
    return out;
  }
  out.push({ path: base, op: 'changed', old: a, new: b });
  return out;
}

/** The report of one type. */
interface TypeReport {
  kind: string;
  typeUrl: string;
  added: string[];
  removed: string[];
  modified: { name: string; changes: FieldChange[] }[];
}

const KIND_ORDER = Object.values(RESOURCE_KINDS) as string[];

function kindOf(typeUrl: string): string {
  return resourceKindOf(typeUrl) ?? typeNameOfUrl(typeUrl);
}

function show(v: unknown, max = 120): string {
  const s = v === undefined ? 'unset' : stableStringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function describeChange(c: FieldChange): string {
  const p = c.path || '(resource)';
  if (c.op === 'added') return `+ ${p}: ${show(c.new)}`;
  if (c.op === 'removed') return `- ${p}: ${show(c.old)}`;
  return `~ ${p}: ${show(c.old)} → ${show(c.new)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function textReport(reports: TypeReport[], oldName: string, newName: string): string {
  if (!reports.length) return `no differences between ${oldName} and ${newName}\n`;
  const lines: string[] = [];
  let added = 0;
  let removed = 0;
  let modified = 0;
  for (const r of reports) {
    added += r.added.length;
    removed += r.removed.length;
    modified += r.modified.length;
    const parts = [r.added.length && `${r.added.length} added`, r.removed.length && `${r.removed.length} removed`, r.modified.length && `${r.modified.length} modified`].filter(Boolean);
    lines.push(`${r.kind}: ${parts.join(', ')}`);
    for (const n of r.added) lines.push(`  + ${n}`);
    for (const n of r.removed) lines.push(`  - ${n}`);
    for (const m of r.modified) {
      lines.push(`  ~ ${m.name}`);
      for (const c of m.changes) lines.push(`      ${describeChange(c)}`);
    }
  }
  lines.push(`${plural(reports.length, 'type')} ${reports.length === 1 ? 'differs' : 'differ'}: ${added} added, ${removed} removed, ${modified} modified`);
  return lines.join('\n') + '\n';
}

/** `xdskit diff`: the command registered in `COMMANDS`. */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'show what changed between two configs, per resource and per field',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { options, positional } = parseArgs(args, { type: 'string', lenient: 'boolean', format: 'string' });
    if (positional.length !== 2) throw new UsageError('diff takes exactly two inputs: OLD NEW');
    const format = (options.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
    const store = new ResourceStore();
    const snapshots: Snapshot[] = [];
    let failed = false;
    for (const given of positional) {
      const file = path.resolve(io.cwd, given);
      try {
        const loaded = loadEnvoyConfig({ path: file }, { type: options.type as string | undefined, strict: !options.lenient });
        for (const w of loaded.warnings) io.err(formatFileProblem(given, w, true) + '\n');
        snapshots.push(Snapshot.create(loaded.resources, { store }));
      } catch (e) {
        if (!isXdsValidationError(e)) throw e;
        for (const p of e.problems) io.err(formatFileProblem(given, p) + '\n');
        failed = true;
      }
    }
    if (failed) return Exit.usage;
    const [a, b] = snapshots as [Snapshot, Snapshot];
    const d = diff(a, b);
    const reports: TypeReport[] = Object.entries(d)
      .map(([typeUrl, t]) => ({
        kind: kindOf(typeUrl),
        typeUrl,
        added: [...t.added],
        removed: [...t.removed],
        modified: t.modified.map((name) => ({
          name,
          changes: fieldDiff(toJson(typeUrl, a.get(typeUrl, name), { keys: 'proto' }), toJson(typeUrl, b.get(typeUrl, name), { keys: 'proto' })),
        })),
      }))
      .sort((x, y) => {
        const ix = KIND_ORDER.indexOf(x.typeUrl);
        const iy = KIND_ORDER.indexOf(y.typeUrl);
        return (ix < 0 ? 99 : ix) - (iy < 0 ? 99 : iy) || (x.kind < y.kind ? -1 : 1);
      });
    if (format === 'json') io.out(JSON.stringify({ equal: reports.length === 0, types: reports }, null, 2) + '\n');
    else io.out(textReport(reports, positional[0]!, positional[1]!));
    return reports.length ? Exit.failed : Exit.ok;
  },
};
