/**
 * What the server tells its owner: stream lifecycle, requests, responses, ACKs and NACKs.
 *
 * Pass handlers in `createXdsServer({ onAck, onNack, ... })` or attach them later with
 * `server.subscribe({ ... })`. Handlers run synchronously on the event loop of the server: keep
 * them short (log, count), never block. An exception thrown by a handler is caught and reported
 * through `onError`; it never reaches the stream.
 */
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import type { Peer } from './auth.js';

/** The protocol variant of a stream. */
export type StreamKind = 'sotw' | 'delta';

/** A stream, as events describe it. */
export interface StreamInfo {
  /** A process-unique stream id. */
  readonly id: number;
  /** SotW or delta. */
  readonly kind: StreamKind;
  /** The gRPC method path (`/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources`). */
  readonly method: string;
  /** True for ADS (many types on one stream). */
  readonly ads: boolean;
  /** The peer: address and, with mTLS, certificate identity. */
  readonly peer: Peer;
  /** The node, from the first request that carried it (undefined before it). */
  readonly node?: Node;
  /** The node key the cache knows the node by (undefined before the first request). */
  readonly nodeKey?: string;
  /** When the stream opened (ms since the epoch). */
  readonly openedAt: number;
}

/** A request received. */
export interface RequestEvent {
  readonly stream: StreamInfo;
  readonly typeUrl: string;
  /** SotW: `version_info`. Delta: undefined. */
  readonly versionInfo?: string;
  /** The `response_nonce` (empty on a first or spontaneous request). */
  readonly nonce: string;
  /** SotW: the full list of names. Delta: the names subscribed by this request. */
  readonly resourceNames: readonly string[];
  /** Delta: the names unsubscribed by this request. */
  readonly unsubscribe?: readonly string[];
  /** True when the request carried a nonce the server no longer considers current. */
  readonly stale: boolean;
}

/** A response sent. */
export interface ResponseEvent {
  readonly stream: StreamInfo;
  readonly typeUrl: string;
  /** SotW `version_info` / delta `system_version_info`. */
  readonly version: string;
  readonly nonce: string;
  /** Names of the resources in the response. */
  readonly resourceNames: readonly string[];
  /** Delta: `removed_resources`. SotW: names dropped since the previous response. */
  readonly removed: readonly string[];
  /** Size of the response on the wire, in bytes. */
  readonly bytes: number;
}

/** The client applied a response. */
export interface AckEvent {
  readonly stream: StreamInfo;
  readonly node: Node;
  readonly nodeKey: string;
  readonly typeUrl: string;
  /** The version ACKed (SotW `version_info` of the response; delta `system_version_info`). */
  readonly version: string;
  readonly nonce: string;
  /** Names of the resources the acknowledged response carried. */
  readonly resourceNames: readonly string[];
  /** Milliseconds between sending the response and receiving its ACK. */
  readonly latencyMs: number;
}

/** The client rejected a response. */
export interface NackEvent extends Omit<AckEvent, 'version'> {
  /** The version the rejected response carried. */
  readonly version: string;
  /** SotW: the version the client still runs (the request's `version_info`). */
  readonly acceptedVersion?: string;
  /** The client's `error_detail`. */
  readonly error: { readonly code: number; readonly message: string };
}

/** The event handlers of an xDS server. Every one is optional. */
export interface XdsServerEvents {
  /** A stream opened (before its first request). */
  onStreamOpen?(stream: StreamInfo): void;
  /** A stream ended: by the client, an error, a refusal or shutdown. */
  onStreamClosed?(stream: StreamInfo, reason: { readonly code: number; readonly details: string }): void;
  /** A request arrived (after it was checked; stale requests included, flagged). */
  onRequest?(event: RequestEvent): void;
  /** A response was written. */
  onResponse?(event: ResponseEvent): void;
  /** A response was ACKed (once per nonce). */
  onAck?(event: AckEvent): void;
  /** A response was NACKed (once per nonce: repeated NACKs of the same nonce are not reported again). */
  onNack?(event: NackEvent): void;
  /** An event handler threw, or the cache failed answering a stream. */
  onError?(error: Error, stream?: StreamInfo): void;
}

/** The names of the event handlers. */
export const EVENT_NAMES = Object.freeze([
  'onStreamOpen',
  'onStreamClosed',
  'onRequest',
  'onResponse',
  'onAck',
  'onNack',
  'onError',
] as const satisfies readonly (keyof XdsServerEvents)[]);

/** A set of handler groups; emitting calls each group's handler, containing exceptions. */
export class EventHub {
  private readonly groups = new Set<XdsServerEvents>();

  /** Adds a group of handlers; returns the function that removes it. */
  add(handlers: XdsServerEvents): () => void {
    this.groups.add(handlers);
    return () => this.groups.delete(handlers);
  }

  /** True when some group handles the event (so callers can skip building its payload). */
  has(name: keyof XdsServerEvents): boolean {
    for (const g of this.groups) if (g[name]) return true;
    return false;
  }

  /** Calls every handler of an event; a throwing handler is reported to `onError`. */
  emit<K extends keyof XdsServerEvents>(name: K, ...args: Parameters<NonNullable<XdsServerEvents[K]>>): void {
    for (const g of this.groups) {
      const fn = g[name] as ((...a: unknown[]) => void) | undefined;
      if (!fn) continue;
      try {
        fn.apply(g, args);
      } catch (e) {
        if (name === 'onError') continue;
        this.emit('onError', e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
}
