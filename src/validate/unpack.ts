/**
 * One decode per `google.protobuf.Any` per validation call.
 *
 * A validation makes several passes over a message — the field rules (`fields.ts`), the
 * semantic rules (`semantic/`) and, for a snapshot or a bootstrap, the reference collector
 * (`references.ts`) — and each meets every Any. They share one {@link Unpacker}, made by the
 * call (`validate`, `validateSnapshot`, `validateBootstrap`), so whichever pass meets an Any
 * first decodes it and the others get the same message. Decoding is most of what validating a
 * listener costs (its HCMs, their routes, their filters' configs), so this is what keeps a
 * resource's validation to one decode of its Anys.
 *
 * The cache lives as long as the call and no longer: a snapshot's resources never carry decoded
 * copies of their Anys around, and an Any changed between two calls is simply decoded again.
 * It is keyed by the Any object: the passes of one call walk the same objects, and the nested
 * Anys of a decoded message are the same objects for every pass that reads that message.
 */
import { findType, type Any, type TypeInfo } from '../registry/codec.js';

/** What unpacking an Any gave: its registered type and message, or why it has none. */
export type Unpacked =
  | { readonly info: TypeInfo; readonly message: unknown }
  | { readonly info: TypeInfo | undefined; readonly error: string };

const known = new Map<string, TypeInfo>();

/**
 * The registered message type a type URL names, or undefined for an unknown one.
 *
 * Only known URLs are cached, so a stream of made-up URLs cannot grow the cache.
 */
export function typeOfUrl(url: string): TypeInfo | undefined {
  let info = known.get(url);
  if (info === undefined) {
    info = findType(url);
    if (info) known.set(url, info);
  }
  return info;
}

const EMPTY = new Uint8Array(0);

/** The Anys unpacked so far in one validation call, by Any object. */
export class Unpacker {
  private readonly done = new Map<object, Unpacked>();

  /**
   * Gives the message an Any holds without decoding it: for a caller that has just encoded that
   * very message into the Any (a builder's `build()`, which packed it) and guarantees that
   * neither has changed since. The passes then check exactly what was encoded.
   */
  seed(any: Any, info: TypeInfo, message: unknown): void {
    this.done.set(any, { info, message });
  }

  /**
   * The type and message of an Any, decoded on the first request of the call; or why it has
   * none: an empty or unknown type URL, or bytes that do not decode as that type (the decoder's
   * message, as it gave it).
   */
  unpack(any: Any): Unpacked {
    let u = this.done.get(any);
    if (u === undefined) {
      u = decode(any);
      this.done.set(any, u);
    }
    return u;
  }
}

function decode(any: Any): Unpacked {
  const url = any.typeUrl;
  if (typeof url !== 'string' || url === '') return { info: undefined, error: 'empty type url' };
  const info = typeOfUrl(url);
  if (!info) return { info, error: `unknown type ${url}` };
  try {
    return { info, message: info.codec.decode(any.value ?? EMPTY) };
  } catch (e) {
    return { info, error: (e as Error).message };
  }
}
