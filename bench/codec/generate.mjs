// Generates the whole Envoy set with ts-proto 2.x (devDependency alias `ts-proto-v2`) into
// .bench-gen/tsproto2, compiles it to .bench-gen/tsproto2-js, compares its message types with
// src/gen (ts-proto 1.x) and writes what happened to .bench-gen/tsproto2-status.json.
//
//   node bench/codec/generate.mjs          regenerate when the inputs changed
//   node bench/codec/generate.mjs --force  regenerate anyway
//
// It runs proto/generate.mjs with XDSKIT_GEN_OUT / XDSKIT_GEN_TEMPLATE, the same staging and buf
// build as `npm run generate`, so both runtimes are generated from the same descriptor set.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareShapes } from './shapes-check.mjs';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rel = (p) => path.relative(repo, p);
export const GEN_DIR = path.join(repo, '.bench-gen/tsproto2');
export const JS_DIR = path.join(repo, '.bench-gen/tsproto2-js');
export const STATUS_FILE = path.join(repo, '.bench-gen/tsproto2-status.json');
const TEMPLATE = path.join(repo, 'bench/codec/buf.gen.tsproto2.yaml');
const TSCONFIG = path.join(repo, 'bench/codec/tsconfig.tsproto2.json');
const SHIPPED_SAMPLE = path.join(repo, 'src/gen/envoy/config/cluster/v3/cluster.ts');

function versionOf(pkg) {
  // Read from node_modules directly: @bufbuild/protobuf does not export ./package.json.
  return JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** What the generated tree depends on; a change means regenerate. */
function inputsKey() {
  const h = createHash('sha256');
  for (const f of [TEMPLATE, TSCONFIG, path.join(repo, 'proto/roots.json'), path.join(repo, 'proto/generate.mjs')]) {
    h.update(fs.readFileSync(f));
  }
  for (const p of ['ts-proto-v2', '@bufbuild/protobuf', '@grpc/grpc-js-xds', 'typescript']) h.update(`${p}@${versionOf(p)}`);
  return h.digest('hex').slice(0, 16);
}

/** Header line ts-proto writes into every file: "protoc-gen-ts_proto  v2.18.0". */
function tsProtoHeader(file) {
  const m = fs.existsSync(file) && /protoc-gen-ts_proto\s+v(\S+)/.exec(fs.readFileSync(file, 'utf8').slice(0, 300));
  return m ? m[1] : undefined;
}

/**
 * proto/generate.mjs points the template at XDSKIT_GEN_OUT by replacing the first `out: src/gen`
 * in its text. Check, before running it, that this lands on the real plugin line: if it hit a
 * comment, buf would write ts-proto 2 output over the shipped src/gen.
 */
function assertTemplateRedirects(outDir) {
  const text = fs.readFileSync(TEMPLATE, 'utf8').replace(/out: src\/gen/, `out: ${rel(outDir)}`);
  const outs = text.split('\n').filter((l) => /^\s*out:/.test(l));
  if (outs.length !== 1 || outs[0].trim() !== `out: ${rel(outDir)}`) {
    throw new Error(`${rel(TEMPLATE)}: the out line would not be redirected to ${rel(outDir)} (got ${JSON.stringify(outs)})`);
  }
}

function countFiles(dir, ext) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith(ext)) n++;
  return n;
}

/** Regenerates and compiles ts-proto 2's tree unless the status file matches the inputs. */
export function ensureTsProto2({ force = false, log = (m) => process.stdout.write(`${m}\n`) } = {}) {
  const key = inputsKey();
  if (!force && fs.existsSync(STATUS_FILE)) {
    const status = JSON.parse(fs.readFileSync(STATUS_FILE, 'utf8'));
    if (status.key === key && fs.existsSync(path.join(JS_DIR, 'index.envoy.js'))) return { ...status, cached: true };
  }
  const shippedBefore = tsProtoHeader(SHIPPED_SAMPLE);
  assertTemplateRedirects(GEN_DIR);
  log(`generating the Envoy set with ts-proto ${versionOf('ts-proto-v2')} into ${rel(GEN_DIR)} ...`);
  let t = Date.now();
  execFileSync(process.execPath, [path.join(repo, 'proto/generate.mjs')], {
    cwd: repo,
    env: { ...process.env, XDSKIT_GEN_OUT: rel(GEN_DIR), XDSKIT_GEN_TEMPLATE: rel(TEMPLATE) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const genSeconds = (Date.now() - t) / 1000;
  const shippedAfter = tsProtoHeader(SHIPPED_SAMPLE);
  if (shippedAfter !== shippedBefore) throw new Error(`src/gen changed from ts-proto ${shippedBefore} to ${shippedAfter}: run node proto/generate.mjs`);
  const generatedBy = tsProtoHeader(path.join(GEN_DIR, 'envoy/config/cluster/v3/cluster.ts'));

  log(`compiling ${rel(GEN_DIR)} with tsc (strict) into ${rel(JS_DIR)} ...`);
  fs.rmSync(JS_DIR, { recursive: true, force: true });
  t = Date.now();
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [repo] }), '-p', TSCONFIG], {
    cwd: repo,
    encoding: 'utf8',
  });
  const tscSeconds = (Date.now() - t) / 1000;
  const tscErrors = (tsc.stdout + tsc.stderr).split('\n').filter((l) => /error TS\d+/.test(l));

  const shapes = compareShapes(path.join(repo, 'src/gen'), GEN_DIR);
  const status = {
    key,
    generatedAt: new Date().toISOString(),
    tsProto: versionOf('ts-proto-v2'),
    generatedBy,
    bufbuildProtobuf: versionOf('@bufbuild/protobuf'),
    tsFiles: countFiles(GEN_DIR, '.ts'),
    jsFiles: fs.existsSync(JS_DIR) ? countFiles(JS_DIR, '.js') : 0,
    genSeconds,
    tscSeconds,
    tscExit: tsc.status,
    tscErrors: tscErrors.length,
    tscFirstErrors: tscErrors.slice(0, 20),
    shapes: {
      files: shapes.files,
      declarations: shapes.declarations,
      differing: shapes.differing.length,
      missing: shapes.missing.length,
      examples: [...shapes.differing, ...shapes.missing].slice(0, 10),
    },
  };
  fs.writeFileSync(STATUS_FILE, JSON.stringify(status, null, 2) + '\n');
  return { ...status, cached: false };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const status = ensureTsProto2({ force: process.argv.includes('--force') });
  console.log(JSON.stringify(status, null, 2));
  process.exit(status.tscErrors || status.shapes.differing || status.shapes.missing ? 1 : 0);
}
