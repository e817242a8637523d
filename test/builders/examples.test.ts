import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RESOURCE_KINDS, decode, encode, equals, fromJson, fromYaml, parseYaml, stringifyYaml, toJson, toYaml, type ResourceKind } from 'xdskit';
import { assertValid, validateBootstrap, validateSnapshot } from 'xdskit/validate';
import { bootstrapAds } from '../../examples/builders/bootstrap-ads.js';
import { edgeProxy } from '../../examples/builders/edge-proxy.js';
import { grpcMeshClient } from '../../examples/builders/grpc-mesh-client.js';
import { httpTunnel } from '../../examples/builders/http-tunnel.js';
import { mtlsUpstream } from '../../examples/builders/mtls-upstream.js';
import type { ExampleResources } from '../../examples/builders/resources.js';
import { tcpPassthrough } from '../../examples/builders/tcp-passthrough.js';

const dir = fileURLToPath(new URL('../../examples/builders/', import.meta.url));
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

/** Resource sets by example file. */
const RESOURCE_EXAMPLES: Record<string, () => ExampleResources> = {
  'edge-proxy': edgeProxy,
  'grpc-mesh-client': grpcMeshClient,
  'http-tunnel': httpTunnel,
  'mtls-upstream': mtlsUpstream,
  'tcp-passthrough': tcpPassthrough,
};

function kinds(resources: ExampleResources): [ResourceKind, unknown[]][] {
  return Object.entries(resources).filter(([, list]) => list?.length) as [ResourceKind, unknown[]][];
}

/** The resource file YAML of a resource set (Envoy's snake_case keys, kinds in a fixed order). */
function renderResources(resources: ExampleResources): string {
  const out: Record<string, unknown[]> = {};
  for (const [kind, list] of kinds(resources)) out[kind] = list.map((r) => toJson(RESOURCE_KINDS[kind], r as never, { keys: 'proto' }));
  return stringifyYaml(out);
}

function golden(name: string, actual: string): void {
  const file = path.join(dir, `${name}.out.yaml`);
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) fs.writeFileSync(file, actual);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

function roundTrips(type: string, message: unknown): void {
  expect(equals(type, decode(type, encode(type, message as never)) as never, message as never)).toBe(true);
  const json = toJson(type, message as never);
  expect(equals(type, fromJson(type, json) as never, message as never)).toBe(true);
  expect(toJson(type, fromJson(type, json) as never)).toEqual(json);
}

describe('the builder examples', () => {
  for (const [name, build] of Object.entries(RESOURCE_EXAMPLES)) {
    describe(name, () => {
      it('matches its golden file', () => {
        golden(name, renderResources(build()));
      });

      it('builds resources that are each valid and valid together', () => {
        const resources = build();
        for (const [kind, list] of kinds(resources)) for (const r of list) assertValid(RESOURCE_KINDS[kind], r);
        const result = validateSnapshot(resources as never);
        expect(result.errors).toEqual([]);
      });

      it('builds resources that round-trip through protobuf and JSON', () => {
        for (const [kind, list] of kinds(build())) for (const r of list) roundTrips(RESOURCE_KINDS[kind], r);
      });

      it('reads its golden file back into the same resources', () => {
        const text = fs.readFileSync(path.join(dir, `${name}.out.yaml`), 'utf8');
        const data = parseYaml(text) as Record<ResourceKind, unknown[]>;
        for (const [kind, list] of kinds(build())) {
          const read = data[kind]!.map((r) => fromJson(RESOURCE_KINDS[kind], r));
          expect(read.length).toBe(list.length);
          read.forEach((r, i) => expect(equals(RESOURCE_KINDS[kind], r as never, list[i] as never)).toBe(true));
        }
      });

      it('gives equal but independent results when built twice', () => {
        const a = build();
        const b = build();
        expect(renderResources(a)).toBe(renderResources(b));
        const [kind, list] = kinds(a)[0]!;
        (list[0] as { name?: string }).name = 'changed';
        expect(((b as Record<string, unknown[]>)[kind]![0] as { name?: string }).name).not.toBe('changed');
      });
    });
  }

  describe('bootstrap-ads', () => {
    it('matches its golden file', () => {
      golden('bootstrap-ads', toYaml(BOOTSTRAP, bootstrapAds()));
    });

    it('builds a valid bootstrap whose references resolve', () => {
      const b = bootstrapAds();
      assertValid(BOOTSTRAP, b);
      expect(validateBootstrap(b).errors).toEqual([]);
    });

    it('round-trips through protobuf, JSON and its golden YAML', () => {
      const b = bootstrapAds();
      roundTrips(BOOTSTRAP, b);
      const text = fs.readFileSync(path.join(dir, 'bootstrap-ads.out.yaml'), 'utf8');
      expect(equals(BOOTSTRAP, fromYaml(BOOTSTRAP, text), b)).toBe(true);
    });
  });
});
