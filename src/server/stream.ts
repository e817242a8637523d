/**
 * What SotW and delta streams share: the node and its authorisation, type checks and limits,
 * one watch per type, nonces, the write loop with its ordering, and closing.
 *
 * The write loop is what keeps one slow stream from costing anything to the others. The cache
 * only marks a watch ready; the stream takes the update (computed from the newest state) when
 * it can write, and writes one response at a time: the next one waits for grpc-js to hand the
 * previous one to HTTP/2. A client that stops reading fills its HTTP/2 flow-control window,
 * the write never completes, and updates keep collapsing into its watches' single pending
 * slot: memory per stream stays bounded by what it subscribes to, whatever the churn.
 *
 * @internal
 */
import * as grpc from '@grpc/grpc-js';
import { findType } from '../registry/codec.js';
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import type { ConfigWatcher, DeltaWatch, SotwWatch } from '../cache/watch.js';
import { checkNode, peerOf, type AuthorizeNode } from './auth.js';
import type { AckEvent, EventHub, StreamInfo, StreamKind } from './events.js';
import { orderRank } from './ordering.js';
import type { XdsMethod } from './services.js';
import { StatusBoard, TypeRecord } from './status.js';
import { isUndecodable } from './wire.js';

/** Limits that protect the server from a client. */
export interface StreamLimits {
  /**
   * Most resource names in one request (SotW `resource_names`, delta subscribe + unsubscribe).
   * @default 100000
   */
  readonly maxResourceNames?: number;
  /**
   * Most resource types on one stream (an ADS stream may multiplex several).
   * @default 64
   */
  readonly maxTypesPerStream?: number;
  /**
   * Most requests held while a stream's node is being authorised.
   * @default 100
   */
  readonly maxQueuedRequests?: number;
}

/** @internal Everything a stream needs from its server. */
export interface ServerContext {
  readonly cache: ConfigWatcher;
  readonly nodeKey: (node: Node) => string;
  readonly hub: EventHub;
  readonly board: StatusBoard;
  readonly authorize?: AuthorizeNode;
  readonly ordering: 'make-before-break' | 'none';
  readonly waitForAck: boolean;
  readonly holdUntilAllNamed: boolean;
  readonly limits: Required<StreamLimits>;
  readonly controlPlane?: string;
  readonly streams: Set<XdsStream<SotwWatch | DeltaWatch>>;
  nextStreamId(): number;
}

/** @internal A gRPC status to end a stream with. */
export class StreamError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/** Opens a cache watch; a cache that cannot serve the type ends the call with UNAVAILABLE. @internal */
export function openWatchOrFail<T>(typeUrl: string, open: () => T): T {
  try {
    return open();
  } catch (e) {
    throw new StreamError(grpc.status.UNAVAILABLE, `cannot watch ${typeUrl}: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** A response on the wire, not yet answered by the client. */
export interface Inflight {
  readonly nonce: string;
  readonly version: string;
  readonly names: readonly string[];
  readonly at: number;
}

/** @internal One type of a stream: its watch, status record and nonces. */
export class TypeSlot<W extends SotwWatch | DeltaWatch> {
  /** The nonce of the newest response of this type. */
  lastNonce?: string;
  /** Responses awaiting an ACK/NACK, by nonce (SotW keeps only the newest). */
  readonly inflight = new Map<string, Inflight>();
  /** The watch said it may have an update. */
  ready = false;
  /**
   * Removals held back by make-before-break ordering, sent once `blockers` (later types that
   * had updates to send when the removal was held) are sent (or, with waitForAck, answered).
   */
  deferred?: { readonly blockers: Set<string> };
  readonly rank: number;

  constructor(
    readonly typeUrl: string,
    readonly watch: W,
    readonly record: TypeRecord,
  ) {
    this.rank = orderRank(typeUrl);
  }
}

type CallLike = grpc.ServerDuplexStream<unknown, Buffer>;

/** @internal The base of SotW and delta streams. */
export abstract class XdsStream<W extends SotwWatch | DeltaWatch> {
  readonly info: { -readonly [K in keyof StreamInfo]: StreamInfo[K] };
  protected readonly slots = new Map<string, TypeSlot<W>>();
  /** Slots in send order (ADS order for ADS with ordering, else insertion order). */
  protected ordered: TypeSlot<W>[] = [];
  private nonceCounter = 0;
  private writing = false;
  private flushQueued = false;
  private closedFlag = false;
  private auth: 'none' | 'pending' | 'done' = 'none';
  private queued: unknown[] = [];
  private records?: Map<string, TypeRecord>;
  /** Resolves when the stream is closed. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    protected readonly ctx: ServerContext,
    protected readonly call: CallLike,
    readonly method: XdsMethod,
    kind: StreamKind,
  ) {
    this.info = {
      id: ctx.nextStreamId(),
      kind,
      method: method.path,
      ads: method.typeUrl === undefined,
      peer: peerOf(call as unknown as Parameters<typeof peerOf>[0]),
      openedAt: Date.now(),
    };
    this.done = new Promise((r) => (this.resolveDone = r));
    ctx.streams.add(this as unknown as XdsStream<SotwWatch | DeltaWatch>);
    ctx.hub.emit('onStreamOpen', this.info);
    call.on('data', (m: unknown) => this.receive(m));
    call.on('end', () => this.close(grpc.status.OK, 'client closed the stream', true));
    call.on('cancelled', () => this.close(grpc.status.CANCELLED, 'client cancelled the stream', false));
    call.on('close', () => this.close(grpc.status.CANCELLED, 'stream closed', false));
    call.on('error', () => this.close(grpc.status.CANCELLED, 'stream error', false));
  }

  /** True once the stream ended. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Number of open watches (one per type). */
  get watchCount(): number {
    return this.slots.size;
  }

  /** The slots (for status and CSDS). */
  typeSlots(): Iterable<TypeSlot<W>> {
    return this.slots.values();
  }

  private receive(message: unknown): void {
    if (this.closedFlag) return;
    try {
      if (isUndecodable(message)) throw new StreamError(grpc.status.INVALID_ARGUMENT, message.undecodable);
      if (this.auth === 'pending') {
        if (this.queued.length >= this.ctx.limits.maxQueuedRequests) {
          throw new StreamError(grpc.status.RESOURCE_EXHAUSTED, `more than ${this.ctx.limits.maxQueuedRequests} requests before the node was authorised`);
        }
        this.queued.push(message);
        return;
      }
      this.accept(message);
    } catch (e) {
      this.fail(e);
    }
  }

  private accept(message: unknown): void {
    const node = (message as { node?: Node }).node;
    if (!this.info.node) {
      // The node is on the first request of a stream only (clients may leave it out later):
      // remember it for the life of the stream.
      this.info.node = node ?? {};
      this.info.nodeKey = this.ctx.nodeKey(this.info.node);
      if (this.ctx.authorize) {
        this.auth = 'pending';
        this.queued.push(message);
        void checkNode(this.ctx.authorize, this.info.node, this.info.peer).then(
          (refusal) => {
            if (this.closedFlag) return;
            if (refusal !== undefined) return this.fail(new StreamError(grpc.status.PERMISSION_DENIED, refusal));
            this.auth = 'done';
            this.attach();
            const queued = this.queued;
            this.queued = [];
            try {
              for (const m of queued) if (!this.closedFlag) this.handle(m);
            } catch (e) {
              this.fail(e);
            }
          },
          (e) => this.fail(e),
        );
        return;
      }
      this.auth = 'done';
      this.attach();
    } else if (node?.id !== undefined && node.id !== this.info.node.id && this.ctx.authorize) {
      throw new StreamError(grpc.status.PERMISSION_DENIED, `node id changed on the stream from "${this.info.node.id ?? ''}" to "${node.id}"`);
    }
    this.handle(message);
  }

  private attach(): void {
    this.records = this.ctx.board.attach(this.info.nodeKey!, this.info.node!, this.info.id);
  }

  /**
   * The type URL of a request: required on ADS (which multiplexes types), implicit on a
   * per-type service (and then, if given, it must be that type).
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#aggregated-discovery-service
   */
  protected typeOf(typeUrl: string | undefined): string {
    const t = typeUrl ?? '';
    if (this.method.typeUrl !== undefined) {
      if (t && t !== this.method.typeUrl) {
        throw new StreamError(grpc.status.INVALID_ARGUMENT, `type URL "${t}" on ${this.method.service}, which serves only ${this.method.typeUrl}`);
      }
      return this.method.typeUrl;
    }
    if (!t) throw new StreamError(grpc.status.INVALID_ARGUMENT, 'ADS request without a type_url');
    if (!findType(t)) throw new StreamError(grpc.status.INVALID_ARGUMENT, `unknown type URL "${t}": not a message type of the Envoy API`);
    return t;
  }

  /** Checks the size of a request's name lists. */
  protected checkNames(count: number): void {
    if (count > this.ctx.limits.maxResourceNames) {
      throw new StreamError(grpc.status.RESOURCE_EXHAUSTED, `request lists ${count} resource names; the limit is ${this.ctx.limits.maxResourceNames}`);
    }
  }

  /** The slot of a type, opening its watch on first use. */
  protected slot(typeUrl: string): TypeSlot<W> {
    let s = this.slots.get(typeUrl);
    if (s) return s;
    if (this.slots.size >= this.ctx.limits.maxTypesPerStream) {
      throw new StreamError(grpc.status.RESOURCE_EXHAUSTED, `more than ${this.ctx.limits.maxTypesPerStream} resource types on one stream`);
    }
    const watch = openWatchOrFail(typeUrl, () => this.openWatch(typeUrl, (w) => this.onReady(w as W)));
    const record = new TypeRecord(typeUrl);
    record.source = {
      subscribed: () => {
        const sub = watch.subscription;
        return [...(sub.wildcard ? ['*'] : []), ...sub.names(), ...sub.globs()];
      },
      resources: () => watch.sentVersions().size,
    };
    this.records?.set(typeUrl, record);
    s = new TypeSlot(typeUrl, watch, record);
    this.slots.set(typeUrl, s);
    this.ordered.push(s);
    if (this.ordersTypes()) this.ordered.sort((a, b) => a.rank - b.rank || (a.typeUrl < b.typeUrl ? -1 : 1));
    return s;
  }

  /** True when this stream orders its types (ADS with make-before-break). */
  protected ordersTypes(): boolean {
    return this.info.ads && this.ctx.ordering === 'make-before-break';
  }

  private onReady(w: W): void {
    const s = this.slots.get(w.typeUrl);
    if (!s || s.watch !== w) return;
    s.ready = true;
    s.record.queued = true;
    this.scheduleFlush();
  }

  /** Runs the write loop soon (after the current cache update has marked every type). */
  protected scheduleFlush(): void {
    if (this.flushQueued || this.closedFlag) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** A fresh nonce (unique on the stream). */
  protected nextNonce(): string {
    return String(++this.nonceCounter);
  }

  /** True when some slot has a response on the wire that is not answered yet. */
  protected awaitingAny(): boolean {
    for (const s of this.ordered) if (s.inflight.size) return true;
    return false;
  }

  /**
   * The write loop: sends at most one response, then runs again when grpc-js has taken it.
   *
   * Order: types in {@link ordered} order; with `waitForAck`, nothing is sent while a response
   * is unanswered; removals held back by ordering go once the types they waited for are sent
   * (or answered).
   */
  protected flush(): void {
    if (this.closedFlag || this.writing || this.auth !== 'done') return;
    if (this.ctx.waitForAck && this.info.ads && this.awaitingAny()) return;
    try {
      for (const s of this.ordered) {
        if (s.deferred && s.deferred.blockers.size === 0) {
          if (this.sendDeferred(s)) return;
        }
      }
      for (const s of this.ordered) {
        if (!s.ready && !s.watch.pending) continue;
        s.ready = false;
        s.record.queued = false;
        if (this.sendUpdate(s)) return;
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** Takes a slot's update and writes it; false when there was nothing to send. */
  protected abstract sendUpdate(slot: TypeSlot<W>): boolean;

  /** Writes a slot's deferred removals; false when there was nothing to send. */
  protected abstract sendDeferred(slot: TypeSlot<W>): boolean;

  /** Opens the cache watch of a type. */
  protected abstract openWatch(typeUrl: string, onReady: (w: SotwWatch | DeltaWatch) => void): W;

  /** Handles one (decoded, authorised) request. */
  protected abstract handle(message: unknown): void;

  /**
   * When ordering holds back removals of `slot`: the later types (in ADS order) that have an
   * update to send now. The removal waits until those are sent (or answered, with waitForAck).
   */
  protected laterPending(slot: TypeSlot<W>): Set<string> {
    const out = new Set<string>();
    if (!this.ordersTypes()) return out;
    for (const s of this.ordered) {
      if (s.rank > slot.rank && (s.ready || s.watch.pending || s.deferred)) out.add(s.typeUrl);
    }
    return out;
  }

  /** A type was sent (or answered): it no longer blocks held-back removals. */
  protected unblock(typeUrl: string, answered: boolean): void {
    if (this.ctx.waitForAck !== answered) return;
    for (const s of this.ordered) s.deferred?.blockers.delete(typeUrl);
  }

  /** Writes a framed response; the loop runs again when grpc-js has taken it. */
  protected write(slot: TypeSlot<W>, bytes: Buffer, inflight: Inflight, removed: readonly string[]): void {
    const r = slot.record;
    r.sentVersion = inflight.version;
    r.sentNonce = inflight.nonce;
    r.sentAt = inflight.at;
    r.awaiting = true;
    slot.lastNonce = inflight.nonce;
    this.writing = true;
    this.call.write(bytes, () => {
      this.writing = false;
      this.flush();
    });
    this.unblock(slot.typeUrl, false);
    if (this.ctx.hub.has('onResponse')) {
      this.ctx.hub.emit('onResponse', {
        stream: this.info,
        typeUrl: slot.typeUrl,
        version: inflight.version,
        nonce: inflight.nonce,
        resourceNames: inflight.names,
        removed,
        bytes: bytes.length,
      });
    }
  }

  /**
   * A response was answered (ACK or NACK): it no longer holds ordering back, and with
   * `waitForAck` the next one may go. Returns the fields the `onAck`/`onNack` events share.
   */
  private answered(slot: TypeSlot<W>, info: Inflight, now: number): AckEvent {
    slot.record.awaiting = slot.inflight.size > 0;
    this.unblock(slot.typeUrl, true);
    if (this.ctx.waitForAck) this.scheduleFlush();
    return {
      stream: this.info,
      node: this.info.node!,
      nodeKey: this.info.nodeKey!,
      typeUrl: slot.typeUrl,
      version: info.version,
      nonce: info.nonce,
      resourceNames: info.names,
      latencyMs: now - info.at,
    };
  }

  /** Records an ACK of a response and emits `onAck`. */
  protected acked(slot: TypeSlot<W>, info: Inflight): void {
    const r = slot.record;
    const now = Date.now();
    r.ackedVersion = info.version;
    r.ackedNonce = info.nonce;
    r.ackedAt = now;
    this.ctx.hub.emit('onAck', this.answered(slot, info, now));
  }

  /** Records a NACK of a response and emits `onNack`. */
  protected nacked(slot: TypeSlot<W>, info: Inflight, error: { code?: number; message?: string }, acceptedVersion?: string): void {
    const now = Date.now();
    const e = { code: error.code ?? 0, message: error.message ?? '' };
    slot.record.lastNack = Object.freeze({ error: e.message, code: e.code, nonce: info.nonce, version: info.version, at: new Date(now) });
    this.ctx.hub.emit('onNack', {
      ...this.answered(slot, info, now),
      ...(acceptedVersion !== undefined ? { acceptedVersion } : {}),
      error: e,
    });
  }

  /** Ends the stream with an error status naming the problem. */
  protected fail(e: unknown): void {
    if (this.closedFlag) return;
    const err =
      e instanceof StreamError ? e : new StreamError(grpc.status.INTERNAL, `xds server error: ${(e as Error)?.message ?? String(e)}`);
    if (!(e instanceof StreamError)) this.ctx.hub.emit('onError', e instanceof Error ? e : new Error(String(e)), this.info);
    this.close(err.code, err.message, true);
  }

  /**
   * Ends the stream: closes every watch (the cache forgets the stream), detaches its status and
   * sends the status to the client when it is still there.
   */
  close(code: grpc.status, details: string, sendStatus: boolean): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.records) this.ctx.board.detach(this.info.nodeKey!, this.info.id);
    for (const s of this.slots.values()) s.watch.close();
    this.slots.clear();
    this.ordered = [];
    this.queued = [];
    this.ctx.streams.delete(this as unknown as XdsStream<SotwWatch | DeltaWatch>);
    if (sendStatus) {
      try {
        if (code === grpc.status.OK) this.call.end();
        else this.call.emit('error', { code, details });
      } catch {
        /* the call is already gone */
      }
    }
    this.ctx.hub.emit('onStreamClosed', this.info, { code, details });
    this.resolveDone();
  }
}
