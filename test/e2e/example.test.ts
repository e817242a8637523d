import { describe, expect, it } from 'vitest';
import { loadEnvoyConfig } from 'xdskit';
import { validateBootstrap } from 'xdskit/validate';
import { readResourceTree, resourcesForNode, validateResources } from 'xdskit/server';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runExample } from '../../examples/control-plane/main.js';
import { baseYaml, envoyBootstrapYaml, envoyOverrideYaml, routesYaml, ENVOY_NODE } from '../../examples/control-plane/config.js';

describe('the control-plane example (npm start)', () => {
  it('shifts a real gRPC client from 90/10 to 50/50 to 0/100 through xDS', async () => {
    let out = '';
    const result = await runExample({ phaseMs: 1500, port: 0, write: (t) => void (out += t) });
    expect(out).toMatch(/first RPC answered by backend [ab]/);
    const [p1, p2, p3] = result.phases.map((p) => ({ a: p.counts['a'] ?? 0, b: p.counts['b'] ?? 0 }));
    expect(p1!.a).toBeGreaterThan(p1!.b * 3);
    expect(p2!.a).toBeGreaterThan(5);
    expect(p2!.b).toBeGreaterThan(5);
    // The switch to 0/100 takes effect within the phase: b answers almost everything.
    expect(p3!.b).toBeGreaterThan(p3!.a * 5);
    expect(result.log.some((l) => /^ACK {2}node=greeter-client type=envoy\.config\.route\.v3\.RouteConfiguration/.test(l))).toBe(true);
    expect(result.log.some((l) => l.startsWith('NACK'))).toBe(false);
    expect(out).toMatch(/node:\n\s+id: envoy/);
  }, 30_000);

  it('prints a valid Envoy bootstrap, and serves valid config to gRPC clients and to Envoy', () => {
    const boot = loadEnvoyConfig({ text: envoyBootstrapYaml(18000) }).bootstrap!;
    expect(validateBootstrap(boot).errors).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-example-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'base.yaml'), baseYaml([5001, 5002]));
      fs.writeFileSync(path.join(dir, 'routes.yaml'), routesYaml([90, 10]));
      fs.mkdirSync(path.join(dir, ENVOY_NODE));
      fs.writeFileSync(path.join(dir, ENVOY_NODE, 'envoy.yaml'), envoyOverrideYaml());
      const tree = readResourceTree(dir);
      expect(validateResources(resourcesForNode(tree, 'greeter-client')).errors).toEqual([]);
      const envoy = resourcesForNode(tree, ENVOY_NODE);
      expect(validateResources(envoy).errors).toEqual([]);
      expect(envoy.filter((r) => r.typeUrl.endsWith('Listener')).map((r) => r.file)).toEqual([path.join(ENVOY_NODE, 'envoy.yaml')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
