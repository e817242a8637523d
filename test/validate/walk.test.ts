import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvoyConfig, typeInfo } from 'xdskit';
import { SEMANTIC_RULES, validateBootstrap, validateSnapshot } from 'xdskit/validate';
import { setWalkCodegen, walk } from '../../src/validate/semantic/walk.js';

const SNAPSHOT = fs.readFileSync(new URL('./fixtures/snapshot.yaml', import.meta.url), 'utf8');
const TARGETS = Object.keys(SEMANTIC_RULES);

/** Every resource of the fixture snapshot and of the bootstrap fixtures, with its full type name. */
function resources(): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [url, list] of loadEnvoyConfig({ text: SNAPSHOT }).resources) {
    for (const r of list instanceof Map ? list.values() : list) out.push([typeInfo(url).fullName, r]);
  }
  for (const file of ['bootstrap-static', 'bootstrap-ads']) out.push(['envoy.config.bootstrap.v3.Bootstrap', loadEnvoyConfig(`test/fixtures/${file}.yaml`).bootstrap]);
  return out;
}

/** The messages a walk visits, as `type path`, in order. */
function visits(targets?: readonly string[]): string[] {
  const out: string[] = [];
  for (const [type, r] of resources()) walk(type, r, type, (v) => void out.push(`${v.type} ${v.path}`), targets);
  return out;
}

afterAll(() => setWalkCodegen(true));

describe('the walk', () => {
  it('visits the same messages in the same order with generated code and with the loop fallback (for CSP-restricted hosts)', () => {
    setWalkCodegen(true);
    const generated = [visits(), visits(TARGETS)];
    const snapshot = validateSnapshot(loadEnvoyConfig({ text: SNAPSHOT }).resources);
    const bootstrap = validateBootstrap(loadEnvoyConfig('test/fixtures/bootstrap-static.yaml').bootstrap!);
    setWalkCodegen(false);
    expect([visits(), visits(TARGETS)]).toEqual(generated);
    expect(validateSnapshot(loadEnvoyConfig({ text: SNAPSHOT }).resources)).toEqual(snapshot);
    expect(validateBootstrap(loadEnvoyConfig('test/fixtures/bootstrap-static.yaml').bootstrap!)).toEqual(bootstrap);
    // Every message of the fixtures, Anys unpacked: nested HTTP filters' configs included.
    expect(generated[0]!.length).toBeGreaterThan(100);
    expect(generated[0]!.some((v) => v.startsWith('envoy.extensions.filters.http.router.v3.Router '))).toBe(true);
    expect(generated[1]!.every((v) => TARGETS.includes(v.split(' ')[0]!))).toBe(true);
  });
});
