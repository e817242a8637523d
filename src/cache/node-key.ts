/**
 * Node keys: which snapshot a client gets. The key function maps the `Node` of a stream's first
 * request to the key snapshots are set under.
 */
import type { Node } from '../gen/envoy/config/core/v3/base.js';

/** Maps a client's `Node` to the key of the snapshot it is served. */
export type NodeKeyFn = (node: Node | undefined) => string;

/**
 * One snapshot per node id (`node.id`) — the default.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#envoy-v3-api-msg-config-core-v3-node
 */
export const byNodeId: NodeKeyFn = (node) => node?.id ?? '';

/** One snapshot per node cluster (`node.cluster`): every replica of a service shares one. */
export const byNodeCluster: NodeKeyFn = (node) => node?.cluster ?? '';

/**
 * One snapshot per value of a node metadata field (a string in `node.metadata`), e.g. a role or
 * a tenant; nodes without it get `fallback`.
 *
 * @example new SnapshotCache({ nodeKey: byMetadata('role', 'default') })
 */
export function byMetadata(field: string, fallback = ''): NodeKeyFn {
  return (node) => {
    const v = (node?.metadata as Record<string, unknown> | undefined)?.[field];
    return typeof v === 'string' ? v : fallback;
  };
}
