/**
 * Every protoc-gen-validate rule kind, including those no Envoy field uses (string `len`,
 * `prefix`, `email`, bytes rules, every numeric kind, timestamps...): each rule set below is a
 * synthetic one-field message; a generated valid value passes and breaking exactly one rule
 * gives exactly that error.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { FieldSchema, MessageSchema } from 'xdskit/registry';
import { pack, typeUrlOf } from 'xdskit/registry';
import { validateWithSchema } from '../../src/validate/fields.js';
import { fieldBreaks, fromNs, PATTERN_EXAMPLES, PLAIN_ANY_TYPE, rng, ruleKinds, validField } from './rules-gen.js';

type Rules = Record<string, unknown>;

function schemaOf(field: Partial<FieldSchema> & { type: FieldSchema['type'] }, extra: Partial<MessageSchema> = {}): MessageSchema {
  return {
    fullName: 'xdskit.test.Synthetic',
    file: 'synthetic',
    export: 'Synthetic',
    fields: [{ name: 'f', json: 'f', prop: 'f', no: 1, ...field } as FieldSchema],
    ...extra,
  };
}

const NUMERIC = ['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'float', 'double'] as const;
const ENUM = 'envoy.config.cluster.v3.Cluster.LbPolicy';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** One synthetic field per rule kind (and the combinations that matter). */
const CATALOGUE: [string, Partial<FieldSchema> & { type: FieldSchema['type'] }][] = [
  // string
  ['string.const', { type: 'string', rules: { string: { const: 'exact' } } }],
  ['string.len', { type: 'string', rules: { string: { len: '3' } } }],
  ['string.min_len/max_len', { type: 'string', rules: { string: { min_len: '2', max_len: '5' } } }],
  ['string.len_bytes', { type: 'string', rules: { string: { len_bytes: '4' } } }],
  ['string.min_bytes/max_bytes', { type: 'string', rules: { string: { min_bytes: '2', max_bytes: '6' } } }],
  ['string.pattern', { type: 'string', rules: { string: { pattern: Object.keys(PATTERN_EXAMPLES)[0] } } }],
  ['string.prefix', { type: 'string', rules: { string: { prefix: 'pre-' } } }],
  ['string.suffix', { type: 'string', rules: { string: { suffix: '.yaml' } } }],
  ['string.contains', { type: 'string', rules: { string: { contains: 'mid' } } }],
  ['string.not_contains', { type: 'string', rules: { string: { not_contains: '..' } } }],
  ['string.in', { type: 'string', rules: { string: { in: ['a', 'b', 'c'] } } }],
  ['string.not_in', { type: 'string', rules: { string: { not_in: ['forbidden', 'x'], min_len: '1' } } }],
  ['string.email', { type: 'string', rules: { string: { email: true } } }],
  ['string.hostname', { type: 'string', rules: { string: { hostname: true } } }],
  ['string.ip', { type: 'string', rules: { string: { ip: true } } }],
  ['string.ipv4', { type: 'string', rules: { string: { ipv4: true } } }],
  ['string.ipv6', { type: 'string', rules: { string: { ipv6: true } } }],
  ['string.uri', { type: 'string', rules: { string: { uri: true } } }],
  ['string.uri_ref', { type: 'string', rules: { string: { uri_ref: true } } }],
  ['string.address', { type: 'string', rules: { string: { address: true } } }],
  ['string.uuid', { type: 'string', rules: { string: { uuid: true } } }],
  ['string.well_known_regex name strict', { type: 'string', rules: { string: { well_known_regex: 1 } } }],
  ['string.well_known_regex name loose', { type: 'string', rules: { string: { well_known_regex: 1, strict: false } } }],
  ['string.well_known_regex value strict', { type: 'string', rules: { string: { well_known_regex: 2 } } }],
  ['string.well_known_regex value loose', { type: 'string', rules: { string: { well_known_regex: 2, strict: false } } }],
  ['string.ignore_empty', { type: 'string', rules: { string: { min_len: '3', ignore_empty: true } } }],
  ['string wrapper', { type: 'message', ref: 'google.protobuf.StringValue', rules: { string: { min_len: '1' }, message: { required: true } } }],
  // bytes
  ['bytes.const', { type: 'bytes', rules: { bytes: { const: b64('ab') } } }],
  ['bytes.len', { type: 'bytes', rules: { bytes: { len: '4' } } }],
  ['bytes.min_len/max_len', { type: 'bytes', rules: { bytes: { min_len: '1', max_len: '8' } } }],
  ['bytes.pattern', { type: 'bytes', rules: { bytes: { pattern: '^[0-9a-zA-Z_\\-\\.~:]+$' } } }],
  ['bytes.prefix', { type: 'bytes', rules: { bytes: { prefix: b64('P') } } }],
  ['bytes.suffix', { type: 'bytes', rules: { bytes: { suffix: b64('S') } } }],
  ['bytes.contains', { type: 'bytes', rules: { bytes: { contains: b64('C') } } }],
  ['bytes.in', { type: 'bytes', rules: { bytes: { in: [b64('one'), b64('two')] } } }],
  ['bytes.not_in', { type: 'bytes', rules: { bytes: { not_in: [b64('bad')], min_len: '1' } } }],
  ['bytes.ip', { type: 'bytes', rules: { bytes: { ip: true } } }],
  ['bytes.ipv4', { type: 'bytes', rules: { bytes: { ipv4: true } } }],
  ['bytes.ipv6', { type: 'bytes', rules: { bytes: { ipv6: true } } }],
  // numbers: every kind, every rule
  ...NUMERIC.flatMap((k): [string, Partial<FieldSchema> & { type: FieldSchema['type'] }][] => [
    [`${k}.const`, { type: k, rules: { [k]: { const: k.includes('64') && k !== 'double' ? '7' : 7 } } }],
    [`${k}.gt/lt`, { type: k, rules: { [k]: { gt: num(k, 0), lt: num(k, 100) } } }],
    [`${k}.gte/lte`, { type: k, rules: { [k]: { gte: num(k, 5), lte: num(k, 10) } } }],
    [`${k}.gt/lt exclusive`, { type: k, rules: { [k]: { gt: num(k, 100), lt: num(k, 10) } } }],
    [`${k}.gte/lte exclusive`, { type: k, rules: { [k]: { gte: num(k, 100), lte: num(k, 10) } } }],
    [`${k}.gt`, { type: k, rules: { [k]: { gt: num(k, 3) } } }],
    [`${k}.lte`, { type: k, rules: { [k]: { lte: num(k, 3) } } }],
    [`${k}.in`, { type: k, rules: { [k]: { in: [num(k, 1), num(k, 2), num(k, 3)] } } }],
    [`${k}.not_in`, { type: k, rules: { [k]: { not_in: [num(k, 0)] } } }],
  ]),
  ['uint64 wrapper', { type: 'message', ref: 'google.protobuf.UInt64Value', rules: { uint64: { gt: '0', lte: '18446744073709551615' } } }],
  ['int64 beyond 2^53', { type: 'int64', rules: { int64: { gt: '9007199254740993' } } }],
  // bool, enum
  ['bool.const', { type: 'bool', rules: { bool: { const: true } } }],
  ['bool wrapper', { type: 'message', ref: 'google.protobuf.BoolValue', rules: { bool: { const: false } } }],
  ['enum.const', { type: 'enum', ref: ENUM, rules: { enum: { const: 2 } } }],
  ['enum.defined_only', { type: 'enum', ref: ENUM, rules: { enum: { defined_only: true } } }],
  ['enum.in', { type: 'enum', ref: ENUM, rules: { enum: { in: [0, 1] } } }],
  ['enum.not_in', { type: 'enum', ref: ENUM, rules: { enum: { not_in: [0], defined_only: true } } }],
  // messages
  ['message.required', { type: 'message', ref: 'envoy.config.core.v3.SocketAddress', rules: { message: { required: true } } }],
  // repeated
  ['repeated.min_items/max_items', { type: 'string', repeated: true, rules: { repeated: { min_items: '1', max_items: '3' } } }],
  ['repeated.unique', { type: 'string', repeated: true, rules: { repeated: { unique: true, items: { string: { min_len: '1' } } } } }],
  ['repeated.unique bytes', { type: 'bytes', repeated: true, rules: { repeated: { unique: true } } }],
  ['repeated.items', { type: 'uint32', repeated: true, rules: { repeated: { items: { uint32: { gte: 1, lte: 9 } } } } }],
  ['repeated.items enum', { type: 'enum', ref: ENUM, repeated: true, rules: { repeated: { min_items: '1', items: { enum: { defined_only: true } } } } }],
  ['repeated.items duration', { type: 'message', ref: 'google.protobuf.Duration', repeated: true, rules: { repeated: { items: { duration: { gt: {} } } } } }],
  ['repeated messages', { type: 'message', ref: 'envoy.config.core.v3.SocketAddress', repeated: true, rules: { repeated: { min_items: '2' } } }],
  // maps
  ['map.min_pairs/max_pairs', { type: 'map', key: 'string', value: 'string', rules: { map: { min_pairs: '1', max_pairs: '2' } } }],
  ['map.keys', { type: 'map', key: 'string', value: 'string', rules: { map: { keys: { string: { min_len: '2', max_len: '8' } } } } }],
  ['map.values', { type: 'map', key: 'string', value: 'uint32', rules: { map: { values: { uint32: { gt: 0 } } } } }],
  ['map.keys int', { type: 'map', key: 'uint32', value: 'string', rules: { map: { keys: { uint32: { lt: 100 } } } } }],
  ['map.no_sparse', { type: 'map', key: 'string', value: 'message', valueRef: 'envoy.config.core.v3.SocketAddress', rules: { map: { no_sparse: true, min_pairs: '1' } } }],
  // Any
  ['any.required', { type: 'message', ref: 'google.protobuf.Any', rules: { any: { required: true } } }],
  ['any.in', { type: 'message', ref: 'google.protobuf.Any', rules: { any: { in: [typeUrlOf(PLAIN_ANY_TYPE)] } } }],
  ['any.not_in', { type: 'message', ref: 'google.protobuf.Any', rules: { any: { not_in: [typeUrlOf('envoy.extensions.filters.http.grpc_web.v3.GrpcWeb')] } } }],
  // Duration, Timestamp
  ['duration.required', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { required: true } } }],
  ['duration.const', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { const: { seconds: '1', nanos: 500000000 } } } }],
  ['duration.gt/lt', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { gt: {}, lt: { seconds: '10' } } } }],
  ['duration.gte/lte', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { gte: { nanos: 1000000 }, lte: { seconds: '5' } } } }],
  ['duration exclusive (Envoy QUIC keepalive)', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { lte: {}, gte: { seconds: '1' } } } }],
  ['duration.in', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { in: [{ seconds: '1' }, { seconds: '2' }] } } }],
  ['duration.not_in', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { not_in: [{}] } } }],
  ['negative durations', { type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { gt: { seconds: '-5', nanos: -500000000 }, lt: { seconds: '-1' } } } }],
  ['timestamp.required', { type: 'message', ref: 'google.protobuf.Timestamp', rules: { timestamp: { required: true } } }],
  ['timestamp.const', { type: 'message', ref: 'google.protobuf.Timestamp', rules: { timestamp: { const: { seconds: '1700000000' } } } }],
  ['timestamp.gt/lte', { type: 'message', ref: 'google.protobuf.Timestamp', rules: { timestamp: { gt: { seconds: '1600000000' }, lte: { seconds: '1900000000' } } } }],
];

function num(kind: string, n: number): unknown {
  return kind.includes('64') && kind !== 'double' ? String(n) : n;
}

const pr = (ps: readonly { path: string; rule: string }[]) => ps.map((p) => `${p.path} (${p.rule})`).sort();

function check(schema: MessageSchema, seed: number): string[] {
  const f = schema.fields[0]!;
  const g = rng(seed);
  const value = validField(f, g, 0);
  expect(pr(validateWithSchema(schema, { f: value }).errors), `valid ${String(JSON.stringify(value)).slice(0, 80)}`).toEqual([]);
  const rules: string[] = [];
  for (const b of fieldBreaks(f, value, g)) {
    const r = validateWithSchema(schema, { f: b.value });
    expect(pr(r.errors), `breaking ${b.rule} with ${String(JSON.stringify(b.value)).slice(0, 80)}`).toEqual([`f${b.sub} (${b.rule})`]);
    expect(r.errors[0]!.message).toMatch(/^[a-z@]/);
    rules.push(b.rule);
  }
  return rules;
}

describe('every protoc-gen-validate rule kind (synthetic fields)', () => {
  test.each(CATALOGUE)('%s: valid values pass, each single break is reported alone', (_name, field) => {
    const schema = schemaOf(field);
    const broken = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        for (const r of check(schema, seed)) broken.add(r);
      }),
      { numRuns: 25 },
    );
    // Every rule of the set was broken alone (modifiers and exclusive pairs aside).
    const kinds = ruleKinds(field.rules as Rules).filter((k) => !/\.(strict|ignore_empty)$/.test(k));
    const brokenKinds = [...broken].flatMap((r) => {
      const ex = /^(.*)\.(gte?|lte?)_(gte?|lte?)_exclusive$/.exec(r);
      return ex ? [`${ex[1]}.${ex[2]}`, `${ex[1]}.${ex[3]}`] : [r];
    });
    const missing = kinds.filter((k) => !brokenKinds.includes(k));
    // Bounds at the edge of a kind's range cannot be broken (uint64 lte 2^64-1).
    expect(missing.filter((k) => !(k === 'uint64.lte' && _name === 'uint64 wrapper'))).toEqual([]);
  });

  test('the catalogue covers every rule of validate.proto', () => {
    const covered = new Set(CATALOGUE.flatMap(([, f]) => ruleKinds(f.rules as Rules)).map((k) => k.replace(/^(repeated\.items|map\.(keys|values))\./, '')));
    const expected = [
      ...['const', 'len', 'min_len', 'max_len', 'len_bytes', 'min_bytes', 'max_bytes', 'pattern', 'prefix', 'suffix', 'contains', 'not_contains', 'in', 'not_in', 'email', 'hostname', 'ip', 'ipv4', 'ipv6', 'uri', 'uri_ref', 'address', 'uuid', 'well_known_regex', 'strict', 'ignore_empty'].map((k) => `string.${k}`),
      ...['const', 'len', 'min_len', 'max_len', 'pattern', 'prefix', 'suffix', 'contains', 'in', 'not_in', 'ip', 'ipv4', 'ipv6'].map((k) => `bytes.${k}`),
      ...NUMERIC.flatMap((n) => ['const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'].map((k) => `${n}.${k}`)),
      'bool.const',
      ...['const', 'defined_only', 'in', 'not_in'].map((k) => `enum.${k}`),
      'message.required',
      ...['min_items', 'max_items', 'unique'].map((k) => `repeated.${k}`),
      ...['min_pairs', 'max_pairs', 'no_sparse'].map((k) => `map.${k}`),
      ...['required', 'in', 'not_in'].map((k) => `any.${k}`),
      ...['required', 'const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'].map((k) => `duration.${k}`),
      ...['required', 'const', 'gt', 'lte'].map((k) => `timestamp.${k}`),
    ];
    expect(expected.filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe('rules that need hand-written cases', () => {
  const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
  const tsField = (rules: Rules) => schemaOf({ type: 'message', ref: 'google.protobuf.Timestamp', rules: { timestamp: rules } });

  test('timestamp lt_now accepts the past and rejects the future', () => {
    const s = tsField({ lt_now: true });
    expect(validateWithSchema(s, { f: ts(Date.now() - 60_000) }).errors).toEqual([]);
    expect(pr(validateWithSchema(s, { f: ts(Date.now() + 60_000) }).errors)).toEqual(['f (timestamp.lt_now)']);
  });

  test('timestamp gt_now accepts the future and rejects the past', () => {
    const s = tsField({ gt_now: true });
    expect(validateWithSchema(s, { f: ts(Date.now() + 60_000) }).errors).toEqual([]);
    expect(pr(validateWithSchema(s, { f: ts(Date.now() - 60_000) }).errors)).toEqual(['f (timestamp.gt_now)']);
  });

  test('timestamp within accepts instants close to now on both sides and rejects far ones', () => {
    const s = tsField({ within: { seconds: '3600' } });
    expect(validateWithSchema(s, { f: ts(Date.now() - 1_800_000) }).errors).toEqual([]);
    expect(validateWithSchema(s, { f: ts(Date.now() + 1_800_000) }).errors).toEqual([]);
    const far = validateWithSchema(s, { f: ts(Date.now() - 7_200_000) }).errors;
    expect(pr(far)).toEqual(['f (timestamp.within)']);
    expect(far[0]!.message).toMatch(/^must be within 3600s of now/);
  });

  test('timestamp rules show instants as ISO dates', () => {
    const s = tsField({ gt: { seconds: '1700000000' } });
    const [e] = validateWithSchema(s, { f: { seconds: '1600000000', nanos: 0 } }).errors;
    expect(e!.message).toBe('must be greater than 2023-11-14T22:13:20Z, got 2020-09-13T12:26:40Z');
  });

  test('message.skip stops validation of the nested message', () => {
    const skip = schemaOf({ type: 'message', ref: 'envoy.config.cluster.v3.Cluster', rules: { message: { skip: true } } });
    const noSkip = schemaOf({ type: 'message', ref: 'envoy.config.cluster.v3.Cluster' });
    expect(validateWithSchema(skip, { f: { name: '' } }).errors).toEqual([]);
    expect(pr(validateWithSchema(noSkip, { f: { name: '' } }).errors)).toEqual(['f.name (string.min_len)']);
  });

  test('a disabled message type is not validated', () => {
    const s = schemaOf({ type: 'string', rules: { string: { min_len: '1' } } }, { disabled: true });
    expect(validateWithSchema(s, { f: '' }).errors).toEqual([]);
    const ignored = schemaOf({ type: 'string', rules: { string: { min_len: '1' } } }, { ignored: true });
    expect(validateWithSchema(ignored, { f: '' }).errors).toEqual([]);
  });

  test('rules of an unset proto3 optional scalar do not apply; of a set one, they do', () => {
    const s = schemaOf({ type: 'string', optional: true, rules: { string: { min_len: '1' } } });
    expect(validateWithSchema(s, {}).errors).toEqual([]);
    expect(pr(validateWithSchema(s, { f: '' }).errors)).toEqual(['f (string.min_len)']);
  });

  test('rules of an absent proto3 scalar apply to its default value', () => {
    const s = schemaOf({ type: 'uint32', rules: { uint32: { gt: 0 } } });
    expect(pr(validateWithSchema(s, {}).errors)).toEqual(['f (uint32.gt)']);
    const e = schemaOf({ type: 'enum', ref: ENUM, rules: { enum: { not_in: [0] } } });
    expect(pr(validateWithSchema(e, {}).errors)).toEqual(['f (enum.not_in)']);
  });

  test('wrapper rules apply only when the wrapper is set', () => {
    const s = schemaOf({ type: 'message', ref: 'google.protobuf.UInt32Value', rules: { uint32: { gt: 0 } } });
    expect(validateWithSchema(s, {}).errors).toEqual([]);
    expect(pr(validateWithSchema(s, { f: 0 }).errors)).toEqual(['f (uint32.gt)']);
  });

  test('ignore_empty skips the rules of an empty value only', () => {
    const s = schemaOf({ type: 'string', rules: { string: { min_len: '3', ignore_empty: true } } });
    expect(validateWithSchema(s, { f: '' }).errors).toEqual([]);
    expect(validateWithSchema(s, {}).errors).toEqual([]);
    expect(pr(validateWithSchema(s, { f: 'ab' }).errors)).toEqual(['f (string.min_len)']);
  });

  test('string lengths count code points and bytes count utf-8', () => {
    const s = schemaOf({ type: 'string', rules: { string: { max_len: '2', min_len: '2' } } });
    expect(validateWithSchema(s, { f: '😀😀' }).errors).toEqual([]); // 4 UTF-16 units, 2 code points
    const b = schemaOf({ type: 'string', rules: { string: { max_bytes: '4' } } });
    expect(validateWithSchema(b, { f: '😀' }).errors).toEqual([]);
    expect(pr(validateWithSchema(b, { f: 'éé€' }).errors)).toEqual(['f (string.max_bytes)']); // 2+2+3 bytes
  });

  test('patterns follow RE2, not JS RegExp: unanchored search, RE2 syntax', () => {
    const s = schemaOf({ type: 'string', rules: { string: { pattern: 'b+' } } });
    expect(validateWithSchema(s, { f: 'abbbc' }).errors).toEqual([]);
    // \pN is a Unicode class in RE2; JS RegExp without the u flag reads it as "pN".
    const u = schemaOf({ type: 'string', rules: { string: { pattern: '^\\pN+$' } } });
    expect(validateWithSchema(u, { f: '٣42' }).errors).toEqual([]);
    expect(pr(validateWithSchema(u, { f: 'pN' }).errors)).toEqual(['f (string.pattern)']);
  });

  test('64-bit values are compared exactly, beyond 2^53', () => {
    const s = schemaOf({ type: 'uint64', rules: { uint64: { lte: '9007199254740993' } } });
    expect(validateWithSchema(s, { f: '9007199254740993' }).errors).toEqual([]);
    expect(pr(validateWithSchema(s, { f: '9007199254740994' }).errors)).toEqual(['f (uint64.lte)']);
  });

  test('NaN breaks every bound of a double, like protoc-gen-validate', () => {
    const s = schemaOf({ type: 'double', rules: { double: { gte: 0 } } });
    expect(pr(validateWithSchema(s, { f: NaN }).errors)).toEqual(['f (double.gte)']);
  });

  test('fails a value of the wrong JavaScript type with rule "type"', () => {
    const s = schemaOf({ type: 'string', rules: { string: { min_len: '1' } } });
    const [e] = validateWithSchema(s, { f: 42 }).errors;
    expect(e).toMatchObject({ path: 'f', rule: 'type', message: 'must be a string, got 42 (number)' });
    const n = schemaOf({ type: 'uint32', rules: { uint32: { gt: 0 } } });
    expect(pr(validateWithSchema(n, { f: -1 }).errors)).toEqual(['f (type)']);
    const d = schemaOf({ type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { gt: {} } } });
    expect(pr(validateWithSchema(d, { f: { seconds: '1', nanos: -5 } }).errors)).toEqual(['f (type)']);
  });

  test('messages carry the bad value and what was expected', () => {
    const msg = (field: Partial<FieldSchema> & { type: FieldSchema['type'] }, value: unknown) =>
      validateWithSchema(schemaOf(field), { f: value }).errors.map((e) => e.message);
    expect(msg({ type: 'string', rules: { string: { min_len: '1' } } }, '')).toEqual(['must be at least 1 character long, got ""']);
    expect(msg({ type: 'string', rules: { string: { in: ['a', 'b'] } } }, 'c')).toEqual(['must be one of "a", "b", got "c"']);
    expect(msg({ type: 'uint32', rules: { uint32: { gte: 1, lte: 65535 } } }, 70000)).toEqual(['must be inside the range [1, 65535], got 70000']);
    expect(msg({ type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { gt: {} } } }, fromNs(0n))).toEqual(['must be greater than 0s, got 0s']);
    expect(msg({ type: 'message', ref: 'google.protobuf.Duration', rules: { duration: { lte: {}, gte: { seconds: '1' } } } }, fromNs(500_000_000n))).toEqual([
      'must be outside the range (0s, 1s) (at least 1s or at most 0s), got 0.5s',
    ]);
    expect(msg({ type: 'enum', ref: ENUM, rules: { enum: { defined_only: true } } }, 99)[0]).toMatch(/^must be a defined value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy: ROUND_ROBIN \(0\), .*; got 99$/);
    expect(msg({ type: 'string', rules: { string: { hostname: true } } }, 'bad-.com')).toEqual(['must be a valid hostname, got "bad-.com" (hostname labels cannot end with a hyphen)']);
    expect(msg({ type: 'message', ref: 'google.protobuf.Any', rules: { any: { in: ['type.googleapis.com/x.Y'] } } }, pack(PLAIN_ANY_TYPE, {}))).toEqual([
      `@type must be one of "type.googleapis.com/x.Y", got "${typeUrlOf(PLAIN_ANY_TYPE)}"`,
    ]);
  });
});
