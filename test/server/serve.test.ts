import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TypeUrl } from 'xdskit';
import { runCli, type CliIo } from '../../src/cli/index.js';
import { SotwClient } from '../support/sotw-client.js';
import { DeltaClient } from '../support/delta-client.js';
import { FIXTURE_YAML } from '../support/fixture.js';

interface Running {
  port: number;
  err: () => string;
  stop: () => Promise<number>;
}

const dirs: string[] = [];
let closers: (() => void)[] = [];
let running: Running[] = [];

afterEach(async () => {
  for (const c of closers) c();
  closers = [];
  for (const r of running) await r.stop();
  running = [];
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-serve-'));
  dirs.push(d);
  return d;
}

/** Writes a file the way editors save: a temporary file renamed into place. */
function save(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Runs `xdskit serve` in-process; resolves once it listens (or with its exit code). */
async function serve(args: string[]): Promise<Running | number> {
  let out = '';
  let err = '';
  let stop!: () => void;
  const io: CliIo = { out: (t) => void (out += String(t)), err: (t) => void (err += t), cwd: process.cwd(), stopped: new Promise<void>((r) => (stop = r)) };
  const done = runCli(['serve', ...args], io);
  for (;;) {
    const m = /listening on [\d.]+:(\d+)/.exec(out);
    if (m) {
      const r: Running = {
        port: Number(m[1]),
        err: () => err,
        stop: async () => {
          stop();
          return done;
        },
      };
      running.push(r);
      return r;
    }
    const code = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
    if (code !== undefined) {
      (serve as { lastErr?: string }).lastErr = err;
      return code;
    }
  }
}

const clusterYaml = (name: string, timeout = '1s') => `clusters:
  - name: ${name}
    type: EDS
    connect_timeout: ${timeout}
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
endpoints:
  - cluster_name: ${name}
    endpoints:
      - lb_endpoints:
          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9000 } } }
`;

describe('xdskit serve', () => {
  it('serves a directory, reloads edits within a second, and keeps the last good config on an invalid edit', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.yaml'), FIXTURE_YAML);
    const r = await serve([dir, '--port', '0', '--watch']);
    if (typeof r === 'number') throw new Error(`serve exited ${r}: ${(serve as { lastErr?: string }).lastErr}`);
    const c = new SotwClient(`127.0.0.1:${r.port}`, { node: { id: 'envoy-1' } });
    closers.push(() => c.close());
    c.request(TypeUrl.Cluster);
    await c.next();
    expect(c.names(TypeUrl.Cluster)).toEqual(['api', 'web']);
    // A new file with one more cluster.
    const t0 = Date.now();
    save(path.join(dir, 'extra.yaml'), clusterYaml('extra'));
    await c.next(TypeUrl.Cluster, 1500);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(c.names(TypeUrl.Cluster)).toEqual(['api', 'extra', 'web']);
    // An invalid edit: a negative timeout. Logged with file and path; nothing is pushed.
    save(path.join(dir, 'extra.yaml'), clusterYaml('extra', '-1s'));
    expect(await c.quiet(800)).toBe(true);
    expect(r.err()).toMatch(/rejected: extra\.yaml: clusters\[extra\]\.connect_timeout: /);
    expect(r.err()).toMatch(/the last good config keeps serving/);
    // So is a route to a cluster defined nowhere.
    save(path.join(dir, 'config.yaml'), FIXTURE_YAML.replace('cluster: web }', 'cluster: nowhere }'));
    expect(await c.quiet(800)).toBe(true);
    expect(r.err()).toMatch(/rejected: config\.yaml: routes\[local_route\]\.[a-z_.[\]0-9]+: .*nowhere/);
    save(path.join(dir, 'config.yaml'), FIXTURE_YAML);
    // Fixed: the new content is served.
    save(path.join(dir, 'extra.yaml'), clusterYaml('extra', '2s'));
    await c.next(TypeUrl.Cluster, 1500);
    expect(c.names(TypeUrl.Cluster)).toEqual(['api', 'extra', 'web']);
    expect(r.err()).toMatch(/ACK {2}node=envoy-1 type=envoy\.config\.cluster\.v3\.Cluster/);
    expect(await r.stop()).toBe(0);
    running = [];
  });

  it('serves per-node overrides from a subdirectory named after the node key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.yaml'), FIXTURE_YAML);
    fs.mkdirSync(path.join(dir, 'canary'));
    fs.writeFileSync(path.join(dir, 'canary', 'more.yaml'), clusterYaml('canary-only'));
    const r = await serve([dir, '--port', '0', '--node-key', 'cluster']);
    if (typeof r === 'number') throw new Error(`serve exited ${r}: ${(serve as { lastErr?: string }).lastErr}`);
    const plain = new DeltaClient(`127.0.0.1:${r.port}`, { node: { id: 'a', cluster: 'stable' } });
    const canary = new DeltaClient(`127.0.0.1:${r.port}`, { node: { id: 'b', cluster: 'canary' } });
    closers.push(() => plain.close(), () => canary.close());
    plain.subscribe(TypeUrl.Cluster, ['*']);
    canary.subscribe(TypeUrl.Cluster, ['*']);
    await plain.next();
    await canary.next();
    expect(plain.names(TypeUrl.Cluster)).toEqual(['api', 'web']);
    expect(canary.names(TypeUrl.Cluster)).toEqual(['api', 'canary-only', 'web']);
  });

  it('fails to start on an invalid config (exit 1) or an unreadable one (exit 2), naming files and paths', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.yaml'), FIXTURE_YAML.replace('cluster: web }', 'cluster: nowhere }'));
    expect(await serve([dir, '--port', '0'])).toBe(1);
    expect((serve as { lastErr?: string }).lastErr).toMatch(/config\.yaml: routes\[local_route\]\..*nowhere/);
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'clusters: [ {');
    expect(await serve([dir, '--port', '0'])).toBe(2);
    expect((serve as { lastErr?: string }).lastErr).toMatch(/config\.yaml: /);
    expect(await serve([path.join(dir, 'nope')])).toBe(2);
    expect(await serve([dir, '--port', 'x'])).toBe(2);
  });
});
