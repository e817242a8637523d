// bench/builders: the cost of building resources with the builders, against validating them.
//
//   build/10k-clusters      10 000 Clusters (fixtures.mjs, seed 20240601)
//   build/1k-listeners      1 000 Listeners with 1–3 filter chains, each an HttpConnectionManager
//                           with inline routes (2–6 virtual hosts × 3–8 routes) packed in Any
//
// Implementations, on the same resources:
//   validate only (assertValid)   baseline: assertValid on the finished messages (built once,
//                                 beforehand) — what any control plane pays to check its config
//   build + validate (build())    the builder programs, from scratch, ending in build(), which
//                                 builds and calls assertValid
//   build only (toMessage())      the same programs ending in toMessage(): building alone
//
// Goal (issue 4): build + validate ≤ 2× validate only.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { clusterPrograms, listenerPrograms } from './fixtures.mjs';

export const title = 'builders: build() (build + assertValid) vs assertValid alone (baseline)';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = 20240601;
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';

export default async function builders(h) {
  const dist = (p) => pathToFileURL(path.join(repo, 'dist', p)).href;
  if (!fs.existsSync(path.join(repo, 'dist/builders/index.js'))) {
    throw new Error('dist/builders/index.js is missing: run `npm run build` (or npx tsc -p tsconfig.build.json) first');
  }
  const b = await import(dist('builders/index.js'));
  const { assertValid } = await import(dist('validate/index.js'));
  const { encode } = await import(dist('registry/index.js'));

  const quick = h.quick;
  const clusters = clusterPrograms(b, 10_000, SEED);
  const listeners = listenerPrograms(b, 1_000, SEED + 1);

  // The finished messages, built once: the baseline validates exactly what build() validates.
  const clusterMessages = clusters.map((p) => p().toMessage());
  const listenerMessages = listeners.map((p) => p().toMessage());
  const bytes = (type, ms) => ms.reduce((n, m) => n + encode(type, m).length, 0);
  const hcms = listenerMessages.reduce((n, l) => n + l.filterChains.length, 0);
  h.log(`fixture: ${clusterMessages.length} clusters (${(bytes(CLUSTER, clusterMessages) / 1e6).toFixed(1)} MB encoded), ` +
    `${listenerMessages.length} listeners with ${hcms} HttpConnectionManagers (${(bytes(LISTENER, listenerMessages) / 1e6).toFixed(1)} MB encoded)`);

  // Correctness: every resource validates, and build() gives what the baseline validates.
  let invalid = 0;
  for (const m of clusterMessages) try { assertValid(CLUSTER, m); } catch { invalid++; }
  for (const m of listenerMessages) try { assertValid(LISTENER, m); } catch { invalid++; }
  h.check('every built resource is valid', invalid === 0, `${invalid} invalid`);
  const sample = [0, 1, 2, 4999, 9999].map((i) => Buffer.from(encode(CLUSTER, clusters[i]().build())).equals(encode(CLUSTER, clusterMessages[i])));
  const sampleL = [0, 1, 500, 999].map((i) => Buffer.from(encode(LISTENER, listeners[i]().build())).equals(encode(LISTENER, listenerMessages[i])));
  h.check('build() gives the messages the baseline validates', [...sample, ...sampleL].every(Boolean));

  const opts = { iterations: quick ? 3 : 8, warmup: quick ? 1 : 2 };
  await h.compare('build/10k-clusters', [
    { impl: 'validate only (assertValid)', baseline: true, fn: () => { for (const m of clusterMessages) assertValid(CLUSTER, m); return clusterMessages.length; } },
    { impl: 'build + validate (build())', fn: () => clusters.map((p) => p().build()) },
    { impl: 'build only (toMessage())', fn: () => clusters.map((p) => p().toMessage()) },
  ], opts);
  await h.compare('build/1k-listeners', [
    { impl: 'validate only (assertValid)', baseline: true, fn: () => { for (const m of listenerMessages) assertValid(LISTENER, m); return listenerMessages.length; } },
    { impl: 'build + validate (build())', fn: () => listeners.map((p) => p().build()) },
    { impl: 'build only (toMessage())', fn: () => listeners.map((p) => p().toMessage()) },
  ], opts);

  for (const name of ['build/10k-clusters', 'build/1k-listeners']) {
    const base = h.rows.find((r) => r.name === name && r.baseline);
    const built = h.rows.find((r) => r.name === name && r.impl.startsWith('build + validate'));
    const ratio = built.paired ?? built.median / base.median;
    h.check(`${name}: build + validate ≤ 2× validate only (goal)`, ratio <= 2, `${ratio.toFixed(2)}× (paired)`);
  }
}
