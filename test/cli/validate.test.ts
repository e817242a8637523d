import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from 'xdskit/cli';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `xdskit ARGS` in-process in the fixtures directory; returns the exit code and output. */
async function xdskit(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += typeof t === 'string' ? t : Buffer.from(t).toString()), err: (t) => (err += t), cwd: FIXTURES };
  const code = await runCli(args, io);
  return { code, out, err };
}

const HCM_PATH = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';

describe('xdskit validate', () => {
  it('exits 0 and says so for a valid bootstrap', async () => {
    expect(await xdskit('validate', 'valid.yaml')).toEqual({ code: 0, out: '1 file valid\n', err: '' });
  });

  it('fails on a typo in a field name, with a suggestion (unknown_field)', async () => {
    const r = await xdskit('validate', 'typo.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      'typo.yaml: static_resources.clusters[0].conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster (did you mean "connect_timeout"?) (unknown_field)\n' +
        '1 file: 1 error, 0 warnings\n',
    );
  });

  it('makes the typo a warning with --lenient, and exits 0', async () => {
    const r = await xdskit('validate', '--lenient', 'typo.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'typo.yaml: warning: static_resources.clusters[0].conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster (did you mean "connect_timeout"?) (unknown_field)\n' +
        '1 file valid (1 warning)\n',
    );
  });

  it('fails on a route to a missing cluster (reference.cluster)', async () => {
    const r = await xdskit('validate', 'missing-cluster.yaml');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(
      `missing-cluster.yaml: ${HCM_PATH}.route_config.virtual_hosts[0].routes[0].route.cluster: static cluster "api" is not defined: no static cluster has that name (reference.cluster)`,
    );
  });

  it('fails on a router that is not the last http filter (hcm.terminal_filter)', async () => {
    const r = await xdskit('validate', 'router-not-last.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        `router-not-last.yaml: ${HCM_PATH}.http_filters[0]: http filter "envoy.filters.http.router" (envoy.extensions.filters.http.router.v3.Router) is terminal and must be the last filter; 1 filter(s) follow it (hcm.terminal_filter)`,
        `router-not-last.yaml: ${HCM_PATH}.http_filters[1]: the last http filter must be a terminal filter such as the router (envoy.extensions.filters.http.router.v3.Router); got "envoy.filters.http.cors" (envoy.extensions.filters.http.cors.v3.Cors) (hcm.terminal_filter)`,
        '1 file: 2 errors, 0 warnings',
        '',
      ].join('\n'),
    );
  });

  it('fails on two filter chains with one match (listener.filter_chain_match)', async () => {
    const r = await xdskit('validate', 'two-chains.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      'two-chains.yaml: listeners[tls].filter_chains[1].filter_chain_match: filter chains 0 and 1 have the same match {server_names: [api.example.com, www.example.com]}: envoy rejects the listener (listener.filter_chain_match)\n' +
        '1 file: 1 error, 0 warnings\n',
    );
  });

  it('fails on a regex RE2 does not compile (regex.re2)', async () => {
    const r = await xdskit('validate', 'bad-regex.yaml');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(
      `bad-regex.yaml: ${HCM_PATH}.route_config.virtual_hosts[0].routes[0].match.safe_regex.regex: regex "^/users/(?P<id>[0-9]+)(?=/)" does not compile under re2: invalid or unsupported Perl syntax: \`(?=\` (regex.re2)`,
    );
  });

  it('fails on an EDS cluster with no eds config (cluster.eds_config)', async () => {
    const r = await xdskit('validate', 'eds-no-config.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      'eds-no-config.yaml: clusters[payments].eds_cluster_config.eds_config: an EDS cluster needs eds_cluster_config.eds_config (for example ads: {}) saying where its endpoints come from (cluster.eds_config)\n' +
        'eds-no-config.yaml: warning: clusters[payments]: cluster "payments" is not referenced by any other resource (unreferenced)\n' +
        '1 file: 1 error, 1 warning\n',
    );
  });

  it('checks files given together as one snapshot, and blames the file that holds the reference', async () => {
    expect(await xdskit('validate', 'listeners.yaml', 'clusters.yaml')).toEqual({ code: 0, out: '2 files valid\n', err: '' });
    const alone = await xdskit('validate', 'listeners.yaml');
    expect(alone.code).toBe(1);
    expect(alone.out).toBe(
      'listeners.yaml: listeners[postgres].filter_chains[0].filters[0].typed_config.cluster: cluster "pg" is not defined: no cluster has that name (reference.cluster)\n' +
        '1 file: 1 error, 0 warnings\n',
    );
    const clusters = await xdskit('validate', 'clusters.yaml');
    expect(clusters).toEqual({ code: 0, out: 'clusters.yaml: warning: clusters[pg]: cluster "pg" is not referenced by any other resource (unreferenced)\n1 file valid (1 warning)\n', err: '' });
  });

  it('validates a single resource with --type', async () => {
    const r = await xdskit('validate', '--type', 'clusters', 'cluster.yaml');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(
      'cluster.yaml: clusters[api].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: "api.internal" is not an ip address: envoy resolves host names only in STRICT_DNS or LOGICAL_DNS clusters (this cluster is STATIC); use an ip literal or set resolver_name (address.ip)',
    );
  });

  it('writes a stable json document with --format json', async () => {
    const r = await xdskit('validate', '--format', 'json', 'valid.yaml', 'eds-no-config.yaml');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      ok: false,
      errors: 1,
      warnings: 1,
      files: [
        { file: 'valid.yaml', kind: 'bootstrap', ok: true, errors: [], warnings: [] },
        {
          file: 'eds-no-config.yaml',
          kind: 'resources',
          ok: false,
          errors: [
            {
              path: 'clusters[payments].eds_cluster_config.eds_config',
              rule: 'cluster.eds_config',
              message: 'an EDS cluster needs eds_cluster_config.eds_config (for example ads: {}) saying where its endpoints come from',
            },
          ],
          warnings: [{ path: 'clusters[payments]', rule: 'unreferenced', message: 'cluster "payments" is not referenced by any other resource', value: 'payments' }],
        },
      ],
    });
  });

  it('exits 2 on a file it cannot read, parse or recognise, and says why on stderr', async () => {
    const missing = await xdskit('validate', 'nope.yaml');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^nope\.yaml: cannot read .*nope\.yaml: no such file \(read\)\n$/);
    const broken = await xdskit('validate', 'broken.yaml');
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^broken\.yaml: .*\(yaml\)\n/);
    const unknown = await xdskit('validate', 'unknown.yaml', 'valid.yaml');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^unknown\.yaml: unrecognised config: expected a Bootstrap/);
    expect(unknown.out).toBe('2 files: 1 unreadable file\n');
  });

  it('validates the shared fixtures: bootstraps valid, an Istio config dump with its known gaps', async () => {
    const dir = path.join(ROOT, 'test/fixtures');
    const r = await xdskit('validate', path.join(dir, 'bootstrap-static.yaml'), path.join(dir, 'bootstrap-ads.yaml'), path.join(dir, 'tls.yaml'));
    expect(r.out.endsWith('3 files valid\n')).toBe(true);
    expect(r.code).toBe(0);
    const dump = await xdskit('validate', '--format', 'json', path.join(dir, 'istio-config-dump.yaml'));
    const doc = JSON.parse(dump.out);
    // The fixture's dump holds no endpoints nor secrets (not asked for); one inbound cluster is
    // cut from it, so routes to it do not resolve.
    expect(doc.files[0].errors.map((p: { rule: string; value: string }) => `${p.rule} ${p.value}`)).toEqual([
      'reference.cluster inbound|9080||',
      'reference.cluster inbound|9080||',
      'reference.cluster inbound|9080||',
    ]);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await xdskit('validate')).code).toBe(2);
    expect((await xdskit('validate', '--format', 'xml', 'valid.yaml')).code).toBe(2);
    const help = await xdskit('validate', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: xdskit validate FILE...');
  });
});

describe('xdskit validate as a child process', () => {
  const main = path.join(ROOT, 'dist/cli/main.js');
  // dist/ is built by `npm install` and rebuilt by `npm test` (its pretest step).
  beforeAll(() => {
    expect(fs.existsSync(main)).toBe(true);
  });

  const run = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [main, ...args], { cwd: FIXTURES, timeout: 30_000 }, (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out, err }));
    });

  it('exits 0, 1 and 2 with the same output as in-process', async () => {
    expect(await run('validate', 'valid.yaml')).toEqual({ code: 0, out: '1 file valid\n', err: '' });
    const bad = await run('validate', 'eds-no-config.yaml');
    expect(bad.code).toBe(1);
    expect(bad.out).toBe((await xdskit('validate', 'eds-no-config.yaml')).out);
    expect((await run('validate', 'nope.yaml')).code).toBe(2);
  });
});
