/**
 * A state-of-the-world stream: ADS (`StreamAggregatedResources`) or a per-type `Stream*` RPC.
 *
 * Per type, following the spec's "ACK/NACK and resource type instance version":
 * - every response gets a fresh nonce; the client answers it with `response_nonce`;
 * - a request whose nonce is not the newest one sent for its type is **stale** and ignored
 *   (spec, "Resource updates": "The management server should not send a DiscoveryResponse for
 *   any DiscoveryRequest that has a stale nonce"). Its subscription change is not lost: the
 *   client answers the newer response with its current `resource_names`, and that request is
 *   not stale. A nonce the server never sent on this stream (a client that reconnected and
 *   kept its old nonce) is not stale, just unknown: the request counts as a fresh one;
 * - ACK and NACK are told apart by `error_detail`, never by `version_info`: a client NACKs
 *   with the version it still runs (which may equal the rejected one's, or be the newer one
 *   when part of a response applied), and repeats the same `error_detail` and old nonce on its
 *   later requests until a new response arrives — so a NACK is keyed on `response_nonce` and
 *   reported once per nonce;
 * - sent and acknowledged versions are tracked apart (status), and a NACKed version is not
 *   resent: the cache's watch only has an update when the content changes (or the
 *   subscription asks for more).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-nack-and-resource-type-instance-version
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-updates
 * @internal
 */
import type { DiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery.js';
import type { SotwUpdate, SotwWatch, UpdateResource, DeltaWatch } from '../cache/watch.js';
import { XdsStream, type Inflight, type TypeSlot } from './stream.js';
import { encodeDiscoveryResponse } from './wire.js';

/**
 * The `version_info` suffix of a SotW response that still carries resources whose removal is
 * held back by make-before-break ordering (the final response, without them, has the plain
 * version).
 */
export const STAGED_VERSION_SUFFIX = '+staged';

/** @internal */
export class SotwStream extends XdsStream<SotwWatch> {
  /** Full-state types: what the client was last sent, by name (to hold removals back). */
  private readonly lastSent = new WeakMap<TypeSlot<SotwWatch>, Map<string, UpdateResource>>();
  /** The update held back while removals wait, sent when they may go. */
  private readonly held = new WeakMap<TypeSlot<SotwWatch>, SotwUpdate>();
  /** `holdUntilAllNamed`: updates taken but held until every named resource exists. */
  private readonly waiting = new WeakMap<TypeSlot<SotwWatch>, SotwUpdate>();

  protected openWatch(typeUrl: string, onReady: (w: SotwWatch | DeltaWatch) => void): SotwWatch {
    return this.ctx.cache.watchSotw({ typeUrl, node: this.info.node, onReady });
  }

  protected handle(message: unknown): void {
    const req = message as DiscoveryRequest;
    const typeUrl = this.typeOf(req.typeUrl);
    const names = req.resourceNames ?? [];
    this.checkNames(names.length + (req.resourceLocators?.length ?? 0));
    const nonce = req.responseNonce ?? '';
    const existing = this.slots.get(typeUrl);
    const stale = nonce !== '' && existing?.lastNonce !== undefined && nonce !== existing.lastNonce;
    if (this.ctx.hub.has('onRequest')) {
      this.ctx.hub.emit('onRequest', {
        stream: this.info,
        typeUrl,
        versionInfo: req.versionInfo ?? '',
        nonce,
        resourceNames: names,
        stale,
      });
    }
    if (stale) return;
    const slot = existing ?? this.slot(typeUrl);
    if (nonce !== '' && nonce === slot.lastNonce) {
      const info = slot.inflight.get(nonce);
      if (info) {
        slot.inflight.delete(nonce);
        if (req.errorDetail) this.nacked(slot, info, req.errorDetail, req.versionInfo ?? '');
        else this.acked(slot, info);
      }
    }
    slot.watch.request(req);
  }

  protected sendUpdate(slot: TypeSlot<SotwWatch>): boolean {
    let u = slot.watch.take();
    if (!u) return false;
    if (this.ctx.holdUntilAllNamed && this.info.ads) {
      u = this.holdUntilAllNamed(slot, u);
      if (!u) return false;
    }
    let resources: readonly UpdateResource[] = u.resources;
    let version = u.versionInfo;
    let removed: string[] = [];
    if (slot.watch.fullState && !u.heartbeat) {
      const prev = this.lastSent.get(slot);
      const next = new Map(u.resources.map((r) => [r.name, r]));
      const gone = prev ? [...prev.keys()].filter((n) => !next.has(n)) : [];
      const blockers = gone.length ? this.laterPending(slot) : undefined;
      if (blockers?.size) {
        // Make-before-break: keep the removed resources until the later types that stopped
        // referencing them have been sent; then the held update (without them) goes.
        const staged = [...u.resources, ...gone.map((n) => prev!.get(n)!)];
        resources = staged;
        version = u.versionInfo + STAGED_VERSION_SUFFIX;
        this.lastSent.set(slot, new Map(staged.map((r) => [r.name, r])));
        this.held.set(slot, u);
        slot.deferred = { blockers };
      } else {
        removed = gone;
        this.lastSent.set(slot, next);
        this.held.delete(slot);
        slot.deferred = undefined;
      }
    }
    this.send(slot, version, resources, removed);
    return true;
  }

  /**
   * go-control-plane's ADS rule, as an option: a response to a request that names resources
   * is held until every named resource exists. Updates taken meanwhile are merged by name
   * (the newest version of each wins; a name no longer subscribed is dropped), so nothing is
   * lost while holding. Off by default: the spec lets a server answer with what exists, and a
   * missing name then delays nothing else.
   */
  private holdUntilAllNamed(slot: TypeSlot<SotwWatch>, u: SotwUpdate): SotwUpdate | undefined {
    const prev = this.waiting.get(slot);
    let merged = u;
    if (prev && !slot.watch.fullState) {
      const byName = new Map(prev.resources.map((r) => [r.name, r]));
      for (const r of u.resources) byName.set(r.name, r);
      const sub = slot.watch.subscription;
      merged = { ...u, resources: [...byName.values()].filter((r) => sub.covers(r.name)), heartbeat: u.heartbeat && prev.heartbeat };
    }
    const sub = slot.watch.subscription;
    const view = slot.watch.view;
    if (!sub.wildcard && view) {
      for (const n of sub.names()) {
        if (!view.get(n)) {
          this.waiting.set(slot, merged);
          return undefined;
        }
      }
    }
    this.waiting.delete(slot);
    return merged;
  }

  protected sendDeferred(slot: TypeSlot<SotwWatch>): boolean {
    slot.deferred = undefined;
    if (slot.watch.pending) return this.sendUpdate(slot);
    const u = this.held.get(slot);
    this.held.delete(slot);
    if (!u) return false;
    const prev = this.lastSent.get(slot);
    const next = new Map(u.resources.map((r) => [r.name, r]));
    const removed = prev ? [...prev.keys()].filter((n) => !next.has(n)) : [];
    this.lastSent.set(slot, next);
    this.send(slot, u.versionInfo, u.resources, removed);
    return true;
  }

  private send(slot: TypeSlot<SotwWatch>, version: string, resources: readonly UpdateResource[], removed: readonly string[]): void {
    const nonce = this.nextNonce();
    const names = resources.map((r) => r.name);
    const inflight: Inflight = { nonce, version, names, at: Date.now() };
    // Only the newest response of a type can be answered: older nonces are stale now.
    slot.inflight.clear();
    slot.inflight.set(nonce, inflight);
    const bytes = encodeDiscoveryResponse({
      typeUrl: slot.typeUrl,
      versionInfo: version,
      nonce,
      resources,
      ...(this.ctx.controlPlane ? { controlPlane: this.ctx.controlPlane } : {}),
    });
    this.write(slot, bytes, inflight, removed);
  }
}
