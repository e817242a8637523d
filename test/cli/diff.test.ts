import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from 'xdskit/cli';
import { FIXTURE_YAML } from '../support/fixture.js';

let dir: string;

async function xdskit(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += typeof t === 'string' ? t : Buffer.from(t).toString()), err: (t) => (err += t), cwd: dir };
  const code = await runCli(args, io);
  return { code, out, err };
}

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return name;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-diff-'));
  write('old.yaml', FIXTURE_YAML);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('xdskit diff', () => {
  it('given the same config reformatted (JSON, camelCase keys, other key order), then it exits 0 and says there is no difference', async () => {
    const r = await xdskit('convert', 'old.yaml', '--to', 'json', '--out', 'same.json');
    expect(r.code).toBe(0);
    expect(await xdskit('diff', 'old.yaml', 'same.json')).toEqual({ code: 0, out: 'no differences between old.yaml and same.json\n', err: '' });
  });

  it('given a changed timeout, an added and a removed cluster, then it lists them per type with the changed fields, and exits 1', async () => {
    const changed = FIXTURE_YAML.replace('connect_timeout: 1s', 'connect_timeout: 2s')
      .replace('  - name: web\n    type: EDS', '  - name: web2\n    type: EDS');
    write('new.yaml', changed);
    const r = await xdskit('diff', 'old.yaml', 'new.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        'clusters: 1 added, 1 removed, 1 modified',
        '  + web2',
        '  - web',
        '  ~ api',
        '      ~ connect_timeout: "1s" → "2s"',
        '1 type differs: 1 added, 1 removed, 1 modified',
        '',
      ].join('\n'),
    );
  });

  it('given a filter inserted in a named list, then it shows one added element, matched by name', async () => {
    const changed = FIXTURE_YAML.replace(
      '              http_filters:\n',
      '              http_filters:\n                - name: envoy.filters.http.cors\n                  typed_config:\n                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors\n',
    );
    write('cors.yaml', changed);
    const r = await xdskit('diff', 'old.yaml', 'cors.yaml', '--format', 'json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.equal).toBe(false);
    expect(j.types).toHaveLength(1);
    expect(j.types[0]).toMatchObject({ kind: 'listeners', typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', added: [], removed: [] });
    const changes = j.types[0].modified[0].changes;
    expect(j.types[0].modified[0].name).toBe('ingress');
    expect(changes.map((c: { path: string; op: string }) => [c.path, c.op])).toEqual([
      ['filter_chains[0].filters[envoy.filters.network.http_connection_manager].typed_config.http_filters[envoy.filters.http.cors]', 'added'],
    ]);
    expect(changes[0].new).toEqual({ name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } });
  });

  it('given named elements reordered, then it reports the new order', async () => {
    const swapped = FIXTURE_YAML.replace(
      '          - match: { prefix: /api }\n            route: { cluster: api, timeout: 5s }\n          - match: { prefix: / }\n            route: { cluster: web }',
      '          - name: b\n            match: { prefix: / }\n            route: { cluster: web }\n          - name: a\n            match: { prefix: /api }\n            route: { cluster: api, timeout: 5s }',
    );
    const named = FIXTURE_YAML.replace(
      '          - match: { prefix: /api }\n            route: { cluster: api, timeout: 5s }\n          - match: { prefix: / }\n            route: { cluster: web }',
      '          - name: a\n            match: { prefix: /api }\n            route: { cluster: api, timeout: 5s }\n          - name: b\n            match: { prefix: / }\n            route: { cluster: web }',
    );
    write('named.yaml', named);
    write('swapped.yaml', swapped);
    const r = await xdskit('diff', 'named.yaml', 'swapped.yaml', '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).types[0].modified[0].changes).toEqual([{ path: 'virtual_hosts[all].routes', op: 'changed', old: ['a', 'b'], new: ['b', 'a'] }]);
  });

  it('given endpoints changed, then the field path goes down to the endpoint', async () => {
    write('ep.yaml', FIXTURE_YAML.replace('port_value: 8082', 'port_value: 9082'));
    const r = await xdskit('diff', 'old.yaml', 'ep.yaml', '--format', 'json');
    const c = JSON.parse(r.out).types[0].modified[0];
    expect(c.name).toBe('api');
    expect(c.changes).toEqual([{ path: 'endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value', op: 'changed', old: 8082, new: 9082 }]);
  });

  it('given directories, then each is the union of its files', async () => {
    const cut = FIXTURE_YAML.indexOf('\nroutes:\n');
    write('a/listeners.yaml', FIXTURE_YAML.slice(0, cut));
    write('a/rest.yaml', FIXTURE_YAML.slice(cut));
    write('b/all.yaml', FIXTURE_YAML.replace('port_value: 8090', 'port_value: 8091'));
    const r = await xdskit('diff', 'a', 'b');
    expect(r.code).toBe(1);
    expect(r.out).toContain('endpoints: 1 modified\n  ~ web\n      ~ endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: 8090 → 8091\n');
  });

  it('fails with exit 2 on a file that does not exist', async () => {
    const r = await xdskit('diff', 'old.yaml', 'nope.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.yaml: .*cannot read/);
  });

  it('fails with exit 2 on an unknown field, and accepts it with --lenient', async () => {
    write('typo.yaml', FIXTURE_YAML.replace('connect_timeout: 1s', 'conect_timeout: 1s'));
    const r = await xdskit('diff', 'old.yaml', 'typo.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown field "conect_timeout"/);
    const lenient = await xdskit('diff', '--lenient', 'old.yaml', 'typo.yaml');
    expect(lenient.code).toBe(1);
    expect(lenient.out).toContain('- connect_timeout: "1s"');
  });

  it('fails with exit 2 when a name appears twice in a type', async () => {
    write('dup.yaml', FIXTURE_YAML.replace('  - name: web\n    type: EDS', '  - name: api\n    type: EDS'));
    const r = await xdskit('diff', 'old.yaml', 'dup.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/clusters\[api\]: the name "api" is given twice/);
  });

  it('fails with exit 2 on bad usage', async () => {
    expect((await xdskit('diff', 'old.yaml')).code).toBe(2);
    expect((await xdskit('diff', 'old.yaml', 'old.yaml', '--format', 'xml')).code).toBe(2);
  });

  it('is listed by xdskit --help', async () => {
    expect((await xdskit('--help')).out).toMatch(/diff\s+show what changed/);
  });
});
