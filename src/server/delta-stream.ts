/**
 * A delta (incremental) stream: ADS (`DeltaAggregatedResources`) or a per-type `Delta*` RPC.
 *
 * Per the spec's "Incremental xDS" section:
 * - a request either answers a response (`response_nonce` set: an ACK, or a NACK when
 *   `error_detail` is set) or is spontaneous (no nonce: subscribe / unsubscribe);
 * - several responses may be unanswered at once, each answered by its own nonce; an answer to
 *   a nonce the server does not know (or already had answered) is not counted again;
 * - changes to the subscription are honoured whatever the nonce, stale or not (spec: "the
 *   server must honor changes to the subscription state even if the nonce is stale");
 * - the first request of a type may carry `initial_resource_versions` (a reconnecting client's
 *   state): only what differs is sent, and what it holds that no longer exists is removed;
 * - a NACKed resource version is not resent: the watch records it as sent, and sends the
 *   resource again only when its content changes.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#incremental-xds
 * @internal
 */
import type { DeltaDiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery.js';
import type { DeltaWatch, SotwWatch, UpdateResource } from '../cache/watch.js';
import { XdsStream, type Inflight, type TypeSlot } from './stream.js';
import { encodeDeltaDiscoveryResponse } from './wire.js';

/** Unanswered responses remembered per type (older ones are forgotten: their ACKs are ignored). */
const MAX_INFLIGHT = 32;

/** @internal */
export class DeltaStream extends XdsStream<DeltaWatch> {
  /** Removals held back by make-before-break ordering, per type. */
  private readonly heldRemovals = new WeakMap<TypeSlot<DeltaWatch>, Set<string>>();
  /** The last `system_version_info` of each type. */
  private readonly versions = new WeakMap<TypeSlot<DeltaWatch>, string>();

  protected openWatch(typeUrl: string, onReady: (w: SotwWatch | DeltaWatch) => void): DeltaWatch {
    return this.ctx.cache.watchDelta({ typeUrl, node: this.info.node, onReady });
  }

  protected handle(message: unknown): void {
    const req = message as DeltaDiscoveryRequest;
    const typeUrl = this.typeOf(req.typeUrl);
    const sub = req.resourceNamesSubscribe ?? [];
    const unsub = req.resourceNamesUnsubscribe ?? [];
    this.checkNames(
      sub.length + unsub.length + (req.resourceLocatorsSubscribe?.length ?? 0) + (req.resourceLocatorsUnsubscribe?.length ?? 0),
    );
    const initial = req.initialResourceVersions ? Object.keys(req.initialResourceVersions).length : 0;
    this.checkNames(initial);
    const nonce = req.responseNonce ?? '';
    const existing = this.slots.get(typeUrl);
    const info = nonce ? existing?.inflight.get(nonce) : undefined;
    if (this.ctx.hub.has('onRequest')) {
      this.ctx.hub.emit('onRequest', {
        stream: this.info,
        typeUrl,
        nonce,
        resourceNames: sub,
        unsubscribe: unsub,
        stale: nonce !== '' && !info,
      });
    }
    const slot = existing ?? this.slot(typeUrl);
    if (info) {
      slot.inflight.delete(nonce);
      if (req.errorDetail) this.nacked(slot, info, req.errorDetail);
      else this.acked(slot, info);
    }
    if (!existing || sub.length || unsub.length) slot.watch.request(req);
  }

  protected sendUpdate(slot: TypeSlot<DeltaWatch>): boolean {
    const u = slot.watch.take();
    if (!u) return false;
    this.versions.set(slot, u.systemVersionInfo);
    let removed = u.removed;
    const held = this.heldRemovals.get(slot);
    if (held) for (const r of u.resources) held.delete(r.name);
    if (removed.length) {
      const blockers = this.laterPending(slot);
      if (blockers.size) {
        // Make-before-break: these names go once the later types that referenced them are sent.
        const set = held ?? new Set<string>();
        for (const n of removed) set.add(n);
        this.heldRemovals.set(slot, set);
        if (slot.deferred) for (const b of blockers) slot.deferred.blockers.add(b);
        else slot.deferred = { blockers };
        removed = [];
      }
    }
    if (!u.resources.length && !removed.length) return false;
    this.send(slot, u.systemVersionInfo, u.resources, removed);
    return true;
  }

  protected sendDeferred(slot: TypeSlot<DeltaWatch>): boolean {
    slot.deferred = undefined;
    const held = this.heldRemovals.get(slot);
    this.heldRemovals.delete(slot);
    if (!held?.size) return false;
    this.send(slot, this.versions.get(slot) ?? '', [], [...held]);
    return true;
  }

  private send(slot: TypeSlot<DeltaWatch>, version: string, resources: readonly UpdateResource[], removed: readonly string[]): void {
    const nonce = this.nextNonce();
    const inflight: Inflight = { nonce, version, names: resources.map((r) => r.name), at: Date.now() };
    slot.inflight.set(nonce, inflight);
    if (slot.inflight.size > MAX_INFLIGHT) slot.inflight.delete(slot.inflight.keys().next().value!);
    const bytes = encodeDeltaDiscoveryResponse({
      typeUrl: slot.typeUrl,
      systemVersionInfo: version,
      nonce,
      resources,
      removed,
      ...(this.ctx.controlPlane ? { controlPlane: this.ctx.controlPlane } : {}),
    });
    this.write(slot, bytes, inflight, removed);
  }
}
