/**
 * Golden files for the mesh presets, as Istio's authz builder tests do: each `*.in.yaml` names a
 * preset and its options; the test runs the preset and compares what it writes (Envoy YAML,
 * snake_case) with the committed `*.out.yaml`. `UPDATE_GOLDEN=1 npx vitest run test/mesh`
 * rewrites the out-files; review the diff before committing.
 *
 * Every successful output is validated: each resource with `validate`, and the whole set with
 * `validateSnapshot` (every RDS, EDS, cluster and SDS reference resolves).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { isXdsValidationError, stringifyYaml, toJson, RESOURCE_KINDS, type ResourceKind } from 'xdskit';
import { validate, validateSnapshot } from 'xdskit/validate';
import {
  compileRbac,
  explain,
  rbacHttpFilters,
  rbacNetworkFilters,
  sidecar,
  sidecarBootstrap,
  sidecarCapture,
  sidecarIptables,
  waypoint,
  waypointBootstrap,
  type MeshResources,
} from 'xdskit/mesh';

const dir = fileURLToPath(new URL('.', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.in.yaml'))
  .sort();

interface GoldenInput {
  preset: 'sidecar' | 'sidecar-bootstrap' | 'waypoint' | 'waypoint-bootstrap' | 'rbac';
  options?: any;
  model?: any;
  compile?: any;
  explain?: { request: any; expect: 'ALLOW' | 'DENY' }[];
}

function resourcesYaml(resources: MeshResources): { text: string; problems: string[] } {
  const out: Record<string, unknown[]> = {};
  const problems: string[] = [];
  for (const kind of ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const satisfies readonly ResourceKind[]) {
    const list = resources[kind] as unknown[];
    if (!list.length) continue;
    const type = RESOURCE_KINDS[kind];
    out[kind] = list.map((r) => toJson(type, r as never, { keys: 'proto' }));
    list.forEach((r, i) => {
      const v = validate(type, r, { path: `${kind}[${i}]` });
      for (const e of v.errors) problems.push(`${e.path}: ${e.message} (${e.rule})`);
    });
  }
  const snap = validateSnapshot(resources as never);
  for (const e of snap.errors) problems.push(`${e.path}: ${e.message} (${e.rule})`);
  return { text: stringifyYaml(out), problems };
}

function run(input: GoldenInput): { text: string; problems: string[] } {
  try {
    switch (input.preset) {
      case 'sidecar': {
        const r = resourcesYaml(sidecar(input.options));
        const iptables = sidecarIptables(input.options);
        const { ipv4, ipv6, commands } = sidecarCapture(input.options);
        const problems = [...r.problems];
        // sidecarIptables gives the primary family's script, sidecarCapture every family's.
        if (iptables !== (ipv4 ?? ipv6)) problems.push('sidecarIptables differs from sidecarCapture');
        // IPv4 REDIRECT (the default) keeps its original layout; other capture shows every part.
        if (ipv4 !== undefined && ipv6 === undefined && !commands.length) {
          return { text: `${r.text}---\n# iptables-restore (nat)\n${YAML.stringify({ iptables }, { lineWidth: 0 })}`, problems };
        }
        const capture = { ...(commands.length ? { commands } : {}), ...(ipv4 !== undefined ? { iptables: ipv4 } : {}), ...(ipv6 !== undefined ? { ip6tables: ipv6 } : {}) };
        return { text: `${r.text}---\n# ip commands, iptables-restore, ip6tables-restore\n${YAML.stringify(capture, { lineWidth: 0 })}`, problems };
      }
      case 'waypoint':
        return resourcesYaml(waypoint(input.options));
      case 'sidecar-bootstrap':
      case 'waypoint-bootstrap': {
        const b = input.preset === 'sidecar-bootstrap' ? sidecarBootstrap(input.options) : waypointBootstrap(input.options);
        const v = validate('envoy.config.bootstrap.v3.Bootstrap', b);
        return {
          text: stringifyYaml(toJson('envoy.config.bootstrap.v3.Bootstrap', b, { keys: 'proto' })),
          problems: v.errors.map((e) => `${e.path}: ${e.message} (${e.rule})`),
        };
      }
      case 'rbac': {
        const compiled = compileRbac(input.model, input.compile ?? {});
        const http = compiled.protocol === 'http';
        const filters = http ? rbacHttpFilters(compiled).map((f) => f.toFilter()) : rbacNetworkFilters(compiled).map((f) => f.toFilter());
        const filterType = http
          ? 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter'
          : 'envoy.config.listener.v3.Filter';
        const problems: string[] = [];
        filters.forEach((f, i) => {
          for (const e of validate(filterType, f, { path: `filters[${i}]` }).errors) problems.push(`${e.path}: ${e.message} (${e.rule})`);
        });
        const out: Record<string, unknown> = {
          model: compiled.model,
          [http ? 'http_filters' : 'network_filters']: filters.map((f) => toJson(filterType, f as never, { keys: 'proto' })),
        };
        if (compiled.dropped.length) out.dropped = compiled.dropped;
        if (input.explain) {
          out.explain = input.explain.map(({ request, expect: want }) => {
            const e = explain(compiled, request);
            if (e.decision !== want) problems.push(`explain ${JSON.stringify(request)}: expected ${want}, got ${e.decision} (${e.reason})`);
            return { request, decision: e.decision, reason: e.reason };
          });
        }
        return { text: stringifyYaml(out), problems };
      }
    }
  } catch (e) {
    if (!isXdsValidationError(e)) throw e;
    return { text: stringifyYaml({ error: e.problems.map((p) => ({ path: p.path, rule: p.rule, message: p.message })) }), problems: [] };
  }
}

describe('mesh golden files', () => {
  it('has golden cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const file of cases) {
    it(`${file.replace('.in.yaml', '')} matches its out-file and validates`, () => {
      const input = YAML.parse(readFileSync(join(dir, file), 'utf8')) as GoldenInput;
      const { text, problems } = run(input);
      expect(problems, 'the output must validate').toEqual([]);
      const outPath = join(dir, file.replace('.in.yaml', '.out.yaml'));
      if (update || !existsSync(outPath)) {
        if (!update) throw new Error(`missing ${outPath}: run UPDATE_GOLDEN=1 npx vitest run test/mesh`);
        writeFileSync(outPath, text);
      }
      expect(text).toBe(readFileSync(outPath, 'utf8'));
    });
  }
});
