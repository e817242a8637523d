import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The built package (dist/, built by `npm install` and by `npm test`'s pretest), as users load it.
const ROOT = path.resolve(__dirname, '..');

function node(code: string, type: 'module' | 'commonjs') {
  return spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('the xdskit package', () => {
  it('resolves every subpath export by name', () => {
    const r = node(
      `const names = ['xdskit', 'xdskit/registry', 'xdskit/validate', 'xdskit/builders', 'xdskit/cache', 'xdskit/server', 'xdskit/mesh'];
       const mods = await Promise.all(names.map((n) => import(n)));
       console.log(JSON.stringify(mods.map((m) => Object.keys(m).length > 0)));
       const { typeUrlOf, envoy } = mods[0];
       console.log(typeUrlOf(envoy.config.cluster.v3.Cluster));`,
      'module',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('[true,true,true,true,true,true,true]\ntype.googleapis.com/envoy.config.cluster.v3.Cluster\n');
  });

  it('can be required from CommonJS (Node >= 20.19 loads ESM with require), as one copy', () => {
    const r = node(
      `const a = require('xdskit'); const b = require('xdskit/registry');
       console.log(a.encode === b.encode, typeof a.envoy.config.listener.v3.Listener.decode);`,
      'commonjs',
    );
    expect(r.stdout).toBe('true function\n');
  });

  it('does not load gRPC when the root entry is imported', () => {
    const r = node(
      `await import('xdskit');
       const { createRequire } = await import('node:module');
       const req = createRequire(process.cwd() + '/');
       const grpc = req.resolve('@grpc/grpc-js');
       console.log(Object.keys(req.cache).some((k) => k.startsWith(grpc.slice(0, grpc.indexOf('@grpc/grpc-js') + 13))));`,
      'module',
    );
    expect(r.stdout).toBe('false\n');
  });
});
