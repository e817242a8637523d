/**
 * Cluster rules by discovery type: EDS clusters say where endpoints come from, STATIC and DNS
 * clusters list them, LOGICAL_DNS has exactly one, ORIGINAL_DST uses CLUSTER_PROVIDED and no
 * endpoints.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery
 */
import { at, enumName, error, oneof, warning } from './util.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';

const DISCOVERY_TYPE = 'envoy.config.cluster.v3.Cluster.DiscoveryType';
const LB_POLICY = 'envoy.config.cluster.v3.Cluster.LbPolicy';

interface Cla {
  endpoints?: { lbEndpoints?: unknown[]; loadBalancerEndpoints?: unknown }[];
}

interface Cluster {
  name?: string;
  clusterDiscoveryType?: unknown;
  edsClusterConfig?: { edsConfig?: unknown; serviceName?: string };
  lbPolicy?: number;
  loadBalancingPolicy?: unknown;
  loadAssignment?: Cla;
  lbConfig?: unknown;
}

/** The discovery type of a cluster: `STATIC` (the default), `EDS`..., or `custom` for cluster_type. */
export function discoveryType(c: Cluster): string {
  if (oneof(c.clusterDiscoveryType, 'clusterType') !== undefined) return 'custom';
  return enumName(DISCOVERY_TYPE, oneof<number>(c.clusterDiscoveryType, 'type'));
}

function endpointCount(cla: Cla | undefined): { localities: number; endpoints: number } {
  const localities = cla?.endpoints ?? [];
  return { localities: localities.length, endpoints: localities.reduce((n, l) => n + (l.lbEndpoints?.length ?? 0), 0) };
}

const cluster: SemanticRule = (c: Cluster, path) => {
  const out: SemanticProblem[] = [];
  const type = discoveryType(c);
  const { localities, endpoints } = endpointCount(c.loadAssignment);
  const lb = enumName(LB_POLICY, c.lbPolicy);
  switch (type) {
    case 'EDS':
      if (!c.edsClusterConfig) {
        out.push(error(at(path, 'eds_cluster_config'), 'cluster.eds_config', 'an EDS cluster needs eds_cluster_config with an eds_config (for example ads: {}) saying where its endpoints come from'));
      } else if (!c.edsClusterConfig.edsConfig) {
        out.push(error(at(path, 'eds_cluster_config.eds_config'), 'cluster.eds_config', 'an EDS cluster needs eds_cluster_config.eds_config (for example ads: {}) saying where its endpoints come from'));
      }
      break;
    case 'STATIC':
    case 'STRICT_DNS':
      if (endpoints === 0) {
        out.push(
          warning(
            c.loadAssignment ? at(path, 'load_assignment') : path,
            'cluster.endpoints',
            `a ${type} cluster with no endpoints (load_assignment.endpoints[].lb_endpoints) fails every request with "no healthy upstream"`,
          ),
        );
      }
      break;
    case 'LOGICAL_DNS':
      if (localities !== 1 || endpoints !== 1) {
        out.push(
          error(
            c.loadAssignment ? at(path, 'load_assignment.endpoints') : at(path, 'load_assignment'),
            'cluster.logical_dns',
            `a LOGICAL_DNS cluster needs exactly one locality with exactly one lb_endpoint; it has ${localities} localit${localities === 1 ? 'y' : 'ies'} and ${endpoints} endpoint(s)`,
          ),
        );
      }
      break;
    case 'ORIGINAL_DST': {
      // Envoy's ORIGINAL_DST factory checks lb_policy itself, load_balancing_policy or not.
      if (lb !== 'CLUSTER_PROVIDED') {
        out.push(error(at(path, 'lb_policy'), 'cluster.original_dst', `an ORIGINAL_DST cluster needs lb_policy CLUSTER_PROVIDED, got ${lb}`, lb));
      }
      if (c.loadAssignment) {
        out.push(error(at(path, 'load_assignment'), 'cluster.original_dst', 'an ORIGINAL_DST cluster takes its endpoint from the connection: it must have no load_assignment'));
      }
      const od = oneof<{ useHttpHeader?: boolean; httpHeaderName?: string }>(c.lbConfig, 'originalDstLbConfig');
      if (od?.httpHeaderName && !od.useHttpHeader) {
        out.push(
          error(
            at(path, 'original_dst_lb_config.http_header_name'),
            'cluster.original_dst',
            `http_header_name ${JSON.stringify(od.httpHeaderName)} is set but use_http_header is false: set use_http_header to true to use it`,
            od.httpHeaderName,
          ),
        );
      }
      break;
    }
    default:
      break;
  }
  if (lb === 'CLUSTER_PROVIDED' && type !== 'ORIGINAL_DST' && type !== 'custom' && !c.loadBalancingPolicy) {
    out.push(error(at(path, 'lb_policy'), 'cluster.lb_policy', `lb_policy CLUSTER_PROVIDED is only valid for ORIGINAL_DST and custom clusters, not ${type}`, lb));
  }
  if (c.edsClusterConfig && type !== 'EDS') {
    out.push(warning(at(path, 'eds_cluster_config'), 'cluster.eds_config', `eds_cluster_config is ignored: the cluster is ${type}, not EDS`));
  }
  return out;
};

/** Rules by message type. */
export const clusterRules: RuleTable = {
  'envoy.config.cluster.v3.Cluster': [cluster],
};
