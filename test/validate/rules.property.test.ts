/**
 * Every rule of the Envoy API, from the descriptors: for each field that carries rules (and
 * each required oneof), a generated valid message has no error, and breaking exactly one rule
 * gives exactly that error at that path — in the fast validator and in the zod schema alike.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { setCodegen, validateFields } from '../../src/validate/fields.js';
import { problemsFromZod, schemaFor } from '../../src/validate/zod.js';
import {
  Impossible,
  fieldBreaks,
  rng,
  ruleKinds,
  ruleSites,
  validField,
  validMessage,
  withField,
  type RuleSite,
} from './rules-gen.js';

const sites = ruleSites();
const siteName = (s: RuleSite) => `${s.type}.${s.field ? s.field.name : s.schema.oneofs![s.oneof!]!.name}`;

/** The rule kinds a site carries (`string.min_len`, `oneof.required`...). */
function kindsOf(s: RuleSite): string[] {
  return s.field ? ruleKinds(s.field.rules as Record<string, unknown>) : ['oneof.required'];
}

interface Outcome {
  /** Rule kinds broken (alone) and checked at this site. */
  broken: string[];
  /** Kinds that were satisfied by a checked valid message. */
  satisfied: string[];
  impossible?: string;
}

const pr = (ps: readonly { path: string; rule: string }[]) => ps.map((p) => `${p.path} (${p.rule})`).sort();

/**
 * Checks one site with one seed: valid → no errors; each single-rule break → exactly that
 * error, at that path. With `zod`, the zod schema is checked the same way.
 */
function checkSite(s: RuleSite, seed: number, zod: boolean): Outcome {
  const g = rng(seed);
  let base: Record<string, unknown>;
  try {
    base = validMessage(s.type, g, 0, { defaults: seed % 2 === 0 });
  } catch (e) {
    if (e instanceof Impossible) return { broken: [], satisfied: [], impossible: e.message };
    throw e;
  }
  const expectValid = (msg: unknown, what: string) => {
    const r = validateFields(s.type, msg);
    expect(pr(r.errors), `${siteName(s)}: ${what} should be valid`).toEqual([]);
    if (zod) {
      const z = schemaFor(s.type).safeParse(msg);
      expect(z.success ? [] : pr(problemsFromZod(s.type, z.error.issues)), `zod ${siteName(s)}: ${what}`).toEqual([]);
    }
  };
  const expectOnly = (msg: unknown, path: string, rule: string) => {
    const r = validateFields(s.type, msg);
    expect(pr(r.errors), `${siteName(s)}: breaking ${rule}`).toEqual([`${path} (${rule})`]);
    expect(r.errors[0]!.message).toMatch(/^[^A-Z]/);
    if (zod) {
      const z = schemaFor(s.type).safeParse(msg);
      expect(z.success, `zod ${siteName(s)}: breaking ${rule}`).toBe(false);
      expect(pr(problemsFromZod(s.type, z.success ? [] : z.error.issues)), `zod ${siteName(s)}: breaking ${rule}`).toEqual([`${path} (${rule})`]);
    }
  };

  if (s.oneof !== undefined) {
    const o = s.schema.oneofs![s.oneof]!;
    expectValid(base, 'a message with a member set');
    const broken = { ...base };
    delete broken[o.prop];
    expectOnly(broken, o.name, 'oneof.required');
    return { broken: ['oneof.required'], satisfied: ['oneof.required'] };
  }
  const f = s.field!;
  let value: unknown;
  try {
    value = validField(f, g, 0);
  } catch (e) {
    if (e instanceof Impossible) return { broken: [], satisfied: [], impossible: e.message };
    throw e;
  }
  const valid = withField(s.schema, base, f, value);
  expectValid(valid, `value ${JSON.stringify(value)?.slice(0, 100)}`);
  const broken: string[] = [];
  for (const b of fieldBreaks(f, value, g)) {
    expectOnly(withField(s.schema, base, f, b.value), f.name + b.sub, b.rule);
    const ex = /^(.*)\.(gte?|lte?)_(gte?|lte?)_exclusive$/.exec(b.rule);
    if (ex) broken.push(`${ex[1]}.${ex[2]}`, `${ex[1]}.${ex[3]}`);
    else broken.push(b.rule);
  }
  return { broken, satisfied: kindsOf(s) };
}

describe('every field rule of the Envoy API (generated from the descriptors)', () => {
  test('the descriptors carry the rule kinds this validator covers', () => {
    const kinds = new Set(sites.flatMap(kindsOf));
    expect(sites.length).toBeGreaterThan(900);
    for (const k of ['string.min_len', 'string.well_known_regex', 'string.pattern', 'message.required', 'repeated.min_items', 'enum.defined_only', 'duration.gt', 'oneof.required', 'map.keys.string.min_len']) {
      expect(kinds).toContain(k);
    }
  });

  test('a valid message has no error and breaking exactly one rule gives exactly that error, at that path', () => {
    const broken = new Map<string, number>();
    const impossible: string[] = [];
    for (const [i, s] of sites.entries()) {
      const out = checkSite(s, i + 1, false);
      if (out.impossible) impossible.push(`${siteName(s)}: ${out.impossible}`);
      for (const k of out.broken) broken.set(k, (broken.get(k) ?? 0) + 1);
    }
    expect(impossible).toEqual([]);
    // Every rule kind the descriptors carry was broken alone at least once.
    const kinds = new Set(sites.flatMap(kindsOf));
    // `strict` and `ignore_empty` modify other rules; they cannot be broken by themselves.
    const missing = [...kinds].filter((k) => !broken.has(k) && !/\.(strict|ignore_empty)$/.test(k));
    expect(missing).toEqual([]);
  });

  test('the closure fallback (no code generation, for CSP-restricted hosts) gives the same results', () => {
    setCodegen(false);
    try {
      for (const [i, s] of sites.entries()) checkSite(s, 31 * (i + 1), false);
    } finally {
      setCodegen(true);
    }
  });

  test('the zod schemas agree with the fast validator on every site', () => {
    for (const [i, s] of sites.entries()) checkSite(s, 7919 * (i + 1), true);
  });
});

describe('property: each rule kind, random valid values and single breaks', () => {
  const byKind = new Map<string, RuleSite[]>();
  for (const s of sites) {
    for (const k of new Set(kindsOf(s))) {
      let list = byKind.get(k);
      if (!list) byKind.set(k, (list = []));
      list.push(s);
    }
  }
  test.each([...byKind.keys()].sort())('%s', (kind) => {
    const list = byKind.get(kind)!;
    fc.assert(
      fc.property(fc.constantFrom(...list), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (s, seed) => {
        const out = checkSite(s, seed, seed % 4 === 0);
        expect(out.impossible).toBeUndefined();
      }),
      // max_items breaks build lists of 1001 messages: fewer runs keep the suite fast.
      { numRuns: kind === 'repeated.max_items' ? 8 : Math.min(60, 10 + list.length) },
    );
  });
});
