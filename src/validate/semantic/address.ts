/**
 * Socket addresses: IP literals where Envoy does not resolve names, host names in DNS clusters,
 * numeric ports, and no port 0 for an upstream endpoint.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto#config-core-v3-socketaddress
 */
import { ancestor, relativePath } from './walk.js';
import { at, enumName, error, isHostname, isIpLiteral, oneof, show } from './util.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const DISCOVERY_TYPE = 'envoy.config.cluster.v3.Cluster.DiscoveryType';
const ENDPOINT = 'envoy.config.endpoint.v3.Endpoint';

/**
 * Where an address may be a host name: inside the `load_assignment` of a STRICT_DNS or
 * LOGICAL_DNS cluster, or the fields of extensions that exist to hold host names.
 */
const HOSTNAME_PARENTS = new Set([
  'envoy.extensions.common.dynamic_forward_proxy.v3.DnsCacheConfig',
  'envoy.extensions.clusters.dynamic_forward_proxy.v3.SubClustersConfig',
  'envoy.config.core.v3.Node',
]);

type AddressContext = 'ip' | 'hostname' | 'any';

function contextOf(visit: Parameters<SemanticRule>[2]['visit']): { kind: AddressContext; clusterType?: string } {
  const cluster = ancestor(visit, CLUSTER);
  if (cluster && relativePath(visit, cluster).startsWith('load_assignment')) {
    const c = cluster.message as { clusterDiscoveryType?: unknown };
    if (oneof(c.clusterDiscoveryType, 'clusterType') !== undefined) return { kind: 'any' }; // a custom cluster decides
    const type = enumName(DISCOVERY_TYPE, oneof<number>(c.clusterDiscoveryType, 'type'));
    if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') return { kind: 'hostname', clusterType: type };
    return { kind: 'ip', clusterType: type };
  }
  for (let v = visit.parent; v; v = v.parent) {
    if (v.type === 'envoy.config.core.v3.Address') continue;
    if (HOSTNAME_PARENTS.has(v.type)) return { kind: 'any' };
    break;
  }
  return { kind: 'ip' };
}

/** `address.ip`, `address.hostname`, `address.named_port`, `address.port`. */
const socketAddress: SemanticRule = (sa: { address?: string; resolverName?: string; portSpecifier?: unknown }, path, ctx) => {
  const out: SemanticProblem[] = [];
  const address = sa.address ?? '';
  const { kind, clusterType } = contextOf(ctx.visit);
  if (address && !sa.resolverName && kind !== 'any' && !isIpLiteral(address)) {
    if (kind === 'ip') {
      out.push(
        error(
          at(path, 'address'),
          'address.ip',
          `${show(address)} is not an ip address: envoy resolves host names only in STRICT_DNS or LOGICAL_DNS clusters` +
            `${clusterType ? ` (this cluster is ${clusterType})` : ''}; use an ip literal or set resolver_name`,
          address,
        ),
      );
    } else if (!isHostname(address)) {
      out.push(error(at(path, 'address'), 'address.hostname', `${show(address)} is neither an ip address nor a valid host name`, address));
    }
  }
  const named = oneof<string>(sa.portSpecifier, 'namedPort');
  if (named !== undefined) {
    out.push(error(at(path, 'named_port'), 'address.named_port', `named_port ${show(named)} is not supported by envoy; use port_value`, named));
  }
  const port = oneof<number>(sa.portSpecifier, 'portValue');
  const endpoint = ancestor(ctx.visit, ENDPOINT);
  if (port === 0 && endpoint && !relativePath(ctx.visit, endpoint).startsWith('health_check_config')) {
    out.push(
      error(
        at(path, 'port_value'),
        'address.port',
        'an upstream endpoint needs a port from 1 to 65535, got 0 (port 0 is only meaningful where envoy binds: listeners, admin, source addresses)',
        0,
      ),
    );
  }
  return out;
};

/** Rules by message type. */
export const addressRules: RuleTable = {
  'envoy.config.core.v3.SocketAddress': [socketAddress],
};
