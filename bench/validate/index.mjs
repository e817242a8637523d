// bench/validate: field rules ((validate.rules) of every message, nested messages and Anys),
// and the whole of validate() / validateSnapshot() (field rules, Envoy's semantic rules,
// references between resources).
//
//   fields/10k-clusters+1k-listeners   validateFields on every resource of the bench/codec
//                                      fixture (seed 20240601): 10k Clusters and 1k Listeners,
//                                      each Listener with 1–3 filter chains holding a packed
//                                      HttpConnectionManager (inline routes, cors, local rate
//                                      limit, router), so every typed_config is unpacked and
//                                      checked too.
//   fields/1-listener, fields/1-cluster
//                                      one resource per call, each timed alone; the median over
//                                      the fixture's resources. Goal: ≤ 0.1 ms.
//   The baseline of the fields rows is the zod schema of the same type
//   (schemaFor(type).safeParse), built from the very same compiled rules: it shows what the
//   compiled fast path buys over plain zod. Cold start (compiling the checks of every type a
//   Listener reaches) is measured once, first.
//
//   snapshot/10k-clusters+1k-listeners validateSnapshot({ clusters, listeners }) of the same
//                                      fixture: every resource's field and semantic rules, then
//                                      names, addresses and references. Goal (issue 3): ≤ 1 s.
//   validate/1-listener, validate/1-cluster
//                                      validate() of one resource per call (field + semantic
//                                      rules), each timed alone. Goal: ≤ 0.1 ms median.
//   The baseline of these rows runs the same passes one after the other, each unpacking the
//   Anys it meets by itself (validateFields, checkSemantics, and for the snapshot
//   validateSnapshot's references-only pass): what validate() cost before its passes shared one
//   decode per Any. Both give the same problems (checked). Every iteration validates a fresh
//   copy of the resources (new objects, the same Any bytes), so no cache kept on an object from
//   one call can serve the next: each call pays for its decodes, as a control plane validating
//   newly built resources does.
//
// XDSKIT_DIST=/path/to/dist runs the bench against another build (e.g. a copy of dist/ made
// before a change), for before/after figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildFixtures } from '../codec/fixtures.mjs';

export const title = 'validateFields vs zod (baseline); validate() and validateSnapshot() vs their passes run separately (baseline)';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export default async function validate(h) {
  const distDir = process.env.XDSKIT_DIST ? path.resolve(process.env.XDSKIT_DIST) : path.join(repo, 'dist');
  const dist = (p) => pathToFileURL(path.join(distDir, p)).href;
  if (!fs.existsSync(path.join(distDir, 'validate/fields.js'))) {
    throw new Error(`${distDir}/validate/fields.js is missing: run \`npm run build\` (or npx tsc -p tsconfig.build.json) first`);
  }
  if (process.env.XDSKIT_DIST) h.log(`build: ${distDir}`);
  const x = await import(dist('index.js'));
  const { validateFields } = await import(dist('validate/fields.js'));
  const { schemaFor, problemsFromZod } = await import(dist('validate/zod.js'));
  const { checkSemantics } = await import(dist('validate/semantic/check.js'));
  const { mergeProblems } = await import(dist('validate/validate.js'));

  const { clusters, listeners } = buildFixtures(x);
  const hcms = listeners.reduce((n, l) => n + l.filterChains.length, 0);
  h.log(`fixture: ${clusters.length} clusters, ${listeners.length} listeners with ${hcms} packed HttpConnectionManagers`);

  // Cold start: the first validation compiles the plans of every type it reaches.
  let t0 = performance.now();
  validateFields(LISTENER, listeners[0]);
  validateFields(CLUSTER, clusters[0]);
  h.log(`cold start (compile the checks of every type one Listener and one Cluster reach): ${(performance.now() - t0).toFixed(1)} ms`);
  t0 = performance.now();
  schemaFor(LISTENER).safeParse(listeners[0]);
  schemaFor(CLUSTER).safeParse(clusters[0]);
  h.log(`cold start of the zod schemas for the same: ${(performance.now() - t0).toFixed(1)} ms`);

  // Correctness. The fixture draws connect_timeout from 0–5 s, so some clusters have 0s, which
  // Envoy rejects (connect_timeout: gt 0): exactly those must be reported, and nothing else.
  const zeroTimeout = new Set(clusters.filter((c) => c.connectTimeout.seconds === '0' && c.connectTimeout.nanos === 0).map((c) => c.name));
  h.log(`${zeroTimeout.size} clusters of the fixture have connect_timeout 0s (invalid: Envoy requires > 0)`);
  const fastProblems = [
    ...clusters.flatMap((c) => validateFields(CLUSTER, c, { path: `clusters[${c.name}]` }).errors),
    ...listeners.flatMap((l) => validateFields(LISTENER, l, { path: `listeners[${l.name}]` }).errors),
  ];
  const expected = [...zeroTimeout].map((n) => `clusters[${n}].connect_timeout duration.gt`).sort();
  const got = fastProblems.map((p) => `${p.path} ${p.rule}`).sort();
  h.check('validateFields reports exactly the clusters with connect_timeout 0s', JSON.stringify(got) === JSON.stringify(expected), `${got.length} problems, ${expected.length} expected; first: ${got[0]}`);
  const zodFailing = clusters.filter((c) => !schemaFor(CLUSTER).safeParse(c).success).map((c) => c.name);
  const zodListeners = listeners.filter((l) => !schemaFor(LISTENER).safeParse(l).success).length;
  h.check('the zod schemas fail exactly the same clusters and no listener', zodListeners === 0 && zodFailing.length === zeroTimeout.size && zodFailing.every((n) => zeroTimeout.has(n)));
  // And both find the same problems in a broken copy of every listener.
  const broken = listeners.slice(0, 50).map((l) => ({ ...l, filterChains: l.filterChains.map((fc) => ({ ...fc, filters: fc.filters.map((f) => ({ ...f, name: '' })) })) }));
  const fastBroken = broken.map((l) => validateFields(LISTENER, l).errors.map((p) => `${p.path} ${p.rule}`).sort().join('|'));
  const zodBroken = broken.map((l) => {
    const r = schemaFor(LISTENER).safeParse(l);
    return r.success ? '' : problemsFromZod(LISTENER, r.error.issues).map((p) => `${p.path} ${p.rule}`).sort().join('|');
  });
  h.check('both report the same problems in 50 broken listeners', fastBroken.every((s, i) => s !== '' && s === zodBroken[i]));

  const all = () => {
    let n = 0;
    for (const c of clusters) n += validateFields(CLUSTER, c).errors.length;
    for (const l of listeners) n += validateFields(LISTENER, l).errors.length;
    return n;
  };
  const allZod = () => {
    let n = 0;
    const sc = schemaFor(CLUSTER);
    const sl = schemaFor(LISTENER);
    for (const c of clusters) n += sc.safeParse(c).success ? 0 : 1;
    for (const l of listeners) n += sl.safeParse(l).success ? 0 : 1;
    return n;
  };
  await h.compare(
    'fields/10k-clusters+1k-listeners',
    [
      { impl: 'zod schemaFor().safeParse', fn: allZod, baseline: true },
      { impl: 'validateFields', fn: all },
    ],
    { iterations: 8, warmup: 2 },
  );
  const snapshot = h.rows.find((r) => r.name === 'fields/10k-clusters+1k-listeners' && r.impl === 'validateFields');
  // On a shared machine wall time includes other processes' work: judge by CPU time when the
  // harness measured it (process CPU, GC threads included).
  const spent = snapshot.cpuMedian ?? snapshot.median;
  h.check(
    'field rules of the 10k + 1k snapshot take at most half the 1 s budget (≤ 500 ms CPU)',
    spent <= 500,
    `${spent.toFixed(1)} ms ${snapshot.cpuMedian === undefined ? 'wall' : `cpu, ${snapshot.median.toFixed(1)} ms wall`}, load average ${os.loadavg()[0].toFixed(1)}`,
  );

  // One resource per call, each call timed alone (µs).
  const perCall = (items, fn) => {
    const out = [];
    for (let round = 0; round < (h.quick ? 1 : 3); round++) {
      for (const m of items) {
        const s = performance.now();
        fn(m);
        out.push((performance.now() - s) * 1000);
      }
    }
    return out;
  };
  const single = [
    ['fields/1-listener', LISTENER, listeners],
    ['fields/1-cluster', CLUSTER, clusters.slice(0, 2000)],
  ];
  for (const [name, type, items] of single) {
    const schema = schemaFor(type);
    const zodSamples = perCall(items, (m) => schema.safeParse(m));
    const fastSamples = perCall(items, (m) => validateFields(type, m));
    h.record(name, 'zod schemaFor().safeParse', { samples: zodSamples, baseline: true, unit: 'µs' });
    h.record(name, 'validateFields', { samples: fastSamples, unit: 'µs', paired: median(fastSamples.map((s, i) => s / zodSamples[i])) });
    const c0 = process.cpuUsage();
    for (const m of items) validateFields(type, m);
    const c = process.cpuUsage(c0);
    h.log(
      `${name}: validateFields median ${median(fastSamples).toFixed(1)} µs wall, mean ${((c.user + c.system) / items.length).toFixed(1)} µs cpu; ` +
        `zod median ${median(zodSamples).toFixed(1)} µs wall`,
    );
    h.check(`${name}: median ≤ 0.1 ms`, median(fastSamples) <= 100, `${median(fastSamples).toFixed(1)} µs`);
  }

  await wholeValidation(h, { x, validateFields, checkSemantics, mergeProblems, clusters, listeners });
}

/** A copy of a message tree: new objects and arrays, the same bytes (Any values stay Buffers). */
function fresh(v) {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map(fresh);
  const out = {};
  for (const k in v) out[k] = fresh(v[k]);
  return out;
}

/**
 * Like h.compare, but every implementation gets a fresh input in every iteration, made before
 * its clock starts (so a cache kept on the input objects cannot carry over between calls).
 */
async function compareFresh(h, name, impls, makeInput, { iterations = 8, warmup = 2 } = {}) {
  if (h.quick) {
    iterations = Math.min(iterations, 3);
    warmup = Math.min(warmup, 1);
  }
  for (let w = 0; w < warmup; w++) for (const i of impls) i.fn(makeInput());
  const samples = impls.map(() => []);
  const cpu = impls.map(() => []);
  for (let it = 0; it < iterations; it++) {
    for (let k = 0; k < impls.length; k++) {
      const j = (k + it) % impls.length;
      let input = makeInput();
      globalThis.gc?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      impls[j].fn(input);
      samples[j].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[j].push((c.user + c.system) / 1000);
      input = undefined;
    }
  }
  const base = impls.findIndex((i) => i.baseline);
  impls.forEach((i, k) =>
    h.record(name, i.impl, { samples: samples[k], baseline: !!i.baseline, cpu: cpu[k], paired: median(samples[k].map((s, it) => s / samples[base][it])) }),
  );
  const cpuOf = (k) => median(cpu[k]);
  h.log(`${name}: ` + impls.map((i, k) => `${i.impl} ${median(samples[k]).toFixed(1)} ms wall, ${cpuOf(k).toFixed(1)} ms cpu`).join('; '));
}

/** validate() and validateSnapshot(): field rules, semantic rules and references together. */
async function wholeValidation(h, { x, validateFields, checkSemantics, mergeProblems, clusters, listeners }) {
  const key = (ps) => ps.map((p) => `${p.path} ${p.rule} ${p.message}`).join('\n');

  // The passes one after the other, each unpacking every Any it meets: the baseline.
  const separately = (type, m, path) => {
    const f = validateFields(type, m, { path });
    const s = checkSemantics(type, m, { path });
    return mergeProblems(f, s);
  };
  const snapshotSeparately = ({ clusters, listeners }) => {
    const errors = [];
    const warnings = [];
    const each = (type, list) => {
      for (const r of list) {
        const v = separately(type, r, `${type === CLUSTER ? 'clusters' : 'listeners'}[${r.name}]`);
        errors.push(...v.errors);
        warnings.push(...v.warnings);
      }
    };
    each(LISTENER, listeners);
    each(CLUSTER, clusters);
    const refs = x.validateSnapshot({ listeners, clusters }, { referencesOnly: true });
    errors.push(...refs.errors);
    warnings.push(...refs.warnings);
    return { ok: errors.length === 0, errors, warnings };
  };
  const snapshot = (input) => x.validateSnapshot(input);
  const input = () => ({ listeners: fresh(listeners), clusters: fresh(clusters) });

  // Correctness: the same problems both ways, in the same order.
  const one = snapshot(input());
  const two = snapshotSeparately(input());
  const rules = {};
  for (const p of one.errors) rules[p.rule] = (rules[p.rule] ?? 0) + 1;
  h.log(
    `validateSnapshot of the fixture: ${one.errors.length} errors (${Object.entries(rules).map(([r, n]) => `${n} ${r}`).join(', ')}), ${one.warnings.length} warnings ` +
      '(the codec fixture is not a consistent snapshot: its routes name clusters it does not hold, it has no endpoints, and nothing references its clusters)',
  );
  h.check('validateSnapshot and the separate passes report the same problems', key(one.errors) === key(two.errors) && key(one.warnings) === key(two.warnings));

  // Each Any is decoded once per call: count the decodes of every type packed in the fixture.
  const countAnys = (v, into) => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
    if (typeof v.typeUrl === 'string' && v.value instanceof Uint8Array) {
      const name = v.typeUrl.slice(v.typeUrl.lastIndexOf('/') + 1);
      into.set(name, (into.get(name) ?? 0) + 1);
      countAnys(x.unpack(v), into);
      return;
    }
    for (const k in v) countAnys(v[k], into);
  };
  const anys = new Map();
  countAnys({ clusters, listeners }, anys);
  const decodes = new Map();
  const restore = [];
  for (const name of anys.keys()) {
    const codec = x.typeInfo(name).codec;
    const decode = codec.decode;
    codec.decode = function (...args) {
      decodes.set(name, (decodes.get(name) ?? 0) + 1);
      return decode.apply(this, args);
    };
    restore.push(() => (codec.decode = decode));
  }
  const counted = (fn) => {
    const data = input();
    decodes.clear();
    fn(data);
    return [...anys.keys()].map((n) => `${n.slice(n.lastIndexOf('.') + 1)} ${decodes.get(n) ?? 0}/${anys.get(n)}`).join(', ');
  };
  const total = [...anys.values()].reduce((a, b) => a + b, 0);
  const once = counted(snapshot);
  const sumOf = () => [...decodes.values()].reduce((a, b) => a + b, 0);
  const snapshotDecodes = sumOf();
  counted(snapshotSeparately);
  const separateDecodes = sumOf();
  const validateOnce = counted((d) => d.listeners.forEach((l) => x.validate(LISTENER, l)));
  for (const r of restore) r();
  h.log(`Anys in the fixture: ${total}; decodes by validateSnapshot: ${snapshotDecodes} (${once}); by the separate passes: ${separateDecodes}`);
  // Decoded at most once each: an Any whose type no pass looks into (Cors: no rules, nothing
  // semantic inside) is not decoded at all.
  const atMostOnce = (counts, skip = () => false) =>
    counts.split(', ').every((s) => {
      const [name, ratio] = s.split(' ');
      const [got, of] = ratio.split('/').map(Number);
      return skip(name) ? got === 0 : got <= of && (name !== 'HttpConnectionManager' || got === of);
    });
  h.check('validateSnapshot decodes no Any twice (and every HttpConnectionManager once)', atMostOnce(once), once);
  h.check('validate() of every listener decodes no Any twice (and no cluster\'s)', atMostOnce(validateOnce, (n) => n === 'HttpProtocolOptions'), validateOnce);

  await compareFresh(
    h,
    'snapshot/10k-clusters+1k-listeners',
    [
      { impl: 'passes separately', fn: snapshotSeparately, baseline: true },
      { impl: 'validateSnapshot', fn: snapshot },
    ],
    input,
    { iterations: 8, warmup: 2 },
  );
  const row = h.rows.find((r) => r.name === 'snapshot/10k-clusters+1k-listeners' && r.impl === 'validateSnapshot');
  h.check(
    'validateSnapshot of the 10k + 1k snapshot (field, semantic and reference checks) takes ≤ 1 s CPU',
    row.cpuMedian <= 1000,
    `${row.cpuMedian.toFixed(1)} ms cpu, ${row.median.toFixed(1)} ms wall, load average ${os.loadavg()[0].toFixed(1)}`,
  );

  // One resource per call, each call timed alone (µs); a fresh copy of the resources per round.
  const single = [
    ['validate/1-listener', LISTENER, listeners],
    ['validate/1-cluster', CLUSTER, clusters.slice(0, 2000)],
  ];
  for (const [name, type, items] of single) {
    const sep = [];
    const whole = [];
    for (let round = 0; round < (h.quick ? 1 : 3); round++) {
      const a = fresh(items);
      const b = fresh(items);
      for (let i = 0; i < items.length; i++) {
        // Alternate which goes first, so neither always runs on a cold cache line.
        const order = i % 2 ? [[sep, () => separately(type, a[i], '')], [whole, () => x.validate(type, b[i])]] : [[whole, () => x.validate(type, b[i])], [sep, () => separately(type, a[i], '')]];
        for (const [out, fn] of order) {
          const s = performance.now();
          fn();
          out.push((performance.now() - s) * 1000);
        }
      }
    }
    h.record(name, 'passes separately', { samples: sep, baseline: true, unit: 'µs' });
    h.record(name, 'validate', { samples: whole, unit: 'µs', paired: median(whole.map((s, i) => s / sep[i])) });
    const copy = fresh(items);
    const c0 = process.cpuUsage();
    for (const m of copy) x.validate(type, m);
    const c = process.cpuUsage(c0);
    h.log(
      `${name}: validate median ${median(whole).toFixed(1)} µs wall, mean ${((c.user + c.system) / items.length).toFixed(1)} µs cpu; ` +
        `passes separately median ${median(sep).toFixed(1)} µs wall`,
    );
    h.check(`${name}: median ≤ 0.1 ms`, median(whole) <= 100, `${median(whole).toFixed(1)} µs`);
  }
}
