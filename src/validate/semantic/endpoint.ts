/**
 * Endpoint rules: every lb endpoint has an address.
 *
 * Addresses themselves (IP literals, ports) are checked by the address rules wherever they
 * appear, in an EDS ClusterLoadAssignment as in a cluster's load_assignment.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/endpoint/v3/endpoint_components.proto
 */
import { at, error, oneof } from './util.js';
import type { RuleTable, SemanticRule } from './types.js';

/** `endpoint.address`: an lb endpoint names an endpoint with an address. */
const lbEndpoint: SemanticRule = (e: { hostIdentifier?: unknown }, path) => {
  const endpoint = oneof<{ address?: unknown }>(e.hostIdentifier, 'endpoint');
  if (oneof(e.hostIdentifier, 'endpointName') !== undefined) return [];
  if (!endpoint) return [error(at(path, 'endpoint'), 'endpoint.address', 'an lb endpoint needs an endpoint with an address')];
  if (!endpoint.address) return [error(at(path, 'endpoint.address'), 'endpoint.address', 'an lb endpoint needs an address (socket_address, pipe or envoy_internal_address)')];
  return [];
};

/** Rules by message type. */
export const endpointRules: RuleTable = {
  'envoy.config.endpoint.v3.LbEndpoint': [lbEndpoint],
};
