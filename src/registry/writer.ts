/**
 * A protobuf writer for the generated encoders that writes straight into one growing buffer.
 *
 * The generated `encode(message, writer)` functions call a small writer API (`uint32`, `string`,
 * `fork`/`ldelim`...). protobufjs's own `Writer` records every call as an operation object in a
 * linked list and writes them all in `finish()`; this one writes each value where it goes, so
 * an encode allocates nothing but its result. A length-delimited field (`fork()` ... `ldelim()`)
 * gets one byte for its length up front; the rare field of 128 bytes or more moves its content
 * up by the extra length bytes when it ends.
 *
 * The bytes are the same as protobufjs writes, with one exception: a string holding an unpaired
 * UTF-16 surrogate is written as U+FFFD (valid UTF-8), as Node writes it, where protobufjs writes
 * short strings' lone surrogates as they are (invalid UTF-8 that other decoders reject).
 *
 * Internal to the registry: `encode` uses one writer at a time and copies its bytes out.
 */
import _m0 from 'protobufjs/minimal.js';

const LongBits = _m0.util.LongBits;
/** A decimal integer string, optionally negative, without leading `+` or spaces. */
const SMALL_DECIMAL = /^-?\d+$/;

/** The 64-bit value a generated encoder passes (decimal string, number, or Long). */
type Int64 = string | number | { low: number; high: number; unsigned?: boolean };

/** Writes an unsigned 32-bit varint at `p` (room checked by the caller); returns the position after it. */
function putVarint32(buf: Buffer, p: number, v: number): number {
  while (v > 127) {
    buf[p++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

/** A protobuf writer writing into one buffer (see the module comment). */
export class BufferWriter {
  private buf: Buffer;
  private pos = 0;
  /** Where each open length-delimited field's length byte is. */
  private readonly starts: number[] = [];

  constructor(size = 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Bytes the writer holds room for. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Makes room for `n` more bytes. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A varint of an unsigned 32-bit value (the value is taken modulo 2^32, as protobufjs does). */
  uint32(value: number): this {
    this.room(5);
    this.pos = putVarint32(this.buf, this.pos, value >>> 0);
    return this;
  }

  /** A varint of a signed 32-bit value: negative values take ten bytes, as the spec says. */
  int32(value: number): this {
    const v = value | 0;
    if (v >= 0) return this.uint32(v);
    return this.varint64(v >>> 0, 0xffffffff);
  }

  /** A zig-zag varint of a signed 32-bit value. */
  sint32(value: number): this {
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A varint of a 64-bit value given as its low and high 32 bits. */
  private varint64(lo: number, hi: number): this {
    this.room(10);
    const buf = this.buf;
    let p = this.pos;
    while (hi) {
      buf[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[p++] = lo;
    this.pos = p;
    return this;
  }

  /** A varint of a 64-bit value (`int64` and `uint64` fields: decimal strings, numbers or Longs). */
  uint64(value: Int64): this {
    let n = value;
    // Decimal strings of up to 15 digits (Durations' seconds, most int64 fields) are exact as
    // numbers: no Long parse. Longer or odd strings go through protobufjs's LongBits.
    if (typeof n === 'string' && n.length <= 15 && SMALL_DECIMAL.test(n)) n = Number(n);
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      if (n >= 0 && n <= 0xffffffff) return this.uint32(n);
      const bits = LongBits.fromNumber(n);
      return this.varint64(bits.lo, bits.hi);
    }
    const bits = LongBits.from(n as never);
    return this.varint64(bits.lo, bits.hi);
  }

  /** Same as {@link uint64}: two's complement for negative values. */
  int64(value: Int64): this {
    return this.uint64(value);
  }

  /** A zig-zag varint of a signed 64-bit value. */
  sint64(value: Int64): this {
    const bits = LongBits.from(value as never).zzEncode();
    return this.varint64(bits.lo, bits.hi);
  }

  /** A varint 0 or 1. */
  bool(value: boolean): this {
    this.room(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  /** Four bytes, little-endian, of a 32-bit value. */
  fixed32(value: number): this {
    this.room(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  /** Same as {@link fixed32}. */
  sfixed32(value: number): this {
    return this.fixed32(value);
  }

  /** Eight bytes, little-endian, of a 64-bit value. */
  fixed64(value: Int64): this {
    const bits = LongBits.from(value as never);
    this.room(8);
    this.buf.writeUInt32LE(bits.lo >>> 0, this.pos);
    this.buf.writeUInt32LE(bits.hi >>> 0, this.pos + 4);
    this.pos += 8;
    return this;
  }

  /** Same as {@link fixed64}. */
  sfixed64(value: Int64): this {
    return this.fixed64(value);
  }

  /** A 32-bit IEEE float. */
  float(value: number): this {
    this.room(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
    return this;
  }

  /** A 64-bit IEEE float. */
  double(value: number): this {
    this.room(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
    return this;
  }

  /** Length-prefixed bytes (a base64 string is decoded first, as protobufjs does). */
  bytes(value: Uint8Array | string): this {
    const b = typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    const n = b.length;
    this.uint32(n);
    if (n === 0) return this;
    this.room(n);
    this.buf.set(b, this.pos);
    this.pos += n;
    return this;
  }

  /** A length-prefixed UTF-8 string. */
  string(value: string): this {
    const n = value.length;
    if (n < 43) {
      // At most 3 bytes per UTF-16 unit: the length fits in one byte. ASCII is copied here,
      // anything else is left to Node's encoder.
      this.room(1 + 3 * n);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i < n) p = start + 1 + buf.write(value, start + 1, 'utf8');
      buf[start] = p - start - 1;
      this.pos = p;
      return this;
    }
    const len = Buffer.byteLength(value, 'utf8');
    this.uint32(len);
    this.room(len);
    this.buf.write(value, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }

  /** Starts a length-delimited field (a nested message or a packed list). */
  fork(): this {
    this.room(1);
    this.starts.push(this.pos++);
    return this;
  }

  /** Ends the innermost length-delimited field, writing its length before its content. */
  ldelim(): this {
    const start = this.starts.pop();
    if (start === undefined) throw new Error('BufferWriter.ldelim() without a fork()');
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return this;
    }
    const size = len < 0x4000 ? 2 : len < 0x200000 ? 3 : len < 0x10000000 ? 4 : 5;
    this.room(size - 1);
    const buf = this.buf;
    buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    putVarint32(buf, start, len);
    return this;
  }

  /** The bytes written, as a new Buffer of their exact size; the writer is empty again. */
  finish(): Buffer {
    if (this.starts.length) throw new Error(`BufferWriter.finish() with ${this.starts.length} unended fork()`);
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Forgets what was written (after an encoder threw). */
  reset(): this {
    this.pos = 0;
    this.starts.length = 0;
    return this;
  }
}
