// Turns the FileDescriptorSet that buf compiled into src/gen/schema.ts: the compact runtime
// descriptor read by the registry (type URLs, codecs), the JSON/YAML codec (field names, kinds,
// oneofs, enums) and the validator (validate.rules). Descriptors are decoded with protobufjs,
// with validate.proto's extensions registered so that the rules come out as plain objects.
import path from 'node:path';
import { snakeToCamelTsProto } from './names.mjs';

const TYPES = {
  1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool',
  9: 'string', 10: 'group', 11: 'message', 12: 'bytes', 13: 'uint32', 14: 'enum', 15: 'sfixed32',
  16: 'sfixed64', 17: 'sint32', 18: 'sint64',
};

/** Loads descriptor.proto plus validate.proto (from the stage) into one protobufjs root. */
function descriptorRoot(require, stageDir) {
  const protobuf = require('protobufjs');
  const pbDir = path.join(path.dirname(require.resolve('protobufjs/package.json')), 'google/protobuf');
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (target === 'google/protobuf/descriptor.proto') return path.join(pbDir, 'descriptor.proto');
    if (target.startsWith('google/protobuf/')) return target; // protobufjs' bundled common types
    if (path.isAbsolute(target)) return target;
    return path.join(stageDir, target);
  };
  root.loadSync(path.join(stageDir, 'validate/validate.proto'), { keepCase: true });
  root.resolveAll();
  return root;
}

export function buildSchema(descriptorBytes, require, stageDir) {
  const root = descriptorRoot(require, stageDir);
  const FileDescriptorSet = root.lookupType('google.protobuf.FileDescriptorSet');
  const set = FileDescriptorSet.toObject(FileDescriptorSet.decode(descriptorBytes), {
    longs: String,
    enums: Number,
    bytes: String,
    defaults: false,
    arrays: true,
  });
  const messages = {};
  const enums = {};
  const packages = new Map(); // full name -> proto package (for the namespace module)
  let ruleCount = 0;

  const enumOut = (e, fullName, file, exportName) => {
    packages.set(fullName, currentPackage);
    enums[fullName] = {
      file,
      export: exportName,
      values: e.value.map((v) => [v.name, v.number]),
    };
  };

  const visit = (m, scope, file, exportPrefix) => {
    const fullName = `${scope}.${m.name}`;
    const exportName = exportPrefix ? `${exportPrefix}_${m.name}` : m.name;
    const isMapEntry = !!m.options?.map_entry;
    const nestedMaps = new Map();
    for (const n of m.nested_type ?? []) {
      if (n.options?.map_entry) nestedMaps.set(`${fullName}.${n.name}`, n);
    }
    const oneofDecls = m.oneof_decl ?? [];
    // Synthetic oneofs (proto3 `optional`) are not oneofs for users: drop them.
    const realOneofIndex = new Map();
    const oneofs = [];
    oneofDecls.forEach((o, i) => {
      const synthetic = (m.field ?? []).some((f) => f.oneof_index === i && f.proto3_optional);
      if (synthetic) return;
      realOneofIndex.set(i, oneofs.length);
      const entry = { name: o.name, prop: snakeToCamelTsProto(o.name) };
      if (o.options?.['.validate.required']) entry.required = true;
      oneofs.push(entry);
    });
    const fields = (m.field ?? []).map((f) => {
      const out = {
        name: f.name,
        json: f.json_name ?? f.name,
        prop: snakeToCamelTsProto(f.name),
        no: f.number,
        type: TYPES[f.type],
      };
      if (f.type_name) out.ref = f.type_name.replace(/^\./, '');
      if (f.label === 3) out.repeated = true;
      if (f.label === 2) out.required = true;
      // Explicit presence as ts-proto tracks it: proto3 `optional` fields are undefined when
      // absent. (ts-proto gives proto2 optional scalars their zero value, like proto3 ones.)
      if (f.proto3_optional) out.optional = true;
      if (f.oneof_index !== undefined && realOneofIndex.has(f.oneof_index)) out.oneof = realOneofIndex.get(f.oneof_index);
      if (f.options?.deprecated) out.deprecated = true;
      const rules = f.options?.['.validate.rules'];
      if (rules && Object.keys(rules).length) {
        out.rules = compactRules(rules);
        ruleCount++;
      }
      if (out.repeated && out.ref && nestedMaps.has(out.ref)) {
        const entry = nestedMaps.get(out.ref);
        const key = entry.field.find((x) => x.number === 1);
        const value = entry.field.find((x) => x.number === 2);
        delete out.repeated;
        delete out.ref;
        out.type = 'map';
        out.key = TYPES[key.type];
        out.value = TYPES[value.type];
        if (value.type_name) out.valueRef = value.type_name.replace(/^\./, '');
      }
      return out;
    });
    if (!isMapEntry) {
      packages.set(fullName, currentPackage);
      const msg = { file, export: exportName, fields };
      if (oneofs.length) msg.oneofs = oneofs;
      if (m.options?.['.validate.disabled']) msg.disabled = true;
      if (m.options?.['.validate.ignored']) msg.ignored = true;
      messages[fullName] = msg;
    }
    for (const n of m.nested_type ?? []) {
      n.__syntax = m.__syntax;
      if (!n.options?.map_entry) visit(n, fullName, file, exportName);
    }
    for (const e of m.enum_type ?? []) enumOut(e, `${fullName}.${e.name}`, file, `${exportName}_${e.name}`);
  };

  let currentPackage = '';
  for (const f of set.file) {
    const file = f.name.replace(/\.proto$/, '');
    const scope = f.package ?? '';
    currentPackage = scope;
    for (const m of f.message_type ?? []) {
      m.__syntax = f.syntax || 'proto2';
      visit(m, scope, file, '');
    }
    for (const e of f.enum_type ?? []) enumOut(e, `${scope}.${e.name}`, file, e.name);
  }

  const sorted = (obj) => Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
  const schema = { messages: sorted(messages), enums: sorted(enums) };
  const json = JSON.stringify(schema);
  const source =
    '// Generated by proto/generate.mjs from the Envoy protos in @grpc/grpc-js-xds. Do not edit.\n' +
    '// The compact runtime descriptor: messages (fields, oneofs, validate.rules) and enums.\n' +
    `export const SCHEMA_JSON = ${JSON.stringify(json)};\n`;
  return {
    source,
    codecs: codecsSource(schema),
    namespaces: namespacesSource(schema, packages),
    messages: Object.keys(messages).length,
    enums: Object.keys(enums).length,
    rules: ruleCount,
  };
}

/**
 * src/gen/codecs.ts: every generated message codec under its full proto name, and the
 * `TypeMap` interface from full name to TypeScript type that types the registry's API.
 */
function codecsSource(schema) {
  const files = [...new Set(Object.values(schema.messages).map((m) => m.file))].sort();
  const alias = new Map(files.map((f, i) => [f, `f${i}`]));
  const lines = [
    '// Generated by proto/generate.mjs. Do not edit.',
    '// Every message codec ts-proto generated, keyed by full proto name, and their TypeScript types.',
    "import type { Reader, Writer } from 'protobufjs/minimal.js';",
    ...files.map((f) => `import * as ${alias.get(f)} from './${f}.js';`),
    '',
    '/** A generated message codec: ts-proto\'s encode/decode pair for one message type. */',
    'export interface MessageCodec<T = unknown> {',
    '  encode(message: T, writer?: Writer): Writer;',
    '  decode(input: Reader | Uint8Array, length?: number): T;',
    '}',
    '',
    '/** Full proto name of every generated message → its TypeScript type. */',
    'export interface TypeMap {',
    ...Object.entries(schema.messages).map(([name, m]) => `  '${name}': ${alias.get(m.file)}.${m.export};`),
    '}',
    '',
    '/** Full proto name of every generated message → its codec. */',
    'export const CODECS: { readonly [K in keyof TypeMap]: MessageCodec<TypeMap[K]> } = {',
    ...Object.entries(schema.messages).map(([name, m]) => `  '${name}': ${alias.get(m.file)}.${m.export},`),
    '};',
    '',
  ];
  return lines.join('\n');
}

/** Drops the empty repeated fields protobufjs' toObject({ arrays: true }) fills in. */
function compactRules(value) {
  if (Array.isArray(value)) return value.map(compactRules);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v) && v.length === 0) continue;
      out[k] = compactRules(v);
    }
    return out;
  }
  return value;
}

/**
 * src/gen/namespaces.ts: the generated API as nested TypeScript namespaces by proto package
 * (`envoy.config.cluster.v3.Cluster` as a type and as its codec), in one module. ts-proto's own
 * index files do the same with one module per package level (600+ modules, a third of the
 * package's import time).
 */
function namespacesSource(schema, packages) {
  const entries = [
    ...Object.entries(schema.messages).map(([name, m]) => ({ name, file: m.file, export: m.export })),
    ...Object.entries(schema.enums).map(([name, e]) => ({ name, file: e.file, export: e.export })),
  ];
  const files = [...new Set(entries.map((e) => e.file))].sort();
  const alias = new Map(files.map((f, i) => [f, `f${i}`]));
  // package tree: segment -> { children, members }
  const root = { children: new Map(), members: [] };
  for (const e of entries) {
    const pkg = packages.get(e.name) ?? '';
    let node = root;
    for (const seg of pkg.split('.').filter(Boolean)) {
      if (!node.children.has(seg)) node.children.set(seg, { children: new Map(), members: [] });
      node = node.children.get(seg);
    }
    node.members.push(e);
  }
  const out = [
    '// Generated by proto/generate.mjs. Do not edit.',
    '// The generated API as namespaces by proto package: each member is both the TypeScript type',
    '// and the codec (messages) or the enum.',
    '/* eslint-disable */',
    ...files.map((f) => `import * as ${alias.get(f)} from './${f}.js';`),
    '',
  ];
  const emit = (name, node, indent) => {
    out.push(`${indent}export namespace ${name} {`);
    const seen = new Set();
    for (const m of node.members.sort((a, b) => (a.export < b.export ? -1 : 1))) {
      if (seen.has(m.export)) continue;
      seen.add(m.export);
      out.push(`${indent}  export import ${m.export} = ${alias.get(m.file)}.${m.export};`);
    }
    for (const [seg, child] of [...node.children].sort((a, b) => (a[0] < b[0] ? -1 : 1))) emit(seg, child, indent + '  ');
    out.push(`${indent}}`);
  };
  for (const [seg, child] of [...root.children].sort((a, b) => (a[0] < b[0] ? -1 : 1))) emit(seg, child, '');
  return out.join('\n') + '\n';
}
