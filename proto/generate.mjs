#!/usr/bin/env node
// Generates xdskit's TypeScript types, wire codecs and runtime schema from the Envoy protos
// shipped in the pinned npm package @grpc/grpc-js-xds (see proto/roots.json, proto/README.md).
//
// Steps:
//   1. stage: copy the root files and everything they import into a scratch folder, applying
//      the one documented patch (validate.proto's StringRules.ignore_empty);
//   2. buf build: compile the staged set into a FileDescriptorSet (buf is the compiler of record);
//   3. buf generate: run ts-proto over the whole set (strategy: all) into src/gen;
//   4. schema: write src/gen/schema.ts, the compact runtime descriptor the registry, the JSON
//      codec and the validator read (message fields, oneofs, enums, validate.rules).
//
// Environment:
//   XDSKIT_PROTO_ROOT=/path/to/data-plane-api  generate against another Envoy API checkout
//   XDSKIT_PROTO_PATH=dir1:dir2                 more proto folders searched first (imports a newer
//                                               Envoy API needs that the pinned package lacks)
//   XDSKIT_GEN_OUT=dir                         write the generated tree elsewhere (bench/codec)
//   XDSKIT_GEN_TEMPLATE=file                   use another buf.gen.yaml (bench/codec)
//   XDSKIT_GEN_CACHE=dir                       scratch folder (default: node_modules/.cache/xdskit-proto*)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema } from './schema.mjs';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const roots = JSON.parse(fs.readFileSync(path.join(repo, 'proto/roots.json'), 'utf8'));
const outDir = path.resolve(repo, process.env.XDSKIT_GEN_OUT ?? 'src/gen');
const template = path.resolve(repo, process.env.XDSKIT_GEN_TEMPLATE ?? 'proto/buf.gen.yaml');
// One scratch folder per output, so a bench generating elsewhere never shares a stage with
// `npm run generate` (XDSKIT_GEN_CACHE overrides it).
const defaultOut = path.resolve(repo, 'src/gen');
const cache =
  process.env.XDSKIT_GEN_CACHE ??
  path.join(repo, 'node_modules/.cache', outDir === defaultOut ? 'xdskit-proto' : `xdskit-proto-${path.relative(repo, outDir).replace(/[^a-zA-Z0-9]+/g, '-')}`);
const stage = path.join(cache, 'stage');
const started = Date.now();

function log(msg) {
  process.stdout.write(`[generate] ${msg}\n`);
}

/** Resolves each source folder: from the pinned package, from proto/, or from an env override. */
function sourceDirs() {
  const extra = (process.env.XDSKIT_PROTO_PATH ?? '').split(path.delimiter).filter(Boolean).map((dir, i) => {
    log(`extra source ${i + 1}: ${path.resolve(dir)} (from XDSKIT_PROTO_PATH)`);
    return { name: `extra-${i + 1}`, abs: path.resolve(dir) };
  });
  return [...extra, ...roots.sources.map((s) => {
    if (s.env && process.env[s.env]) {
      const dir = path.resolve(process.env[s.env]);
      if (!fs.existsSync(path.join(dir, 'envoy'))) {
        throw new Error(`${s.env}=${dir}: no envoy/ folder there (expected a data-plane-api checkout)`);
      }
      log(`${s.name}: ${dir} (from ${s.env})`);
      return { ...s, abs: dir };
    }
    if (s.package) {
      const pkgJson = require.resolve(`${s.package}/package.json`, { paths: [repo] });
      return { ...s, abs: path.join(path.dirname(pkgJson), s.dir) };
    }
    return { ...s, abs: path.join(repo, s.dir) };
  })];
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if ('.+?^${}()|[]\\'.includes(c)) re += '\\' + c;
    else re += c;
  }
  return new RegExp(`^${re}$`);
}

function walk(dir, base = dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(abs, base, out);
    else if (entry.name.endsWith('.proto')) out.push(path.relative(base, abs).split(path.sep).join('/'));
  }
  return out;
}

/** Adds `ignore_empty` (field 26) to validate.StringRules when the shipped validate.proto lacks it. */
function patchValidate(text) {
  if (/\bignore_empty\s*=\s*26\b/.test(text)) return text;
  const anchor = /message StringRules \{\r?\n/;
  if (!anchor.test(text)) throw new Error('validate.proto: message StringRules not found, cannot add ignore_empty');
  return text.replace(
    anchor,
    (m) =>
      m +
      '    // Added by xdskit (proto/generate.mjs): ignore_empty exists in protoc-gen-validate >= 0.6.2\n' +
      '    // and 17 Envoy fields use it, but the copy shipped in @grpc/grpc-js-xds predates it.\n' +
      '    optional bool ignore_empty = 26;\n\n',
  );
}

function stageProtos() {
  const sources = sourceDirs();
  const owner = new Map(); // relative path -> absolute path of the first source that has it
  for (const s of sources) {
    for (const rel of walk(s.abs)) if (!owner.has(rel)) owner.set(rel, path.join(s.abs, rel));
  }
  const include = roots.include.map(globToRegExp);
  const exclude = roots.exclude.map(globToRegExp);
  const excluded = (rel) => exclude.some((re) => re.test(rel));
  const queue = [...owner.keys()].filter((rel) => include.some((re) => re.test(rel)) && !excluded(rel));
  const chosen = new Set();
  const missing = new Map();
  while (queue.length) {
    const rel = queue.pop();
    if (chosen.has(rel)) continue;
    chosen.add(rel);
    const text = fs.readFileSync(owner.get(rel), 'utf8');
    for (const m of text.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)";/gm)) {
      const dep = m[1];
      if (dep.startsWith('google/protobuf/')) continue; // well-known types come with buf
      if (!owner.has(dep)) missing.set(dep, rel);
      else if (excluded(dep)) throw new Error(`${rel} imports ${dep}, which proto/roots.json excludes`);
      else queue.push(dep);
    }
  }
  if (missing.size) {
    const list = [...missing].map(([dep, by]) => `  ${dep} (imported by ${by})`).join('\n');
    throw new Error(`imports not found in any source:\n${list}`);
  }
  fs.rmSync(stage, { recursive: true, force: true });
  for (const rel of chosen) {
    const dest = path.join(stage, rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    let text = fs.readFileSync(owner.get(rel), 'utf8');
    if (rel === 'validate/validate.proto') text = patchValidate(text);
    fs.writeFileSync(dest, text);
  }
  const all = new Set(owner.keys());
  const left = [...all].filter((rel) => !chosen.has(rel));
  fs.writeFileSync(path.join(cache, 'left-out.txt'), left.sort().join('\n') + '\n');
  const documented = fs.readFileSync(path.join(repo, 'proto/README.md'), 'utf8');
  const undocumented = left.filter((rel) => !documented.includes('`' + rel + '`'));
  if (undocumented.length) {
    log(`warning: ${undocumented.length} files left out that proto/README.md does not list: ${undocumented.slice(0, 5).join(', ')}${undocumented.length > 5 ? ', ...' : ''}`);
  }
  log(`staged ${chosen.size} files (${left.length} of the sources left out; list in ${path.relative(repo, cache)}/left-out.txt)`);
  return chosen;
}

function buf(args) {
  const bin = path.join(path.dirname(require.resolve('@bufbuild/buf/package.json', { paths: [repo] })), 'bin/buf');
  execFileSync(process.execPath, [bin, ...args], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
}

fs.mkdirSync(cache, { recursive: true });
stageProtos();
const descriptorFile = path.join(cache, 'envoy.binpb');
buf(['build', stage, '--exclude-source-info', '-o', descriptorFile]);
log('buf build: descriptor set written');
// Generate next to the output and swap it in at the end, so that a running build or test never
// sees a half-written src/gen.
const tmpOut = `${outDir}.tmp`;
fs.rmSync(tmpOut, { recursive: true, force: true });
const genTemplate = fs.readFileSync(template, 'utf8').replace(/out: src\/gen/, `out: ${path.relative(repo, tmpOut)}`);
const genTemplateFile = path.join(cache, 'buf.gen.yaml');
fs.writeFileSync(genTemplateFile, genTemplate);
buf(['generate', stage, '--template', genTemplateFile]);
if (!process.env.XDSKIT_GEN_TEMPLATE) {
  const schema = buildSchema(fs.readFileSync(descriptorFile), require, stage);
  fs.writeFileSync(path.join(tmpOut, 'schema.ts'), schema.source);
  fs.writeFileSync(path.join(tmpOut, 'codecs.ts'), schema.codecs);
  fs.writeFileSync(path.join(tmpOut, 'namespaces.ts'), schema.namespaces);
  log(`schema: ${schema.messages} messages, ${schema.enums} enums, ${schema.rules} fields with validate.rules`);
}
const oldOut = `${outDir}.old`;
fs.rmSync(oldOut, { recursive: true, force: true });
if (fs.existsSync(outDir)) fs.renameSync(outDir, oldOut);
fs.renameSync(tmpOut, outDir);
fs.rmSync(oldOut, { recursive: true, force: true });
log(`buf generate: ts-proto output in ${path.relative(repo, outDir)}`);
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
