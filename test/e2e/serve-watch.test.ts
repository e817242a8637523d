import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../src/cli/index.js';
import { startBackend, xdsEchoClient, grpcBootstrap, eventually, type Backend, type EchoClient } from '../support/backends.js';
import { meshYaml, type MeshOptions } from '../support/grpc-mesh.js';

/** `xdskit serve --watch` on a directory the test edits, and a real gRPC xDS client. */
describe('xdskit serve --watch with a real @grpc/grpc-js-xds client', () => {
  let backends: Backend[];
  let dir: string;
  let client: EchoClient;
  let log = '';
  let stop!: () => void;
  let done: Promise<number>;
  const write = (o: Partial<MeshOptions>) => {
    const file = path.join(dir, 'mesh.yaml');
    fs.writeFileSync(`${file}.tmp`, meshYaml({ name: 'echo', ports: [backends[0]!.port, backends[1]!.port], ...o }));
    fs.renameSync(`${file}.tmp`, file);
  };
  const count = (re: RegExp) => (log.match(new RegExp(re.source, 'g')) ?? []).length;

  beforeAll(async () => {
    backends = [await startBackend('a'), await startBackend('b')];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-e2e-serve-'));
    write({ weights: [50, 50] });
    let out = '';
    const io: CliIo = {
      out: (t) => void (out += String(t)),
      err: (t) => void (log += t),
      cwd: dir,
      stopped: new Promise<void>((r) => (stop = r)),
    };
    done = runCli(['serve', '.', '--port', '0', '--watch'], io);
    expect(await eventually(() => /listening on/.test(out), 10_000)).toBe(true);
    const port = Number(/:(\d+)/.exec(out)![1]);
    client = xdsEchoClient('xds:///echo', grpcBootstrap(`127.0.0.1:${port}`, { id: 'grpc-client-serve' }));
  });

  afterAll(async () => {
    client?.close();
    stop?.();
    expect(await done).toBe(0);
    await Promise.all(backends.map((b) => b.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the first RPC and spreads traffic over both backends', async () => {
    expect(['a', 'b']).toContain(await client.who(10_000));
    const spread = await client.spread(100);
    expect(spread['a']).toBeGreaterThan(20);
    expect(spread['b']).toBeGreaterThan(20);
    expect(log).toMatch(/ACK {2}node=grpc-client-serve type=envoy\.config\.listener\.v3\.Listener/);
  });

  it('shifts traffic when the file changes', async () => {
    write({ weights: [0, 100] });
    expect(await eventually(async () => (await client.spread(20))['b'] === 20)).toBe(true);
  });

  it('logs the NACK of a config the client rejects, keeps traffic on the last good config and resends nothing', async () => {
    write({ weights: [50, 50] });
    expect(await eventually(async () => ((await client.spread(40))['a'] ?? 0) > 0)).toBe(true);
    // MAGLEV is valid Envoy config (xdskit serves it), but gRPC clients do not support it.
    write({ weights: [50, 50], lbPolicyB: 'MAGLEV' });
    expect(await eventually(() => /NACK node=grpc-client-serve type=envoy\.config\.cluster\.v3\.Cluster/.test(log))).toBe(true);
    expect(log).toMatch(/NACK .*MAGLEV/);
    const spread = await client.spread(60);
    expect(spread['a']).toBeGreaterThan(5);
    expect(spread['b']).toBeGreaterThan(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(count(/NACK node=/)).toBe(1);
  });

  it('recovers with the next valid edit', async () => {
    const acks = count(/ACK {2}node=grpc-client-serve type=envoy\.config\.cluster\.v3\.Cluster/);
    write({ weights: [0, 100] });
    expect(await eventually(async () => (await client.spread(20))['b'] === 20)).toBe(true);
    expect(await eventually(() => count(/ACK {2}node=grpc-client-serve type=envoy\.config\.cluster\.v3\.Cluster/) > acks)).toBe(true);
  });
});
