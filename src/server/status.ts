/**
 * What each node holds: per node and type, the version last sent, the version last ACKed, the
 * last NACK (error, nonce, time) and whether something is pending.
 *
 * Sent and acknowledged versions are kept apart, as the spec's "ACK/NACK and resource type
 * instance version" section requires: a client runs the last version it ACKed, not the last one
 * it was sent; after a NACK it keeps running the previous one.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-nack-and-resource-type-instance-version
 */
import type { Node } from '../gen/envoy/config/core/v3/base.js';

/** The last NACK of a type. */
export interface NackStatus {
  /** The client's `error_detail.message`. */
  readonly error: string;
  /** The client's `error_detail.code` (a google.rpc.Code). */
  readonly code: number;
  /** The nonce of the rejected response. */
  readonly nonce: string;
  /** The version the rejected response carried. */
  readonly version: string;
  /** When the NACK arrived. */
  readonly at: Date;
}

/** The status of one type for one node. */
export interface TypeStatus {
  readonly typeUrl: string;
  /** The version of the last response sent (undefined before the first). */
  readonly sentVersion?: string;
  readonly sentNonce?: string;
  readonly sentAt?: Date;
  /** The version of the last response ACKed: what the node runs. */
  readonly ackedVersion?: string;
  readonly ackedNonce?: string;
  readonly ackedAt?: Date;
  /** The last NACK, until a later response is ACKed. */
  readonly lastNack?: NackStatus;
  /**
   * True while a response is sent and not yet ACKed or NACKed, or an update waits to be sent
   * (a slow stream, or ordering holding it behind another type).
   */
  readonly pending: boolean;
  /** Names subscribed to (`['*']` for a wildcard subscription). */
  readonly subscribed: readonly string[];
  /** Number of resources of the type the node was last sent. */
  readonly resources: number;
}

/** The status of one node (a node key: streams of nodes with the same key are merged). */
export interface NodeStatus {
  /** The node key (what the cache keys snapshots by). */
  readonly key: string;
  /** The node, as its last stream sent it. */
  readonly node: Node;
  /** Open streams of the node. */
  readonly streams: number;
  /** When the last stream of the node closed (undefined while connected). */
  readonly disconnectedAt?: Date;
  /** Per type, in type URL order. */
  readonly types: readonly TypeStatus[];
}

/** @internal The mutable record a stream updates for one of its types. */
export class TypeRecord {
  sentVersion?: string;
  sentNonce?: string;
  sentAt?: number;
  ackedVersion?: string;
  ackedNonce?: string;
  ackedAt?: number;
  lastNack?: NackStatus;
  /** An update is waiting to be sent. */
  queued = false;
  /** A response is on the wire, not yet answered. */
  awaiting = false;
  /** Where the live subscription and resource count come from (the stream's watch). */
  source?: { subscribed(): string[]; resources(): number };
  private lastSubscribed: readonly string[] = [];
  private lastResources = 0;
  constructor(readonly typeUrl: string) {}

  /** Freezes the live values (the stream closed: its watch is gone). */
  detachSource(): void {
    if (!this.source) return;
    this.lastSubscribed = this.source.subscribed();
    this.lastResources = this.source.resources();
    this.source = undefined;
  }

  snapshot(): TypeStatus {
    const d = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
    return Object.freeze({
      typeUrl: this.typeUrl,
      ...(this.sentVersion !== undefined ? { sentVersion: this.sentVersion, sentNonce: this.sentNonce, sentAt: d(this.sentAt) } : {}),
      ...(this.ackedVersion !== undefined ? { ackedVersion: this.ackedVersion, ackedNonce: this.ackedNonce, ackedAt: d(this.ackedAt) } : {}),
      ...(this.lastNack ? { lastNack: this.lastNack } : {}),
      pending: this.queued || this.awaiting,
      subscribed: this.source ? this.source.subscribed() : [...this.lastSubscribed],
      resources: this.source ? this.source.resources() : this.lastResources,
    } as TypeStatus);
  }
}

interface NodeRecord {
  key: string;
  node: Node;
  /** Open streams, each with its type records. */
  streams: Map<number, Map<string, TypeRecord>>;
  /** Type records of closed streams, kept while the node is retained. */
  closed: Map<string, TypeRecord>;
  disconnectedAt?: number;
}

/**
 * The status of every node with a stream, and of nodes whose last stream closed less than
 * `retentionMs` ago.
 *
 * @internal Made by the server; read it through `server.status()`.
 */
export class StatusBoard {
  private readonly nodes = new Map<string, NodeRecord>();

  /**
   * @param retentionMs how long a node stays in the status after its last stream closed
   */
  constructor(private readonly retentionMs: number) {}

  /** Registers an open stream of a node; returns the map its type records go into. */
  attach(key: string, node: Node, streamId: number): Map<string, TypeRecord> {
    let rec = this.nodes.get(key);
    if (!rec) this.nodes.set(key, (rec = { key, node, streams: new Map(), closed: new Map() }));
    rec.node = node;
    rec.disconnectedAt = undefined;
    const types = new Map<string, TypeRecord>();
    rec.streams.set(streamId, types);
    return types;
  }

  /** A stream of a node closed: its records are kept for the retention time. */
  detach(key: string, streamId: number): void {
    const rec = this.nodes.get(key);
    const types = rec?.streams.get(streamId);
    if (!rec || !types) return;
    rec.streams.delete(streamId);
    for (const [t, r] of types) {
      r.detachSource();
      r.awaiting = false;
      r.queued = false;
      rec.closed.set(t, r);
    }
    if (rec.streams.size === 0) {
      rec.disconnectedAt = Date.now();
      if (this.retentionMs <= 0) this.nodes.delete(key);
    }
  }

  private prune(now = Date.now()): void {
    for (const [key, rec] of this.nodes) {
      if (rec.streams.size === 0 && rec.disconnectedAt !== undefined && now - rec.disconnectedAt >= this.retentionMs) this.nodes.delete(key);
    }
  }

  private merged(rec: NodeRecord): Map<string, TypeRecord> {
    const out = new Map<string, TypeRecord>(rec.closed);
    // Open streams override what closed ones left; the most recently sent record wins.
    for (const types of rec.streams.values()) {
      for (const [t, r] of types) {
        const prev = out.get(t);
        if (!prev || rec.closed.get(t) === prev || (r.sentAt ?? 0) >= (prev.sentAt ?? 0)) out.set(t, r);
      }
    }
    return out;
  }

  private node(rec: NodeRecord): NodeStatus {
    const types = [...this.merged(rec).values()].sort((a, b) => (a.typeUrl < b.typeUrl ? -1 : a.typeUrl > b.typeUrl ? 1 : 0));
    return Object.freeze({
      key: rec.key,
      node: rec.node,
      streams: rec.streams.size,
      ...(rec.disconnectedAt !== undefined ? { disconnectedAt: new Date(rec.disconnectedAt) } : {}),
      types: Object.freeze(types.map((r) => r.snapshot())),
    });
  }

  /** Every node's status, by node key. */
  all(): NodeStatus[] {
    this.prune();
    return [...this.nodes.values()].map((r) => this.node(r)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** One node's status. */
  get(key: string): NodeStatus | undefined {
    this.prune();
    const rec = this.nodes.get(key);
    return rec && this.node(rec);
  }

  /** Number of nodes in the status (connected, or retained). */
  get size(): number {
    this.prune();
    return this.nodes.size;
  }
}
