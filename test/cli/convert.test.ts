import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode, fromJson, fromYaml, toJson } from 'xdskit';
import { runCli, type CliIo } from '../../src/cli/index.js';

const fixtures = path.resolve(__dirname, '../fixtures');

function io(cwd = fixtures) {
  const out: (string | Uint8Array)[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (d) => out.push(d), err: (t) => err.push(t), cwd };
  return {
    cli,
    text: () => out.map((d) => (typeof d === 'string' ? d : Buffer.from(d).toString('latin1'))).join(''),
    bytes: () => Buffer.concat(out.map((d) => (typeof d === 'string' ? Buffer.from(d) : Buffer.from(d)))),
    err: () => err.join(''),
  };
}

describe('xdskit convert', () => {
  it('converts a bootstrap from YAML to proto3 JSON with camelCase keys', async () => {
    const t = io();
    expect(await runCli(['convert', 'bootstrap-static.yaml', '--to', 'json'], t.cli)).toBe(0);
    const json = JSON.parse(t.text());
    expect(json.staticResources.listeners.length).toBeGreaterThan(0);
    const original = fromYaml('envoy.config.bootstrap.v3.Bootstrap', fs.readFileSync(path.join(fixtures, 'bootstrap-static.yaml'), 'utf8'));
    expect(fromJson('envoy.config.bootstrap.v3.Bootstrap', json)).toEqual(original);
  });

  it('converts to YAML with snake_case keys by default, and camelCase with --keys json', async () => {
    const snake = io();
    expect(await runCli(['convert', 'bootstrap-static.yaml', '--to', 'yaml'], snake.cli)).toBe(0);
    expect(snake.text()).toContain('static_resources:');
    const camel = io();
    expect(await runCli(['convert', 'bootstrap-static.yaml', '--to', 'yaml', '--keys', 'json'], camel.cli)).toBe(0);
    expect(camel.text()).toContain('staticResources:');
  });

  it('writes binary as the encoded proto, and reads it back with --type', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-convert-'));
    const t = io();
    expect(await runCli(['convert', 'bootstrap-static.yaml', '--to', 'binary', '--out', path.join(dir, 'b.pb')], t.cli)).toBe(0);
    const bytes = fs.readFileSync(path.join(dir, 'b.pb'));
    const original = fromYaml('envoy.config.bootstrap.v3.Bootstrap', fs.readFileSync(path.join(fixtures, 'bootstrap-static.yaml'), 'utf8'));
    expect(decode('envoy.config.bootstrap.v3.Bootstrap', bytes)).toEqual(original);
    const back = io(dir);
    expect(await runCli(['convert', 'b.pb', '--type', 'envoy.config.bootstrap.v3.Bootstrap', '--to', 'json'], back.cli)).toBe(0);
    expect(JSON.parse(back.text())).toEqual(toJson('envoy.config.bootstrap.v3.Bootstrap', original));
  });

  it('writes a list of resources of one type as a binary DiscoveryResponse', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-convert-'));
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'clusters:\n- name: a\n  type: STATIC\n- name: b\n  type: STRICT_DNS\n');
    const t = io(dir);
    expect(await runCli(['convert', 'c.yaml', '--to', 'binary'], t.cli)).toBe(0);
    const resp = decode('envoy.service.discovery.v3.DiscoveryResponse', t.bytes());
    expect(resp.typeUrl).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
    expect(resp.resources?.length).toBe(2);
  });

  it('fails with exit 2 and the path of the problem on an invalid file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-convert-'));
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'clusters:\n- name: a\n  conect_timeout: 1s\n');
    const t = io(dir);
    expect(await runCli(['convert', 'bad.yaml', '--to', 'json'], t.cli)).toBe(2);
    expect(t.err()).toBe(
      'bad.yaml: clusters[0].conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster (did you mean "connect_timeout"?) (unknown_field)\n',
    );
  });

  it('fails with exit 2 on a file that does not exist', async () => {
    const t = io();
    expect(await runCli(['convert', 'nope.yaml', '--to', 'json'], t.cli)).toBe(2);
    expect(t.err()).toMatch(/^nope\.yaml: cannot read .*nope\.yaml: no such file \(read\)\n$/);
  });

  it('rejects bad usage with exit 2 and the usage text', async () => {
    const t = io();
    expect(await runCli(['convert', 'bootstrap-static.yaml', '--to', 'xml'], t.cli)).toBe(2);
    expect(t.err()).toContain('--to must be json, yaml or binary');
    expect(t.err()).toContain('usage: xdskit convert');
  });

  it('turns unknown fields into warnings with --lenient and still converts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-convert-'));
    fs.writeFileSync(path.join(dir, 'new.yaml'), 'clusters:\n- name: a\n  future_field: 1\n');
    const t = io(dir);
    expect(await runCli(['convert', 'new.yaml', '--to', 'json', '--lenient'], t.cli)).toBe(0);
    expect(JSON.parse(t.text())).toEqual({ clusters: [{ name: 'a' }] });
    expect(t.err()).toContain('new.yaml: warning: clusters[0].future_field: unknown field "future_field"');
  });
});

// dist/ is built by `npm install` and again by `npm test` (its pretest step).
describe('the xdskit binary', () => {
  it('prints its help with exit 0 and lists convert', () => {
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../dist/cli/main.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('convert');
  });

  it('exits 2 on an unreadable input, naming the file', () => {
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../dist/cli/main.js'), 'convert', '/nonexistent/x.yaml', '--to', 'json'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/nonexistent/x.yaml');
  });
});
