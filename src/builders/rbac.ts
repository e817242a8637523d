/**
 * RBAC rules shared by the HTTP and the network RBAC filters: policies of permissions and
 * principals, enforced and shadow rules.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto
 */
import { RBAC_Action, type Permission as PermissionMessage, type Policy, type Principal as PrincipalMessage, type RBAC as RbacRules } from '../gen/envoy/config/rbac/v3/rbac.js';
import { toCidr, type CidrRange } from './address.js';
import { deepCopy, duplicate } from './builder.js';
import { enumValue, toHeaderMatcher, toStringMatcher, type HeaderMatchInput, type StringMatchInput } from './common.js';

export type { PermissionMessage, PrincipalMessage, Policy, RbacRules };

/** An RBAC action. `ALLOW`: only matching requests pass; `DENY`: matching requests are denied; `LOG`: matches are only logged. */
export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

/**
 * A policy: it matches when any permission and any principal match.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto#config-rbac-v3-policy
 */
export interface PolicyInput {
  /** What is accessed (at least one). */
  permissions: PermissionMessage[];
  /** Who accesses it (at least one). */
  principals: PrincipalMessage[];
}

/**
 * Static factories for RBAC Permission messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto#config-rbac-v3-permission
 */
export const Permission = Object.freeze({
  /** Any action. */
  any: (): PermissionMessage => ({ rule: { $case: 'any', any: true } }),
  /** A request header matches (HTTP only; `:method`, `:authority` and `:path` work too). */
  header: (name: string, match: HeaderMatchInput): PermissionMessage => ({ rule: { $case: 'header', header: toHeaderMatcher(name, match) } }),
  /** The HTTP method is `method`. */
  method: (method: string): PermissionMessage => Permission.header(':method', method),
  /** The request path (without query) matches. */
  path: (match: StringMatchInput): PermissionMessage => ({ rule: { $case: 'urlPath', urlPath: { rule: { $case: 'path', path: toStringMatcher(match) } } } }),
  /** The destination port is `port`. */
  destinationPort: (port: number): PermissionMessage => ({ rule: { $case: 'destinationPort', destinationPort: port } }),
  /** The destination IP is in the CIDR range. */
  destinationIp: (cidr: string | CidrRange): PermissionMessage => ({ rule: { $case: 'destinationIp', destinationIp: toCidr(cidr) } }),
  /** The TLS SNI matches. */
  serverName: (match: StringMatchInput): PermissionMessage => ({ rule: { $case: 'requestedServerName', requestedServerName: toStringMatcher(match) } }),
  /** All of the permissions match. */
  and: (...rules: PermissionMessage[]): PermissionMessage => ({ rule: { $case: 'andRules', andRules: { rules: deepCopy(rules) } } }),
  /** Any of the permissions matches. */
  or: (...rules: PermissionMessage[]): PermissionMessage => ({ rule: { $case: 'orRules', orRules: { rules: deepCopy(rules) } } }),
  /** The permission does not match. */
  not: (rule: PermissionMessage): PermissionMessage => ({ rule: { $case: 'notRule', notRule: deepCopy(rule) } }),
});

/**
 * Static factories for RBAC Principal messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto#config-rbac-v3-principal
 */
export const Principal = Object.freeze({
  /** Anyone. */
  any: (): PrincipalMessage => ({ identifier: { $case: 'any', any: true } }),
  /**
   * A peer authenticated by TLS whose certificate's URI SAN (else DNS SAN, else subject)
   * matches, e.g. `Match.prefix('spiffe://example.com/ns/shop/')`.
   */
  authenticated: (match: StringMatchInput): PrincipalMessage => ({
    identifier: { $case: 'authenticated', authenticated: { principalName: toStringMatcher(match) } },
  }),
  /** The downstream remote IP (after XFF handling) is in the CIDR range. */
  remoteIp: (cidr: string | CidrRange): PrincipalMessage => ({ identifier: { $case: 'remoteIp', remoteIp: toCidr(cidr) } }),
  /** The downstream connection's IP is in the CIDR range. */
  directRemoteIp: (cidr: string | CidrRange): PrincipalMessage => ({ identifier: { $case: 'directRemoteIp', directRemoteIp: toCidr(cidr) } }),
  /** A request header matches (HTTP only). */
  header: (name: string, match: HeaderMatchInput): PrincipalMessage => ({ identifier: { $case: 'header', header: toHeaderMatcher(name, match) } }),
  /** All of the principals match. */
  and: (...ids: PrincipalMessage[]): PrincipalMessage => ({ identifier: { $case: 'andIds', andIds: { ids: deepCopy(ids) } } }),
  /** Any of the principals matches. */
  or: (...ids: PrincipalMessage[]): PrincipalMessage => ({ identifier: { $case: 'orIds', orIds: { ids: deepCopy(ids) } } }),
  /** The principal does not match. */
  not: (id: PrincipalMessage): PrincipalMessage => ({ identifier: { $case: 'notId', notId: deepCopy(id) } }),
});

/** Sets the action of a rules message (created when absent). */
export function rulesWithAction(rules: RbacRules | undefined, action: RbacAction): RbacRules {
  const r = rules ?? {};
  const a = enumValue(RBAC_Action, action, 'rbac action');
  if (a === RBAC_Action.ALLOW) delete r.action;
  else r.action = a;
  return r;
}

/** Adds a named policy to a rules message (created when absent); a name used twice throws. */
export function rulesWithPolicy(rules: RbacRules | undefined, owner: string, path: string, name: string, policy: PolicyInput): RbacRules {
  const r = rules ?? {};
  r.policies ??= {};
  if (Object.prototype.hasOwnProperty.call(r.policies, name)) duplicate(owner, path, 'policy', name);
  r.policies[name] = { permissions: deepCopy(policy.permissions), principals: deepCopy(policy.principals) };
  return r;
}
