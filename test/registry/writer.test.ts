import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import _m0 from 'protobufjs/minimal.js';
import { canonicalize, decode, encode, registeredTypes, typeInfo } from 'xdskit';
import { BufferWriter } from '../../src/registry/writer.js';
import { fillMessage } from '../support/arbitrary.js';

/**
 * `encode` writes with its own BufferWriter (one buffer, lengths patched in place) instead of
 * protobufjs's Writer. These tests hold it to protobufjs's bytes: every registered type, seeded
 * messages, and the edges of each wire type.
 */

/** What protobufjs's own Writer gives for the canonical form of a message. */
function protobufjsBytes(type: string, message: unknown): Buffer {
  const info = typeInfo(type);
  return Buffer.from(info.codec.encode(canonicalize(info.fullName, message as never) as never).finish());
}

/** Runs the same calls on a BufferWriter and on protobufjs's Writer and returns both results. */
function both(calls: (w: _m0.Writer) => void): [Buffer, Buffer] {
  const ours = new BufferWriter(8);
  calls(ours as unknown as _m0.Writer);
  const theirs = _m0.Writer.create();
  calls(theirs);
  return [ours.finish(), Buffer.from(theirs.finish())];
}

describe('encode writes the bytes protobufjs writes', () => {
  it('for seeded messages of every registered type', () => {
    const broken: string[] = [];
    for (const type of registeredTypes()) {
      for (const seed of [1, 2, 3]) {
        const m = fillMessage(type, seed);
        const ours = Buffer.from(encode(type, m as never));
        if (!ours.equals(protobufjsBytes(type, m))) broken.push(`${type} (seed ${seed})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('for messages with large nested fields (lengths of 2 and 3 bytes)', () => {
    const routes = (n: number, path: string) =>
      Array.from({ length: n }, (_, i) => ({
        match: { pathSpecifier: { $case: 'prefix' as const, prefix: `/${path}/${i}` } },
        action: { $case: 'route' as const, route: { clusterSpecifier: { $case: 'cluster' as const, cluster: `cluster-${i}-${'x'.repeat(i % 50)}` } } },
      }));
    for (const n of [1, 3, 40, 400, 4000]) {
      const rc = { name: 'big', virtualHosts: [{ name: 'vh', domains: ['*'], routes: routes(n, 'p') }] };
      const ours = Buffer.from(encode('envoy.config.route.v3.RouteConfiguration', rc));
      expect(ours.equals(protobufjsBytes('envoy.config.route.v3.RouteConfiguration', rc))).toBe(true);
      expect(decode('envoy.config.route.v3.RouteConfiguration', ours).virtualHosts?.[0]?.routes).toHaveLength(n);
    }
  });
});

describe('BufferWriter', () => {
  it('writes varints of every width like protobufjs', () => {
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, -1, -2, -(2 ** 31)];
    const [ours, theirs] = both((w) => {
      for (const v of values) w.uint32(v).int32(v).sint32(v);
    });
    expect(ours).toEqual(theirs);
  });

  it('writes 64-bit values given as strings, numbers and beyond 2^53 like protobufjs', () => {
    const values: (string | number)[] = ['0', '1', '-1', '9007199254740993', '18446744073709551615', '-9223372036854775808', '9223372036854775807', 0, 5, -5, 2 ** 40, 4294967296, 3.7];
    const [ours, theirs] = both((w) => {
      for (const v of values) w.int64(v as never).uint64(v as never).sint64(v as never).fixed64(v as never).sfixed64(v as never);
    });
    expect(ours).toEqual(theirs);
  });

  it('writes fixed-width and floating values like protobufjs', () => {
    const [ours, theirs] = both((w) => {
      for (const v of [0, 1, -1, 2 ** 32 - 1, 123456789]) w.fixed32(v).sfixed32(v);
      for (const v of [0, -0, 1.5, -2.25, Math.PI, 1e300, Number.NaN, Infinity, -Infinity, 3.4e38]) w.float(v).double(v);
      w.bool(true).bool(false);
    });
    expect(ours).toEqual(theirs);
  });

  it('writes strings of any length and script like protobufjs', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 60 }))), (strings) => {
        const [ours, theirs] = both((w) => {
          for (const s of strings) w.string(s);
        });
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 300 },
    );
    const edge = ['', 'é', '日本語', '🙂', 'a'.repeat(42), 'a'.repeat(43), 'é'.repeat(42), '🙂'.repeat(30), 'x'.repeat(200), 'ü'.repeat(10_000)];
    const [ours, theirs] = both((w) => {
      for (const s of edge) w.string(s);
    });
    expect(ours).toEqual(theirs);
  });

  it('writes an unpaired surrogate as U+FFFD (valid UTF-8), where protobufjs writes it raw', () => {
    const w = new BufferWriter();
    w.string('a\ud800b');
    expect(w.finish()).toEqual(Buffer.from([5, 0x61, 0xef, 0xbf, 0xbd, 0x62]));
  });

  it('writes bytes, from a Buffer or base64, like protobufjs', () => {
    const [ours, theirs] = both((w) => {
      w.bytes(Buffer.alloc(0)).bytes(Buffer.from([1, 2, 3])).bytes(new Uint8Array(300).fill(7)).bytes('AQID' as never);
    });
    expect(ours).toEqual(theirs);
  });

  it('nests length-delimited fields, moving content when a length takes more than one byte', () => {
    const [ours, theirs] = both((w) => {
      w.uint32(10).fork();
      for (let i = 0; i < 3; i++) {
        w.uint32(18).fork().string('y'.repeat(100 * i)).uint32(24).fork();
        for (let k = 0; k < 50 * i; k++) w.int32(k * 1000);
        w.ldelim().ldelim();
      }
      w.bytes(new Uint8Array(20_000)).ldelim();
    });
    expect(ours).toEqual(theirs);
  });

  it('grows past its first buffer and is empty again after finish', () => {
    const w = new BufferWriter(4);
    w.string('z'.repeat(5000));
    const first = w.finish();
    expect(first.length).toBe(5002);
    expect(w.string('a').finish()).toEqual(Buffer.from([1, 0x61]));
  });

  it('refuses an unbalanced ldelim or finish', () => {
    expect(() => new BufferWriter().ldelim()).toThrow('ldelim() without a fork()');
    expect(() => new BufferWriter().fork().finish()).toThrow('1 unended fork()');
    const w = new BufferWriter().fork();
    w.reset();
    expect(w.finish()).toEqual(Buffer.alloc(0));
  });

  it('is left usable by an encode that throws', () => {
    // A number where a nested message wants a string throws inside an open fork(); the next
    // encode must not see its leftovers.
    expect(() => encode('envoy.config.route.v3.RouteConfiguration', { name: 'r', virtualHosts: [{ name: 5 as never, domains: ['*'] }] })).toThrow(TypeError);
    expect(Buffer.from(encode('google.protobuf.StringValue', { value: 'ok' }))).toEqual(Buffer.from([10, 2, 0x6f, 0x6b]));
  });
});
