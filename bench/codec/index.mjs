// bench/codec: the wire runtime xdskit ships (ts-proto 1.x on protobufjs/minimal, compiled into
// dist/) against the alternative (ts-proto 2.x on @bufbuild/protobuf/wire, generated from the
// same descriptor set into .bench-gen/, see generate.mjs), on the same fixture objects.
//
//   encode/<fixture>      Message.encode(m).finish() for every message of the fixture
//   decode/<fixture>      Message.decode(bytes) for every message (bytes from the same runtime)
//   roundtrip/<fixture>   both
//
// Fixtures (fixtures.mjs, seed 20240601): 10k Clusters; 1k Listeners, each with 1–3 filter
// chains holding a packed HttpConnectionManager; the 1k HttpConnectionManagers themselves
// (inline route config, 2–6 virtual hosts of 3–8 routes, cors + local_ratelimit + router).
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildFixtures } from './fixtures.mjs';
import { ensureTsProto2, JS_DIR } from './generate.mjs';
import { importBench } from './import.mjs';

export const title = 'ts-proto 1 · protobufjs/minimal (shipped, baseline) vs ts-proto 2 · @bufbuild/protobuf/wire';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const V1 = 'ts-proto 1 · protobufjs';
const V2 = 'ts-proto 2 · bufbuild wire';

const SEED = 20240601;

const isBytes = (v) => ArrayBuffer.isView(v);

/**
 * Deep equality of two decoded messages where a bytes field may be a Buffer on one side and a
 * plain Uint8Array on the other (protobufjs returns Uint8Array bytes when it decodes a plain
 * Uint8Array, which is what ts-proto 2's encoder returns); compared by content.
 */
function sameMessage(a, b) {
  if (a === b) return true;
  if (isBytes(a) || isBytes(b)) return isBytes(a) && isBytes(b) && Buffer.compare(a, b) === 0;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !sameMessage(a[k], b[k])) return false;
  return true;
}

export default async function codec(h) {
  const dist = path.join(repo, 'dist/index.js');
  if (!fs.existsSync(dist)) throw new Error('dist/index.js is missing: run `npm run build` (or npx tsc -p tsconfig.build.json) first');

  // ts-proto 2 over the whole set: generated, compiled, same message types as src/gen?
  const st = ensureTsProto2({ log: (m) => h.log(m) });
  h.log(
    `ts-proto ${st.tsProto} (@bufbuild/protobuf ${st.bufbuildProtobuf}): ${st.tsFiles} files generated in ${st.genSeconds.toFixed(1)} s, ` +
      `compiled in ${st.tscSeconds.toFixed(1)} s${st.cached ? ` (cached from ${st.generatedAt})` : ''}`,
  );
  h.check('ts-proto 2 generates the whole Envoy set', st.tsFiles > 0 && st.generatedBy === st.tsProto, `${st.tsFiles} .ts files`);
  h.check('ts-proto 2 output compiles with tsc --strict', st.tscErrors === 0 && st.tscExit === 0, `${st.tscErrors} errors${st.tscFirstErrors[0] ? `, first: ${st.tscFirstErrors[0]}` : ''}`);
  h.check(
    'ts-proto 1 and 2 declare identical message types (same plain objects)',
    st.shapes.differing === 0 && st.shapes.missing === 0,
    `${st.shapes.declarations} exported declarations in ${st.shapes.files} files, ${st.shapes.differing} differ`,
  );

  const x = await import(pathToFileURL(dist).href);
  const v2 = (p) => import(pathToFileURL(path.join(JS_DIR, p)).href);
  const runtimes = {
    clusters: [x.envoy.config.cluster.v3.Cluster, (await v2('envoy/config/cluster/v3/cluster.js')).Cluster],
    listeners: [x.envoy.config.listener.v3.Listener, (await v2('envoy/config/listener/v3/listener.js')).Listener],
    hcms: [
      x.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager,
      (await v2('envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js')).HttpConnectionManager,
    ],
  };

  let t = performance.now();
  const fx = buildFixtures(x, { seed: SEED });
  const fixtures = [
    ['10k-clusters', fx.clusters, ...runtimes.clusters],
    ['1k-listeners', fx.listeners, ...runtimes.listeners],
    ['1k-hcm', fx.hcms, ...runtimes.hcms],
  ];
  h.log(`fixtures built from seed ${SEED} in ${(performance.now() - t).toFixed(0)} ms (Any payloads packed once with xdskit pack)`);

  // Correctness across runtimes: same bytes, and each decodes the other's bytes to the same object.
  for (const [name, list, A, B] of fixtures) {
    const a = list.map((m) => A.encode(m).finish());
    const b = list.map((m) => B.encode(m).finish());
    const bytes = a.reduce((s, e) => s + e.length, 0);
    h.log(`${name}: ${list.length} messages, ${(bytes / 1048576).toFixed(1)} MB encoded, ${Math.round(bytes / list.length)} B per message`);
    let same = 0;
    let cross = 0;
    let strict = 0;
    for (let i = 0; i < list.length; i++) {
      if (Buffer.compare(a[i], b[i]) === 0) same++;
      const aa = A.decode(a[i]);
      const ab = A.decode(b[i]);
      const ba = B.decode(a[i]);
      const bb = B.decode(b[i]);
      if (sameMessage(aa, ba) && sameMessage(ab, bb) && sameMessage(aa, bb)) cross++;
      if (isDeepStrictEqual(aa, ba) && isDeepStrictEqual(ab, bb)) strict++;
    }
    h.check(`${name}: both runtimes encode identical bytes`, same === list.length, `${same}/${list.length}`);
    h.check(`${name}: each runtime decodes the other's bytes to the same message`, cross === list.length, `${cross}/${list.length}`);
    if (strict !== cross) {
      h.log(`  note: ${cross - strict}/${list.length} equal only by content: protobufjs gives Uint8Array, not Buffer, for bytes fields when it decodes a plain Uint8Array (ts-proto 2's encode output)`);
    }
  }

  for (const [name, list, A, B] of fixtures) {
    const bytesA = list.map((m) => A.encode(m).finish());
    const bytesB = list.map((m) => B.encode(m).finish());
    await h.compare(`encode/${name}`, [
      { impl: V1, baseline: true, fn: () => list.map((m) => A.encode(m).finish()) },
      { impl: V2, fn: () => list.map((m) => B.encode(m).finish()) },
    ]);
    await h.compare(`decode/${name}`, [
      { impl: V1, baseline: true, fn: () => bytesA.map((b) => A.decode(b)) },
      { impl: V2, fn: () => bytesB.map((b) => B.decode(b)) },
    ]);
    await h.compare(
      `roundtrip/${name}`,
      [
        { impl: V1, baseline: true, fn: () => list.map((m) => A.decode(A.encode(m).finish())) },
        { impl: V2, fn: () => list.map((m) => B.decode(B.encode(m).finish())) },
      ],
      { iterations: 6 },
    );
  }

  // What the cache will call: xdskit's registry encode (canonical form: maps and Struct keys
  // sorted before encoding) on top of the shipped runtime. Not a runtime comparison; context.
  await h.compare(
    'encode-canonical/10k-clusters',
    [
      { impl: V1, baseline: true, fn: () => fx.clusters.map((m) => runtimes.clusters[0].encode(m).finish()) },
      { impl: 'xdskit encode() on ts-proto 1', fn: () => fx.clusters.map((m) => x.encode('envoy.config.cluster.v3.Cluster', m)) },
    ],
    { iterations: 5 },
  );

  importBench(h);
}
