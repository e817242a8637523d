/**
 * Endpoints: `endpoints('api')` builds a ClusterLoadAssignment (the EDS resource, or a cluster's
 * inline `load_assignment`): localities with priorities and weights, endpoints with weights,
 * health status, hostnames and metadata, the overprovisioning factor and drop overloads.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto
 */
import { HealthStatus } from '../gen/envoy/config/core/v3/health_check.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint.js';
import type { LbEndpoint, LocalityLbEndpoints } from '../gen/envoy/config/endpoint/v3/endpoint_components.js';
import { MessageBuilder, deepCopy, fail, push, type Props } from './builder.js';
import { toAddress, type AddressInput } from './address.js';
import { enumValue, toFractionalPercent, toMetadata, type FractionalPercent, type Metadata } from './common.js';
import { parseDuration, type DurationInput } from './duration.js';

export type { ClusterLoadAssignment, LbEndpoint, LocalityLbEndpoints };

/** The health status of an endpoint, as EDS reports it. */
export type HealthStatusName = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

/** Options of one endpoint. */
export interface EndpointOptions {
  /**
   * Load balancing weight within its locality (1 or more).
   * @default 1
   */
  weight?: number;
  /**
   * The health status EDS reports (Envoy's active health checks may override it).
   * @default "UNKNOWN" (treated as healthy)
   */
  healthStatus?: HealthStatusName;
  /** The hostname (used for auto host rewrite and as the SNI/`Host` with some options). */
  hostname?: string;
  /** Metadata (`{ 'envoy.lb': { canary: true } }`), for subset load balancing and transport socket matches. */
  metadata?: Record<string, Record<string, unknown>> | Metadata;
  /** A port for active health checks other than the endpoint's. */
  healthCheckPort?: number;
}

/**
 * An LbEndpoint message: an address (`"10.0.0.1:8080"`...) and options.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint_components.proto#config-endpoint-v3-lbendpoint
 */
export function lbEndpoint(address: AddressInput, options: EndpointOptions = {}, path = 'lb_endpoints'): LbEndpoint {
  const endpoint: NonNullable<LbEndpoint['hostIdentifier']> & { $case: 'endpoint' } = {
    $case: 'endpoint',
    endpoint: { address: toAddress(address, `${path}.endpoint.address`) },
  };
  if (options.hostname) endpoint.endpoint.hostname = options.hostname;
  if (options.healthCheckPort !== undefined) endpoint.endpoint.healthCheckConfig = { portValue: options.healthCheckPort };
  const e: LbEndpoint = { hostIdentifier: endpoint };
  if (options.weight !== undefined) e.loadBalancingWeight = options.weight;
  if (options.healthStatus !== undefined && options.healthStatus !== 'UNKNOWN') {
    e.healthStatus = enumValue(HealthStatus, options.healthStatus, 'health status', `${path}.health_status`);
  }
  if (options.metadata) e.metadata = toMetadata(options.metadata);
  return e;
}

/** An endpoint as builders accept it: an address (string), `[address, options]`, or an LbEndpoint message. */
export type EndpointInput = string | [AddressInput, EndpointOptions] | LbEndpoint;

function toLbEndpoint(input: EndpointInput, path: string): LbEndpoint {
  if (typeof input === 'string') return lbEndpoint(input, {}, path);
  if (Array.isArray(input)) return lbEndpoint(input[0], input[1], path);
  return deepCopy(input);
}

/** A locality and its place in load balancing. */
export interface LocalityInput {
  region?: string;
  zone?: string;
  subZone?: string;
  /**
   * Priority (0 is the highest): traffic goes to priority 1 only as priority 0 loses health.
   * @default 0
   */
  priority?: number;
  /**
   * Locality weight (with locality weighted load balancing).
   * @default none
   */
  weight?: number;
  /** Locality metadata. */
  metadata?: Record<string, Record<string, unknown>> | Metadata;
}

/** What identifies a group of endpoints: its locality and priority. */
function localityKey(l: LocalityInput): string {
  return `${l.region ?? ''}\u0000${l.zone ?? ''}\u0000${l.subZone ?? ''}\u0000${l.priority ?? 0}`;
}

/**
 * Builds a ClusterLoadAssignment.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto#config-endpoint-v3-clusterloadassignment
 */
export class EndpointsBuilder extends MessageBuilder<ClusterLoadAssignment> {
  private readonly localityKeys = new Map<string, number>();
  private readonly dropCategories = new Set<string>();

  constructor(clusterName: string) {
    super('envoy.config.endpoint.v3.ClusterLoadAssignment', { clusterName });
  }

  protected get label(): string {
    return `endpoints ${JSON.stringify(this.draft.clusterName)}`;
  }

  /** The cluster (or EDS service) name these endpoints belong to. */
  get clusterName(): string {
    return this.draft.clusterName ?? '';
  }

  private group(locality: LocalityInput, key = localityKey(locality)): LocalityLbEndpoints {
    const at = this.localityKeys.get(key);
    if (at !== undefined) return this.draft.endpoints![at]!;
    const l: LocalityLbEndpoints = {};
    if (locality.region || locality.zone || locality.subZone) {
      l.locality = {};
      if (locality.region) l.locality.region = locality.region;
      if (locality.zone) l.locality.zone = locality.zone;
      if (locality.subZone) l.locality.subZone = locality.subZone;
    }
    if (locality.priority) l.priority = locality.priority;
    this.draft.endpoints = push(this.draft.endpoints, l);
    this.localityKeys.set(key, this.draft.endpoints.length - 1);
    return l;
  }

  /**
   * Adds a locality (region, zone, sub-zone, priority) with its endpoints. A locality given
   * twice at one priority throws: write all its endpoints in one call (or use
   * {@link endpoint} with `locality`).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint_components.proto#config-endpoint-v3-localitylbendpoints
   */
  locality(locality: LocalityInput, endpoints: EndpointInput[]): this {
    const key = localityKey(locality);
    if (this.localityKeys.has(key)) {
      const where = [locality.region, locality.zone, locality.subZone].filter(Boolean).join('/') || '(no locality)';
      fail(
        { path: 'endpoints', rule: 'unique', message: `locality ${where} at priority ${locality.priority ?? 0} is already added; each locality must be unique per priority`, value: locality },
        this.label,
      );
    }
    const l = this.group(locality, key);
    const i = this.localityKeys.get(key)!;
    if (locality.weight !== undefined) l.loadBalancingWeight = locality.weight;
    if (locality.metadata) l.metadata = toMetadata(locality.metadata);
    l.lbEndpoints = push(l.lbEndpoints, ...endpoints.map((e, j) => toLbEndpoint(e, `endpoints[${i}].lb_endpoints[${j}]`)));
    return this;
  }

  /**
   * Adds one endpoint, to the locality-less group at priority 0 unless `locality` says otherwise.
   * @default options no locality, priority 0, weight 1
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint_components.proto#config-endpoint-v3-lbendpoint
   */
  endpoint(address: AddressInput, options: EndpointOptions & { locality?: LocalityInput } = {}): this {
    const { locality = {}, ...rest } = options;
    const l = this.group(locality);
    l.lbEndpoints = push(l.lbEndpoints, lbEndpoint(address, rest));
    return this;
  }

  /**
   * Over-provisioning factor in percent: a priority level is considered fully available while
   * healthy hosts × factor / 100 ≥ 100%.
   * @default 140
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto#envoy-v3-api-field-config-endpoint-v3-clusterloadassignment-policy-overprovisioning-factor
   */
  overprovisioningFactor(percent: number): this {
    (this.draft.policy ??= {}).overprovisioningFactor = percent;
    return this;
  }

  /**
   * Drops `percent` of requests up front under category `category` (load shedding by the control
   * plane). A category given twice throws.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto#config-endpoint-v3-clusterloadassignment-policy-dropoverload
   */
  dropOverload(category: string, percent: number | FractionalPercent): this {
    if (this.dropCategories.has(category)) {
      fail({ path: 'policy.drop_overloads', rule: 'unique', message: `drop overload category ${JSON.stringify(category)} is already added; each category must be unique`, value: category }, this.label);
    }
    this.dropCategories.add(category);
    const p = (this.draft.policy ??= {});
    p.dropOverloads = push(p.dropOverloads, { category, dropPercentage: toFractionalPercent(percent, 'policy.drop_overloads.drop_percentage') });
    return this;
  }

  /**
   * Treats the assignment as stale (all endpoints unhealthy) when no EDS update came for this
   * long.
   * @default never stale
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint.proto#envoy-v3-api-field-config-endpoint-v3-clusterloadassignment-policy-endpoint-stale-after
   */
  endpointStaleAfter(duration: DurationInput): this {
    (this.draft.policy ??= {}).endpointStaleAfter = parseDuration(duration, 'policy.endpoint_stale_after');
    return this;
  }
}

/**
 * A ClusterLoadAssignment for cluster (or EDS service) `clusterName`.
 *
 * @example endpoints('api').locality({ zone: 'us-east-1a' }, ['10.0.0.1:8080', ['10.0.0.2:8080', { weight: 2 }]])
 */
export function endpoints(clusterName: string, props?: Props<EndpointsBuilder>): EndpointsBuilder {
  return new EndpointsBuilder(clusterName).props(props);
}
