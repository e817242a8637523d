/**
 * `xdskit validate FILE... [--type T] [--lenient] [--format text|json]`: validates Envoy
 * configuration files and exits 0 (all valid), 1 (invalid) or 2 (unreadable or unknown input).
 *
 * Files given together form one snapshot: the resources of every file that is not a bootstrap
 * (resource files, lists, DiscoveryResponses, config dumps) are validated one by one and then
 * together (unique names, listener addresses, references). A bootstrap is validated with its
 * static resources (`validateBootstrap`); given with resource files, its static clusters and
 * secrets also count as present for the snapshot's references.
 */
import path from 'node:path';
import { Exit, UsageError, formatFileProblem, parseArgs, type CliIo, type Command } from '../command.js';
import { isXdsValidationError, type Problem } from '../../registry/errors.js';
import { loadEnvoyConfig, type ConfigKind, type LoadedConfig } from '../../registry/load.js';
import { RESOURCE_KINDS, resourceKindOf, resourceName, typeNameOfUrl, type ResourceKind } from '../../registry/type-urls.js';
import { validate } from '../../validate/validate.js';
import { validateBootstrap, validateSnapshot } from '../../validate/snapshot.js';
import type { ReferenceKind } from '../../validate/references.js';
import type { Bootstrap } from '../../gen/envoy/config/bootstrap/v3/bootstrap.js';

const usage = `usage: xdskit validate FILE... [--type T] [--lenient] [--format text|json]

Validates Envoy configuration: every field rule of the protos, Envoy's own semantic rules
(terminal filters, filter chain matches, cluster types, RE2 regexes, addresses...) and the
references between resources (RDS names, clusters, EDS service names, SDS secrets).

FILE is YAML or JSON (or a directory of them): a Bootstrap, an admin config dump, a
DiscoveryResponse, resources by kind (listeners:, clusters:...) or a list of resources with
"@type". Files given together form one snapshot: their resources are checked against each other.
  --type T             type of the root when a file holds one resource (full name, type URL,
                       kind like "clusters", or "Cluster")
  --lenient            unknown fields, enum values and @types are warnings, not errors
  --format text|json   text (default): one line per problem, "file: path: message (rule)";
                       json: {"ok", "errors", "warnings", "files": [{"file", "kind", "ok",
                       "errors": [{"path", "rule", "message"}], "warnings": [...]}]}

Exit codes: 0 all valid (warnings allowed), 1 invalid, 2 unreadable or unrecognised input.`;

/** Rules of loading problems that mean "cannot read this file" rather than "invalid config". */
const UNREADABLE_RULES = new Set(['read', 'yaml', 'json', 'root', 'decode']);

/** The outcome for one file, in the order given. */
interface FileReport {
  file: string;
  kind: ConfigKind | 'unreadable';
  errors: Problem[];
  warnings: Problem[];
  unreadable: boolean;
}

/** A resource of the snapshot, with the file it came from. */
interface Item {
  typeUrl: string;
  resource: unknown;
  report: FileReport;
}

function pathOf(typeUrl: string, resource: unknown, index: number): string {
  const kind = resourceKindOf(typeUrl);
  const name = resourceName(typeUrl, resource);
  return kind ? `${kind}[${name || index}]` : `${typeNameOfUrl(typeUrl)}[${index}]`;
}

/**
 * Keeps one resource per name in a config dump: Envoy holds one resource per name, but a dump
 * shows a static resource twice (in the bootstrap and in its section) and a warming resource
 * next to the active one.
 */
function dedupe(loaded: LoadedConfig): void {
  for (const [typeUrl, list] of loaded.resources) {
    const seen = new Set<string>();
    loaded.resources.set(
      typeUrl,
      list.filter((r) => {
        const name = resourceName(typeUrl, r);
        if (seen.has(name)) return false;
        seen.add(name);
        return true;
      }),
    );
  }
}

function load(file: string, display: string, options: { type?: string; lenient: boolean }): { loaded?: LoadedConfig; report: FileReport } {
  const report: FileReport = { file: display, kind: 'unreadable', errors: [], warnings: [], unreadable: false };
  try {
    // Always read leniently, so that a typo in a field name is reported with everything else
    // wrong in the file; without --lenient those reading warnings are errors.
    const loaded = loadEnvoyConfig({ path: file }, { type: options.type, strict: false });
    report.kind = loaded.kind;
    (options.lenient ? report.warnings : report.errors).push(...loaded.warnings);
    return { loaded, report };
  } catch (e) {
    if (!isXdsValidationError(e)) {
      report.errors.push({ path: '', rule: 'read', message: ((e as Error).message ?? String(e)).toLowerCase() });
      report.unreadable = true;
      return { report };
    }
    report.errors.push(...e.problems);
    report.unreadable = e.problems.some((p) => UNREADABLE_RULES.has(p.rule) || (p.rule === 'type' && !p.path));
    if (!report.unreadable) report.kind = 'resource';
    return { report };
  }
}

/** Attributes a snapshot-level problem to the file whose resource its path starts in. */
function ownerOf(p: Problem, owners: Map<string, FileReport>, fallback: FileReport): FileReport {
  let best: FileReport | undefined;
  let bestLen = -1;
  for (const [prefix, report] of owners) {
    if (prefix.length > bestLen && (p.path === prefix || p.path.startsWith(prefix + '.'))) {
      best = report;
      bestLen = prefix.length;
    }
  }
  return best ?? fallback;
}

function jsonProblem(p: Problem): Record<string, unknown> {
  const out: Record<string, unknown> = { path: p.path, rule: p.rule, message: p.message };
  if (typeof p.value === 'string' || typeof p.value === 'number' || typeof p.value === 'boolean') out.value = p.value;
  return out;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate Envoy config files: field rules, semantic rules, references',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { options, positional } = parseArgs(args, { type: 'string', lenient: 'boolean', format: 'string' });
    if (positional.length === 0) throw new UsageError('validate needs at least one FILE');
    const format = (options.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
    const lenient = options.lenient === true;
    const strict = !lenient;

    const reports: FileReport[] = [];
    const items: Item[] = [];
    const owners = new Map<string, FileReport>();
    const unchecked = new Set<ReferenceKind>();
    let bootstrap: Bootstrap | undefined;
    let snapshotFiles = 0;

    for (const arg of positional) {
      const { loaded, report } = load(path.resolve(io.cwd, arg), arg, { type: options.type as string | undefined, lenient });
      reports.push(report);
      if (!loaded) continue;
      if (loaded.kind === 'bootstrap') {
        const r = validateBootstrap(loaded.bootstrap, { strict });
        report.errors.push(...r.errors);
        report.warnings.push(...r.warnings);
        bootstrap ??= loaded.bootstrap;
        continue;
      }
      if (loaded.kind === 'config_dump') {
        dedupe(loaded);
        // A config dump leaves out what Envoy was not asked for (EDS without ?include_eds...).
        const has = (kind: ResourceKind) => (loaded.resources.get(RESOURCE_KINDS[kind])?.length ?? 0) > 0;
        if (!has('endpoints')) unchecked.add('endpoints');
        if (!has('secrets')) unchecked.add('secret');
        if (!has('extension_configs')) unchecked.add('extension_config');
        bootstrap ??= loaded.bootstrap;
      }
      snapshotFiles++;
      for (const [typeUrl, list] of loaded.resources) {
        list.forEach((resource, i) => {
          const p = loaded.kind === 'resource' && !resourceKindOf(typeUrl) ? '' : pathOf(typeUrl, resource, i);
          const r = validate(typeUrl, resource, { strict, path: p });
          report.errors.push(...r.errors);
          report.warnings.push(...r.warnings);
          items.push({ typeUrl, resource, report });
          if (p) owners.set(p, report);
        });
      }
    }

    if (snapshotFiles > 0) {
      const resources = new Map<string, unknown[]>();
      for (const it of items) {
        let list = resources.get(it.typeUrl);
        if (!list) resources.set(it.typeUrl, (list = []));
        list.push(it.resource);
      }
      const fallback = reports.find((r) => !r.unreadable && r.kind !== 'bootstrap') ?? reports[0]!;
      const r = validateSnapshot(resources, { strict, referencesOnly: true, bootstrap, unchecked: [...unchecked] });
      for (const p of r.errors) ownerOf(p, owners, fallback).errors.push(p);
      for (const p of r.warnings) ownerOf(p, owners, fallback).warnings.push(p);
    }

    const errorCount = reports.reduce((n, r) => n + r.errors.length, 0);
    const warningCount = reports.reduce((n, r) => n + r.warnings.length, 0);
    const unreadable = reports.some((r) => r.unreadable);
    const code = unreadable ? Exit.usage : errorCount > 0 ? Exit.failed : Exit.ok;

    if (format === 'json') {
      const doc = {
        ok: code === Exit.ok,
        errors: errorCount,
        warnings: warningCount,
        files: reports.map((r) => ({
          file: r.file,
          kind: r.kind,
          ok: r.errors.length === 0,
          errors: r.errors.map(jsonProblem),
          warnings: r.warnings.map(jsonProblem),
        })),
      };
      io.out(JSON.stringify(doc, null, 2) + '\n');
      return code;
    }
    const lines: string[] = [];
    for (const r of reports) {
      for (const p of r.errors) (r.unreadable ? io.err : (t: string) => lines.push(t))(formatFileProblem(r.file, p) + (r.unreadable ? '\n' : ''));
      for (const p of r.warnings) lines.push(formatFileProblem(r.file, p, true));
    }
    const files = `${reports.length} file${reports.length === 1 ? '' : 's'}`;
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    lines.push(
      unreadable
        ? `${files}: ${plural(reports.filter((r) => r.unreadable).length, 'unreadable file')}`
        : errorCount
          ? `${files}: ${plural(errorCount, 'error')}, ${plural(warningCount, 'warning')}`
          : `${files} valid${warningCount ? ` (${plural(warningCount, 'warning')})` : ''}`,
    );
    io.out(lines.join('\n') + '\n');
    return code;
  },
};
