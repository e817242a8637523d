/**
 * The ADS send order: one frozen table.
 *
 * xDS is eventually consistent: each type is its own stream of updates, and a client applies
 * what it gets as it gets it. When one change touches several types, the order of the
 * responses decides whether the client briefly points at something it does not have yet (a route
 * to an unknown cluster: 503s; a cluster with no endpoints: an outage). The spec's section
 * "Eventual consistency considerations" gives the make-before-break order for a management
 * server on ADS:
 *
 * 1. CDS updates (if any) first;
 * 2. EDS updates after the CDS updates of their clusters;
 * 3. LDS updates after the CDS/EDS updates they depend on;
 * 4. RDS updates for the new listeners after CDS/EDS/LDS;
 * 5. then stale clusters and endpoints (no longer referenced) may be removed.
 *
 * Secrets (SDS) go before the clusters and listeners whose transport sockets use them, and
 * runtime layers (RTDS) first of all. Types that a client only subscribes to when another type
 * names them (RDS after LDS, SRDS after LDS, VHDS after RDS, ECDS after LDS) follow what names
 * them. A type this table does not list goes last, in type URL order.
 *
 * Removals go after additions: a resource that disappears from a full-state type (a cluster, a
 * listener) is removed only once the responses of the later types in the same change — those
 * that stopped referencing it — have been sent (and, with `waitForAck`, acknowledged).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#eventual-consistency-considerations
 */
import { TypeUrl } from '../registry/type-urls.js';

/** The ADS make-before-break order of the xDS resource types (index 0 is sent first). */
export const ADS_ORDER: readonly string[] = Object.freeze([
  TypeUrl.Runtime,
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.LbEndpoint,
  TypeUrl.Listener,
  TypeUrl.TypedExtensionConfig,
  TypeUrl.ScopedRouteConfiguration,
  TypeUrl.RouteConfiguration,
  TypeUrl.VirtualHost,
]);

const RANK = new Map(ADS_ORDER.map((t, i) => [t, i]));

/** The position of a type in {@link ADS_ORDER}; unknown types rank after every known one. */
export function orderRank(typeUrl: string): number {
  return RANK.get(typeUrl) ?? ADS_ORDER.length;
}

/** Sorts type URLs in ADS send order (unknown types last, by type URL). */
export function compareTypeOrder(a: string, b: string): number {
  return orderRank(a) - orderRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Types whose SotW responses carry the whole set of the client's resources, so that a
 * resource missing from a response is deleted by the client: LDS and CDS (and SRDS, whose
 * scopes are one set). For the others, a response may hold a subset and absence means nothing.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#grouping-resources-into-responses
 */
export const FULL_STATE_TYPES: ReadonlySet<string> = new Set([TypeUrl.Listener, TypeUrl.Cluster, TypeUrl.ScopedRouteConfiguration]);

/** How a server orders responses across types on an ADS stream. */
export interface OrderingOptions {
  /**
   * `make-before-break`: types in {@link ADS_ORDER}, removals after additions.
   * `none`: each type is sent as soon as it changes, removals included.
   * @default 'make-before-break'
   */
  readonly mode?: 'make-before-break' | 'none';
  /**
   * Wait for the ACK (or NACK) of a type's response before sending the next type of the same
   * change. Slower (one round trip per type) but strict: the client has applied the clusters
   * before it sees the routes.
   * @default false
   */
  readonly waitForAck?: boolean;
}
