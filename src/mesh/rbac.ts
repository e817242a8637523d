/**
 * An RBAC model — users, roles, permissions, a role hierarchy and constraints (the four classic
 * models RBAC0–RBAC3 of Sandhu et al.) — compiled to Envoy's flat RBAC: a map of policies, each
 * "any permission AND any principal".
 *
 * - RBAC0: users (identified by SPIFFE ids, headers, JWT claims, source IPs), roles with
 *   permissions (host, method, path, port, header, destination IP), assignments many-to-many.
 * - RBAC1: roles inherit their parents' permissions (`inherits`), flattened at compile time; a
 *   cycle is an error.
 * - RBAC2: constraints: static separation of duty (no user holds two conflicting roles; a
 *   compile error names both roles and the user), cardinality (`maxUsers` per role,
 *   `maxRolesPerUser`), dynamic separation of duty (roles that may not be active in one
 *   request: a DENY policy, evaluated before the ALLOW policies).
 * - RBAC3: RBAC1 and RBAC2 together; constraints see inherited roles.
 *
 * Output: an ALLOW `envoy.config.rbac.v3.RBAC` with one policy per role and rule, named
 * `role[NAME]-rule[i]`, and, when there are dynamic constraints, a DENY RBAC with policies
 * `dsd[NAME]-rule[i]`; filters put the DENY filter before the ALLOW one. Shadow mode puts both
 * in `shadow_rules` (Envoy evaluates and reports, but does not enforce).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
import { RE2JS } from 're2js';
import { RBAC_Action, type Permission, type Policy, type Principal, type RBAC } from '../gen/envoy/config/rbac/v3/rbac.js';
import type { HeaderMatcher } from '../gen/envoy/config/route/v3/route_components.js';
import type { StringMatcher } from '../gen/envoy/type/matcher/v3/string.js';
import type { ValueMatcher } from '../gen/envoy/type/matcher/v3/value.js';
import { XdsValidationError, show, type Problem } from '../registry/errors.js';
import { parseCidr } from './ip.js';
import { JWT_AUTHN_FILTER, JWT_PAYLOAD_KEY } from './rbac-match.js';

// ---------------------------------------------------------------------------------------------
// The model.

/** The four classic RBAC models. */
export type RbacModelKind = 'RBAC0' | 'RBAC1' | 'RBAC2' | 'RBAC3';

/**
 * A string match: a plain string in Istio's style (`/api/*` prefix, `*.png` suffix, `*` any
 * value, otherwise exact), or an object with one of `exact`, `prefix`, `suffix`, `contains`,
 * `regex` (RE2, full match).
 */
export type StringMatchSpec =
  | string
  | { exact?: string; prefix?: string; suffix?: string; contains?: string; regex?: string; ignoreCase?: boolean };

/** A header condition: the header `name` and one matcher (none: the header is present). */
export interface HeaderSpec {
  /** Header name (lower-case; pseudo-headers like `:authority` work). */
  name: string;
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  /** RE2 regular expression, full match. */
  regex?: string;
  /** True: the header is present; false: it is absent. */
  present?: boolean;
  /** Inverts the match. @default false */
  invert?: boolean;
}

/** A JWT claim condition, matched in the `jwt_authn` filter's dynamic metadata. */
export interface JwtClaimSpec {
  /** The claim (`sub`, `groups`), or a path into nested claims (`[realm_access, roles]`). */
  claim: string | string[];
  /** The value, or any of several; a claim holding a list matches when one element matches. */
  value: string | string[];
}

/**
 * How a user is recognised. Fields are ANDed; within `spiffe`, `sourceIp` and `remoteIp` any
 * value may match; every `header` and every `jwt` condition must hold.
 */
export interface PrincipalSpec {
  /** SPIFFE id(s) of the peer's certificate (URI SAN); `spiffe://` is added when missing; a trailing `*` matches a prefix. */
  spiffe?: string | string[];
  /** Any peer with a client certificate (mTLS). */
  authenticated?: boolean;
  /** Request header condition(s) (HTTP only). */
  header?: HeaderSpec | HeaderSpec[];
  /** JWT claim condition(s), as verified by `jwt_authn` (HTTP only). */
  jwt?: JwtClaimSpec | JwtClaimSpec[];
  /** Source CIDR(s) of the downstream connection (`direct_remote_ip`). */
  sourceIp?: string | string[];
  /** Client CIDR(s) after `x-forwarded-for` (`remote_ip`). */
  remoteIp?: string | string[];
  /** Anyone. */
  any?: boolean;
  /** Anyone the nested principal does not match. */
  not?: PrincipalSpec;
}

/**
 * What a rule permits. Fields are ANDed; within `hosts`, `methods`, `paths`, `ports` and
 * `destinationIps` any value may match; every `headers` condition must hold. An empty rule
 * permits everything.
 */
export interface PermissionSpec {
  /** `:authority` values, case-insensitive (HTTP only). */
  hosts?: string[];
  /** HTTP methods (HTTP only). */
  methods?: string[];
  /** URL paths without the query (HTTP only). */
  paths?: StringMatchSpec[];
  /** Destination ports. */
  ports?: number[];
  /** Header conditions (HTTP only). */
  headers?: HeaderSpec[];
  /** Destination CIDRs. */
  destinationIps?: string[];
  /** Everything. */
  any?: boolean;
  /** Everything the nested rule does not permit. */
  not?: PermissionSpec;
}

/** A role: its permissions, the roles it inherits (RBAC1) and how many users it may have (RBAC2). */
export interface RoleSpec {
  /** The rules of this role (each one becomes a policy). @default [] */
  permissions?: PermissionSpec[];
  /** Parent roles whose permissions this role inherits (RBAC1/RBAC3). @default [] */
  inherits?: string[];
  /** At most this many users may be assigned this role (RBAC2/RBAC3). @default unlimited */
  maxUsers?: number;
  /** Free text, ignored. */
  description?: string;
}

/** A user: how requests are recognised as theirs, and the roles assigned to them. */
export interface UserSpec {
  /** One principal, or several (any of them identifies the user). */
  principals: PrincipalSpec | PrincipalSpec[];
  /** Roles assigned to this user. @default [] */
  roles?: string[];
}

/** A separation-of-duty constraint: no user (static) or request (dynamic) holds `limit` of `roles`. */
export interface SeparationSpec {
  /** Name used in errors and DENY policy names. @default "ssd0", "dsd0"... by position */
  name?: string;
  /** The conflicting roles (at least two). */
  roles: string[];
  /** How many of them make a conflict (2 ≤ limit ≤ roles.length). @default 2 */
  limit?: number;
}

/** The constraints of RBAC2/RBAC3. */
export interface ConstraintsSpec {
  /** Static separation of duty: checked at compile time against assignments. @default [] */
  staticSeparation?: SeparationSpec[];
  /** Dynamic separation of duty: compiled into DENY policies. @default [] */
  dynamicSeparation?: SeparationSpec[];
  /** At most this many roles assigned to one user. @default unlimited */
  maxRolesPerUser?: number;
}

/** An RBAC model: users, roles and (RBAC2/3) constraints. */
export interface RbacModel {
  /** The model this is meant to be; features beyond it are errors. @default inferred from the features used */
  model?: RbacModelKind;
  /** Users by name. */
  users: Record<string, UserSpec>;
  /** Roles by name. */
  roles: Record<string, RoleSpec>;
  /** Constraints (RBAC2/RBAC3). */
  constraints?: ConstraintsSpec;
}

/** How to compile a model. */
export interface RbacCompileOptions {
  /** `http` for the HTTP RBAC filter, `tcp` for the network RBAC filter. @default "http" */
  protocol?: 'http' | 'tcp';
  /** Put the rules in `shadow_rules`: evaluated and reported, never enforced. @default false */
  shadow?: boolean;
  /**
   * On a TCP chain, what to do with HTTP-only conditions (hosts, methods, paths, headers, JWT):
   * `error` rejects the model; `istio` does what Istio does: an ALLOW rule using them is
   * dropped (a principal alternative using them is dropped), a DENY policy ignores them (so it
   * denies more).
   * @default "error"
   */
  tcpHttpFields?: 'error' | 'istio';
  /** Where `jwt_authn` puts verified claims (`payload_in_metadata`). */
  jwt?: { filter?: string; payloadKey?: string };
  /** Trust domain added to SPIFFE ids written as `ns/x/sa/y`. @default "cluster.local" */
  trustDomain?: string;
}

/** Where a compiled policy came from. */
export type PolicySource =
  | {
      action: 'ALLOW';
      /** The role the policy belongs to. */
      role: string;
      /** The index of the rule among the role's flattened rules. */
      rule: number;
      /** The role that declared the rule (differs from `role` when inherited). */
      from: string;
      /** The index of the rule in `from`'s own `permissions`. */
      fromIndex: number;
      /** The user behind each entry of the policy's `principals`. */
      principalUsers: string[];
    }
  | {
      action: 'DENY';
      /** The dynamic separation constraint. */
      constraint: string;
      /** The roles that may not be active together in this policy. */
      roles: string[];
    };

/** Something compilation left out (only with `tcpHttpFields: 'istio'`). */
export interface DroppedRule {
  /** What was dropped: a policy, a principal alternative, or ignored fields of a DENY policy. */
  kind: 'policy' | 'principal' | 'fields';
  /** The policy name. */
  policy: string;
  /** Why. */
  reason: string;
}

/** The compiled model: Envoy RBAC messages and where each policy came from. */
export interface CompiledRbac {
  /** The model (declared or inferred). */
  model: RbacModelKind;
  /** The filter kind it was compiled for. */
  protocol: 'http' | 'tcp';
  /** True when the rules are shadow (dry-run) rules. */
  shadow: boolean;
  /** The DENY rules (dynamic separation of duty), evaluated first; absent when there are none. */
  deny?: RBAC;
  /** The ALLOW rules: one policy per role and rule; a request matching none is denied. */
  allow: RBAC;
  /** Each policy's origin, by policy name. */
  policies: Record<string, PolicySource>;
  /** Rules left out on a TCP chain in Istio mode. */
  dropped: DroppedRule[];
  /** Flattened roles: each role's rules and the roles it inherits (transitively). */
  roles: Record<string, { inherits: string[]; rules: { from: string; index: number }[] }>;
  /** Each user's authorized roles (assigned and inherited). */
  users: Record<string, { assigned: string[]; authorized: string[] }>;
  /** Options it was compiled with (for {@link explain}). */
  options: { jwt: { filter: string; payloadKey: string } };
}

// ---------------------------------------------------------------------------------------------
// Compilation.

const HTTP_PERMISSION_FIELDS = ['hosts', 'methods', 'paths', 'headers'] as const;
const HTTP_PRINCIPAL_FIELDS = ['header', 'jwt'] as const;
const PERMISSION_KEYS = new Set(['hosts', 'methods', 'paths', 'ports', 'headers', 'destinationIps', 'any', 'not']);
const PRINCIPAL_KEYS = new Set(['spiffe', 'authenticated', 'header', 'jwt', 'sourceIp', 'remoteIp', 'any', 'not']);
const HEADER_KEYS = new Set(['name', 'exact', 'prefix', 'suffix', 'contains', 'regex', 'present', 'invert']);
const STRING_KEYS = new Set(['exact', 'prefix', 'suffix', 'contains', 'regex', 'ignoreCase']);
const ROLE_KEYS = new Set(['permissions', 'inherits', 'maxUsers', 'description']);
const USER_KEYS = new Set(['principals', 'roles']);
const MODEL_KEYS = new Set(['model', 'users', 'roles', 'constraints']);
const CONSTRAINT_KEYS = new Set(['staticSeparation', 'dynamicSeparation', 'maxRolesPerUser']);
const SEPARATION_KEYS = new Set(['name', 'roles', 'limit']);
const MODELS: readonly RbacModelKind[] = ['RBAC0', 'RBAC1', 'RBAC2', 'RBAC3'];

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Like isObj, without narrowing (keeps the spec's own type). */
const ok = (v: unknown): boolean => isObj(v);
const quote = (s: string) => `'${s}'`;

/** The policy name of a role's i-th flattened rule. */
export function rolePolicyName(role: string, i: number): string {
  return `role[${role}]-rule[${i}]`;
}

/** The policy name of a dynamic separation constraint's i-th role combination. */
export function dsdPolicyName(constraint: string, i: number): string {
  return `dsd[${constraint}]-rule[${i}]`;
}

class Problems {
  readonly list: Problem[] = [];
  add(path: string, rule: string, message: string, value?: unknown): void {
    this.list.push(value === undefined ? { path, rule, message } : { path, rule, message, value });
  }
  unknownKeys(path: string, o: Record<string, unknown>, allowed: Set<string>, what: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.has(k)) this.add(`${path}.${k}`, 'rbac.unknown_field', `unknown field ${quote(k)} in ${what} (expected one of ${[...allowed].join(', ')})`);
    }
  }
}

/**
 * Compiles an RBAC model to Envoy RBAC rules.
 *
 * Throws {@link XdsValidationError} with every problem: unknown roles, bad CIDRs, ports or
 * regular expressions, a hierarchy cycle (the cycle is named), a static separation conflict
 * (both roles and the user are named), a cardinality limit exceeded, a user who holds roles
 * that dynamic separation forbids together (every request of theirs would be denied), a feature
 * beyond the declared model, HTTP-only conditions on a TCP chain (unless
 * `tcpHttpFields: 'istio'`).
 *
 * @example
 * const rbac = compileRbac({
 *   users: { web: { principals: { spiffe: 'cluster.local/ns/shop/sa/web' }, roles: ['reader'] } },
 *   roles: { reader: { permissions: [{ methods: ['GET'], paths: ['/api/*'] }] } },
 * });
 * rbac.allow.policies['role[reader]-rule[0]'];
 */
export function compileRbac(model: RbacModel, options: RbacCompileOptions = {}): CompiledRbac {
  const protocol = options.protocol ?? 'http';
  const tcpMode = options.tcpHttpFields ?? 'error';
  const jwt = { filter: options.jwt?.filter ?? JWT_AUTHN_FILTER, payloadKey: options.jwt?.payloadKey ?? JWT_PAYLOAD_KEY };
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const P = new Problems();

  if (!isObj(model)) throw new XdsValidationError([{ path: '', rule: 'rbac.model', message: `expected an rbac model object, got ${show(model)}` }]);
  P.unknownKeys('', model as unknown as Record<string, unknown>, MODEL_KEYS, 'the model');
  const users = isObj(model.users) ? model.users : {};
  const roles = isObj(model.roles) ? model.roles : {};
  if (!isObj(model.users)) P.add('users', 'rbac.required', `users must be a mapping of user name to user, got ${show(model.users)}`);
  if (!isObj(model.roles)) P.add('roles', 'rbac.required', `roles must be a mapping of role name to role, got ${show(model.roles)}`);
  const constraints: ConstraintsSpec = isObj(model.constraints) ? model.constraints : {};
  if (model.constraints !== undefined) P.unknownKeys('constraints', constraints as Record<string, unknown>, CONSTRAINT_KEYS, 'constraints');
  if (model.model !== undefined && !MODELS.includes(model.model)) {
    P.add('model', 'rbac.model', `unknown model ${show(model.model)} (expected RBAC0, RBAC1, RBAC2 or RBAC3)`, model.model);
  }
  const roleNames = Object.keys(roles);
  const roleSet = new Set(roleNames);
  const userNames = Object.keys(users).sort();

  // Structure of roles and users.
  for (const r of roleNames) {
    const spec = roles[r];
    const path = `roles.${r}`;
    if (!ok(spec)) {
      P.add(path, 'rbac.role', `role must be a mapping, got ${show(spec)}`);
      continue;
    }
    P.unknownKeys(path, spec as unknown as Record<string, unknown>, ROLE_KEYS, `role ${quote(r)}`);
    list(spec.permissions).forEach((p, i) => checkPermission(P, `${path}.permissions[${i}]`, p));
    list(spec.inherits).forEach((parent, i) => {
      if (!roleSet.has(parent)) P.add(`${path}.inherits[${i}]`, 'rbac.unknown_role', `role ${quote(r)} inherits unknown role ${show(parent)}`, parent);
      else if (parent === r) P.add(`${path}.inherits[${i}]`, 'rbac.cycle', `role ${quote(r)} inherits itself`, parent);
    });
    if (spec.maxUsers !== undefined && (!Number.isInteger(spec.maxUsers) || spec.maxUsers < 0)) {
      P.add(`${path}.maxUsers`, 'rbac.cardinality', `maxUsers must be a non-negative integer, got ${show(spec.maxUsers)}`, spec.maxUsers);
    }
  }
  for (const u of userNames) {
    const spec = users[u];
    const path = `users.${u}`;
    if (!ok(spec)) {
      P.add(path, 'rbac.user', `user must be a mapping with principals and roles, got ${show(spec)}`);
      continue;
    }
    P.unknownKeys(path, spec as unknown as Record<string, unknown>, USER_KEYS, `user ${quote(u)}`);
    const principals = list(spec.principals);
    if (!principals.length) P.add(`${path}.principals`, 'rbac.required', `user ${quote(u)} has no principals: say how their requests are recognised`);
    principals.forEach((p, i) => checkPrincipal(P, `${path}.principals${Array.isArray(spec.principals) ? `[${i}]` : ''}`, p));
    const seen = new Set<string>();
    list(spec.roles).forEach((role, i) => {
      if (!roleSet.has(role)) P.add(`${path}.roles[${i}]`, 'rbac.unknown_role', `user ${quote(u)} is assigned unknown role ${show(role)}`, role);
      if (seen.has(role)) P.add(`${path}.roles[${i}]`, 'rbac.duplicate', `user ${quote(u)} is assigned role ${quote(role)} twice`, role);
      seen.add(role);
    });
  }

  // Model features.
  const hierarchyAt = roleNames.filter((r) => ok(roles[r]) && list(roles[r]!.inherits).length > 0).map((r) => `roles.${r}.inherits`);
  const constraintsAt = [
    ...(list(constraints.staticSeparation).length ? ['constraints.staticSeparation'] : []),
    ...(list(constraints.dynamicSeparation).length ? ['constraints.dynamicSeparation'] : []),
    ...(constraints.maxRolesPerUser !== undefined ? ['constraints.maxRolesPerUser'] : []),
    ...roleNames.filter((r) => ok(roles[r]) && roles[r]!.maxUsers !== undefined).map((r) => `roles.${r}.maxUsers`),
  ];
  const inferred: RbacModelKind = hierarchyAt.length ? (constraintsAt.length ? 'RBAC3' : 'RBAC1') : constraintsAt.length ? 'RBAC2' : 'RBAC0';
  const kind: RbacModelKind = model.model && MODELS.includes(model.model) ? model.model : inferred;
  if (hierarchyAt.length && (kind === 'RBAC0' || kind === 'RBAC2')) {
    P.add(hierarchyAt[0]!, 'rbac.model', `a role hierarchy needs RBAC1 or RBAC3, the model is ${kind}`);
  }
  if (constraintsAt.length && (kind === 'RBAC0' || kind === 'RBAC1')) {
    P.add(constraintsAt[0]!, 'rbac.model', `constraints need RBAC2 or RBAC3, the model is ${kind}`);
  }

  // Hierarchy: cycles, then the transitive closure.
  const parents = (r: string) => (ok(roles[r]) ? list(roles[r]!.inherits).filter((p) => roleSet.has(p) && p !== r) : []);
  const cycles = findCycles(roleNames, parents);
  for (const cycle of cycles) {
    P.add(`roles.${cycle[0]}.inherits`, 'rbac.cycle', `role hierarchy has a cycle: ${cycle.map(quote).join(' → ')}`, cycle);
  }
  if (cycles.length) throw error(P);

  const closure = new Map<string, string[]>(); // role → inherited roles, transitively, in DFS order
  const closureOf = (r: string): string[] => {
    let c = closure.get(r);
    if (c) return c;
    c = [];
    for (const p of parents(r)) for (const x of [p, ...closureOf(p)]) if (!c.includes(x)) c.push(x);
    closure.set(r, c);
    return c;
  };
  const flatRules = new Map<string, { from: string; index: number }[]>();
  const rulesOf = (r: string): { from: string; index: number }[] => {
    let out = flatRules.get(r);
    if (out) return out;
    out = [];
    const seen = new Set<string>();
    const push = (x: { from: string; index: number }) => {
      const key = `${x.from}#${x.index}`;
      if (!seen.has(key)) (seen.add(key), out!.push(x));
    };
    for (const p of parents(r)) rulesOf(p).forEach(push);
    list(ok(roles[r]) ? roles[r]!.permissions : undefined).forEach((_, index) => push({ from: r, index }));
    flatRules.set(r, out);
    return out;
  };

  const assigned = new Map<string, string[]>();
  const authorized = new Map<string, string[]>();
  for (const u of userNames) {
    const a = ok(users[u]) ? [...new Set(list(users[u]!.roles).filter((r) => roleSet.has(r)))] : [];
    assigned.set(u, a);
    const auth: string[] = [];
    for (const r of a) for (const x of [r, ...closureOf(r)]) if (!auth.includes(x)) auth.push(x);
    authorized.set(u, auth);
  }
  const via = (u: string, role: string): string => {
    if (assigned.get(u)!.includes(role)) return quote(role);
    const senior = assigned.get(u)!.find((a) => closureOf(a).includes(role));
    return `${quote(role)} (inherited through ${quote(senior ?? '?')})`;
  };

  // Constraints.
  if (constraints.maxRolesPerUser !== undefined) {
    const max = constraints.maxRolesPerUser;
    if (!Number.isInteger(max) || max < 0) {
      P.add('constraints.maxRolesPerUser', 'rbac.cardinality', `maxRolesPerUser must be a non-negative integer, got ${show(max)}`, max);
    } else {
      for (const u of userNames) {
        const a = assigned.get(u)!;
        if (a.length > max) {
          P.add(`users.${u}.roles`, 'rbac.cardinality', `user ${quote(u)} is assigned ${a.length} roles (${a.map(quote).join(', ')}), more than maxRolesPerUser ${max}`);
        }
      }
    }
  }
  for (const r of roleNames) {
    const max = ok(roles[r]) ? roles[r]!.maxUsers : undefined;
    if (max === undefined || !Number.isInteger(max) || max < 0) continue;
    const holders = userNames.filter((u) => assigned.get(u)!.includes(r));
    if (holders.length > max) {
      P.add(`roles.${r}.maxUsers`, 'rbac.cardinality', `role ${quote(r)} allows at most ${max} user${max === 1 ? '' : 's'}, ${holders.length} are assigned: ${holders.map(quote).join(', ')}`);
    }
  }
  const separations = (key: 'staticSeparation' | 'dynamicSeparation', prefix: string) =>
    list(constraints[key]).map((c, i) => {
      const path = `constraints.${key}[${i}]`;
      if (!isObj(c)) {
        P.add(path, 'rbac.constraint', `expected a mapping with roles, got ${show(c)}`);
        return undefined;
      }
      P.unknownKeys(path, c as Record<string, unknown>, SEPARATION_KEYS, 'a separation constraint');
      const name = c.name ?? `${prefix}${i}`;
      const rs = list(c.roles);
      rs.forEach((r, j) => {
        if (!roleSet.has(r)) P.add(`${path}.roles[${j}]`, 'rbac.unknown_role', `constraint ${quote(name)} names unknown role ${show(r)}`, r);
      });
      const limit = c.limit ?? 2;
      if (rs.length < 2) P.add(`${path}.roles`, 'rbac.constraint', `constraint ${quote(name)} needs at least two roles, has ${rs.length}`);
      else if (!Number.isInteger(limit) || limit < 2 || limit > rs.length) {
        P.add(`${path}.limit`, 'rbac.constraint', `limit must be an integer from 2 to ${rs.length}, got ${show(limit)}`, limit);
      }
      return { name, roles: [...new Set(rs.filter((r) => roleSet.has(r)))], limit, path };
    });
  const ssd = separations('staticSeparation', 'ssd');
  const dsd = separations('dynamicSeparation', 'dsd');
  for (const c of ssd) {
    if (!c || c.roles.length < c.limit) continue;
    for (const r of roleNames) {
      const held = c.roles.filter((x) => x === r || closureOf(r).includes(x));
      if (held.length >= c.limit && !c.roles.includes(r)) {
        P.add(`roles.${r}.inherits`, 'rbac.ssd', `static separation of duty ${quote(c.name)}: role ${quote(r)} inherits conflicting roles ${held.map(quote).join(' and ')}`);
      }
    }
    for (const u of userNames) {
      const held = c.roles.filter((x) => authorized.get(u)!.includes(x));
      if (held.length >= c.limit) {
        P.add(`users.${u}.roles`, 'rbac.ssd', `static separation of duty ${quote(c.name)}: user ${quote(u)} is assigned both ${held.map((h) => via(u, h)).join(' and ')}`);
      }
    }
  }
  for (const c of dsd) {
    if (!c || c.roles.length < c.limit) continue;
    for (const u of userNames) {
      const held = c.roles.filter((x) => authorized.get(u)!.includes(x));
      if (held.length >= c.limit) {
        P.add(
          `users.${u}.roles`,
          'rbac.dsd',
          `dynamic separation of duty ${quote(c.name)}: user ${quote(u)} holds ${held.map((h) => via(u, h)).join(' and ')}, which may not be active in one request, so every request of ${quote(u)} would be denied`,
        );
      }
    }
  }

  // HTTP-only conditions on TCP.
  if (protocol === 'tcp' && tcpMode === 'error') {
    for (const r of roleNames) {
      if (!ok(roles[r])) continue;
      list(roles[r]!.permissions).forEach((p, i) => {
        for (const f of httpFieldsOfPermission(p)) {
          P.add(`roles.${r}.permissions[${i}].${f}`, 'rbac.http_only', `${f} is HTTP-only and cannot be matched on a TCP filter chain (set tcpHttpFields: 'istio' to drop such rules as Istio does)`);
        }
      });
    }
    for (const u of userNames) {
      if (!ok(users[u]) || !assigned.get(u)!.length) continue;
      const ps = list(users[u]!.principals);
      ps.forEach((p, i) => {
        for (const f of httpFieldsOfPrincipal(p)) {
          P.add(`users.${u}.principals${Array.isArray(users[u]!.principals) ? `[${i}]` : ''}.${f}`, 'rbac.http_only', `${f} is HTTP-only and cannot be matched on a TCP filter chain (set tcpHttpFields: 'istio' to drop such principals as Istio does)`);
        }
      });
    }
  }
  if (P.list.length) throw error(P);

  // Policies.
  const ctx: BuildCtx = { jwt, trustDomain };
  const sources: Record<string, PolicySource> = {};
  const dropped: DroppedRule[] = [];
  const allowPolicies: Record<string, Policy> = {};
  const tcp = protocol === 'tcp';
  for (const r of [...roleNames].sort()) {
    const holders = userNames.filter((u) => assigned.get(u)!.includes(r));
    const rules = rulesOf(r);
    rules.forEach((rule, i) => {
      const name = rolePolicyName(r, i);
      const spec = list(roles[rule.from]!.permissions)[rule.index]!;
      if (tcp && httpFieldsOfPermission(spec).length) {
        dropped.push({ kind: 'policy', policy: name, reason: `rule uses HTTP-only ${httpFieldsOfPermission(spec).join(', ')} on a TCP chain` });
        return;
      }
      const principals: Principal[] = [];
      const principalUsers: string[] = [];
      for (const u of holders) {
        list(users[u]!.principals).forEach((p, j) => {
          if (tcp && httpFieldsOfPrincipal(p).length) {
            dropped.push({ kind: 'principal', policy: name, reason: `principal ${j} of user ${quote(u)} uses HTTP-only ${httpFieldsOfPrincipal(p).join(', ')} on a TCP chain` });
            return;
          }
          principals.push(buildPrincipal(p, ctx));
          principalUsers.push(u);
        });
      }
      if (!principals.length) {
        if (holders.length) dropped.push({ kind: 'policy', policy: name, reason: 'no principal of its users can be matched on a TCP chain' });
        return;
      }
      allowPolicies[name] = { permissions: [buildPermission(spec)], principals };
      sources[name] = { action: 'ALLOW', role: r, rule: i, from: rule.from, fromIndex: rule.index, principalUsers };
    });
  }
  const denyPolicies: Record<string, Policy> = {};
  for (const c of dsd) {
    if (!c) continue;
    // The principals that activate each role: its users and the users of every role inheriting it.
    const activators = (role: string): Principal[] => {
      const out: Principal[] = [];
      for (const u of userNames) {
        if (!authorized.get(u)!.includes(role)) continue;
        for (const p of list(users[u]!.principals)) {
          const spec = tcp ? withoutHttpFields(p) : p;
          out.push(buildPrincipal(spec, ctx));
        }
      }
      return out;
    };
    combinations(c.roles, c.limit).forEach((combo, i) => {
      const name = dsdPolicyName(c.name, i);
      const sets = combo.map(activators);
      if (sets.some((s) => s.length === 0)) return; // a role nobody holds can never be active
      if (tcp) {
        const ignored = combo.flatMap((role) =>
          userNames.filter((u) => authorized.get(u)!.includes(role)).flatMap((u) => list(users[u]!.principals).flatMap((p) => httpFieldsOfPrincipal(p).map((f) => `${u}.${f}`))),
        );
        if (ignored.length) dropped.push({ kind: 'fields', policy: name, reason: `HTTP-only principal fields ignored on a TCP chain: ${[...new Set(ignored)].join(', ')}` });
      }
      denyPolicies[name] = {
        permissions: [{ rule: { $case: 'any', any: true } }],
        principals: [{ identifier: { $case: 'andIds', andIds: { ids: sets.map(orPrincipals) } } }],
      };
      sources[name] = { action: 'DENY', constraint: c.name, roles: combo };
    });
  }

  const allow: RBAC = { action: RBAC_Action.ALLOW, policies: allowPolicies };
  const deny: RBAC | undefined = Object.keys(denyPolicies).length ? { action: RBAC_Action.DENY, policies: denyPolicies } : undefined;
  const rolesOut: CompiledRbac['roles'] = {};
  for (const r of [...roleNames].sort()) rolesOut[r] = { inherits: closureOf(r), rules: rulesOf(r) };
  const usersOut: CompiledRbac['users'] = {};
  for (const u of userNames) usersOut[u] = { assigned: assigned.get(u)!, authorized: authorized.get(u)! };
  return {
    model: kind,
    protocol,
    shadow: options.shadow ?? false,
    ...(deny ? { deny } : {}),
    allow,
    policies: sources,
    dropped,
    roles: rolesOut,
    users: usersOut,
    options: { jwt },
  };
}

function error(P: Problems): XdsValidationError {
  return new XdsValidationError(P.list, `invalid rbac model: ${P.list.length} problem${P.list.length === 1 ? '' : 's'}`);
}

/** Every elementary cycle reachable in the inheritance graph, each reported once (rotated to start at its smallest name). */
function findCycles(nodes: string[], next: (n: string) => string[]): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next(n)) {
      if (state.get(m) === 1) {
        const cycle = stack.slice(stack.indexOf(m));
        const min = cycle.reduce((a, b) => (b < a ? b : a));
        const k = cycle.indexOf(min);
        const rotated = [...cycle.slice(k), ...cycle.slice(0, k)];
        const key = rotated.join('\u0000');
        if (!seen.has(key)) (seen.add(key), out.push([...rotated, min]));
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...nodes].sort()) if (!state.has(n)) visit(n);
  return out;
}

function combinations<T>(xs: T[], k: number): T[][] {
  const out: T[][] = [];
  const rec = (start: number, acc: T[]) => {
    if (acc.length === k) return void out.push([...acc]);
    for (let i = start; i < xs.length; i++) rec(i + 1, [...acc, xs[i]!]);
  };
  rec(0, []);
  return out;
}

function httpFieldsOfPermission(p: PermissionSpec): string[] {
  if (!isObj(p)) return [];
  const own = HTTP_PERMISSION_FIELDS.filter((f) => p[f] !== undefined && list(p[f] as unknown[]).length > 0);
  return [...own, ...(p.not ? httpFieldsOfPermission(p.not).map((f) => `not.${f}`) : [])];
}

function httpFieldsOfPrincipal(p: PrincipalSpec): string[] {
  if (!isObj(p)) return [];
  const own = HTTP_PRINCIPAL_FIELDS.filter((f) => p[f] !== undefined && list(p[f] as unknown[]).length > 0);
  return [...own, ...(p.not ? httpFieldsOfPrincipal(p.not).map((f) => `not.${f}`) : [])];
}

/** The principal with its HTTP-only conditions removed (what Istio does for DENY on TCP). */
function withoutHttpFields(p: PrincipalSpec): PrincipalSpec {
  const { header: _h, jwt: _j, not, ...rest } = p;
  const out: PrincipalSpec = { ...rest };
  if (not) {
    const n = withoutHttpFields(not);
    // A negated condition that is entirely HTTP-only is ignored too.
    if (Object.keys(n).length) out.not = n;
  }
  return Object.keys(out).length ? out : { any: true };
}

// ---------------------------------------------------------------------------------------------
// Checking specs.

function checkStringMatch(P: Problems, path: string, m: unknown): void {
  if (typeof m === 'string') {
    if (m === '') P.add(path, 'rbac.string', 'a match string cannot be empty');
    return;
  }
  if (!isObj(m)) return P.add(path, 'rbac.string', `expected a string or {exact|prefix|suffix|contains|regex}, got ${show(m)}`, m);
  P.unknownKeys(path, m, STRING_KEYS, 'a string match');
  const kinds = ['exact', 'prefix', 'suffix', 'contains', 'regex'].filter((k) => m[k] !== undefined);
  if (kinds.length !== 1) P.add(path, 'rbac.string', `a string match needs exactly one of exact, prefix, suffix, contains, regex; has ${kinds.length ? kinds.join(', ') : 'none'}`);
  for (const k of kinds) {
    if (typeof m[k] !== 'string') P.add(`${path}.${k}`, 'rbac.string', `expected a string, got ${show(m[k])}`, m[k]);
    else if (m[k] === '' && k !== 'exact') P.add(`${path}.${k}`, 'rbac.string', `${k} cannot be empty (Envoy requires at least one character)`, m[k]);
  }
  if (typeof m.regex === 'string') checkRegex(P, `${path}.regex`, m.regex);
}

function checkRegex(P: Problems, path: string, re: string): void {
  try {
    RE2JS.compile(re);
  } catch (e) {
    P.add(path, 'rbac.regex', `invalid RE2 regular expression ${show(re)}: ${(e as Error).message.toLowerCase()}`, re);
  }
}

function checkHeader(P: Problems, path: string, h: unknown): void {
  if (!isObj(h)) return P.add(path, 'rbac.header', `expected a header condition {name, exact|prefix|suffix|contains|regex|present}, got ${show(h)}`, h);
  P.unknownKeys(path, h, HEADER_KEYS, 'a header condition');
  if (typeof h.name !== 'string' || !h.name) P.add(`${path}.name`, 'rbac.header', `a header condition needs a name, got ${show(h.name)}`, h.name);
  const kinds = ['exact', 'prefix', 'suffix', 'contains', 'regex', 'present'].filter((k) => h[k] !== undefined);
  if (kinds.length > 1) P.add(path, 'rbac.header', `a header condition takes one of exact, prefix, suffix, contains, regex, present; has ${kinds.join(', ')}`);
  if (typeof h.regex === 'string') checkRegex(P, `${path}.regex`, h.regex);
  for (const k of ['prefix', 'suffix', 'contains', 'regex']) {
    if (h[k] === '') P.add(`${path}.${k}`, 'rbac.header', `${k} cannot be empty (Envoy requires at least one character)`, '');
    else if (h[k] !== undefined && typeof h[k] !== 'string') P.add(`${path}.${k}`, 'rbac.header', `expected a string, got ${show(h[k])}`, h[k]);
  }
}

function checkCidrs(P: Problems, path: string, v: unknown): void {
  const xs = list(v as string | string[]);
  xs.forEach((c, i) => {
    if (typeof c !== 'string' || !parseCidr(c)) P.add(Array.isArray(v) ? `${path}[${i}]` : path, 'rbac.cidr', `expected an IP address or CIDR, got ${show(c)}`, c);
  });
}

function checkPermission(P: Problems, path: string, p: unknown): void {
  if (!isObj(p)) return P.add(path, 'rbac.permission', `expected a rule mapping (hosts, methods, paths, ports, headers, destinationIps, any, not), got ${show(p)}`, p);
  P.unknownKeys(path, p, PERMISSION_KEYS, 'a permission rule');
  for (const k of ['hosts', 'methods', 'paths', 'ports', 'headers', 'destinationIps']) {
    if (p[k] !== undefined && !Array.isArray(p[k])) P.add(`${path}.${k}`, 'rbac.list', `${k} must be a list, got ${show(p[k])}`, p[k]);
  }
  const arr = (k: string) => (Array.isArray(p[k]) ? (p[k] as unknown[]) : []);
  arr('hosts').forEach((h, i) => {
    if (typeof h !== 'string' || !h) P.add(`${path}.hosts[${i}]`, 'rbac.string', `expected a host, got ${show(h)}`, h);
  });
  arr('methods').forEach((m, i) => {
    if (typeof m !== 'string' || !/^[A-Za-z]+$/.test(m)) P.add(`${path}.methods[${i}]`, 'rbac.method', `expected an HTTP method, got ${show(m)}`, m);
  });
  arr('paths').forEach((m, i) => checkStringMatch(P, `${path}.paths[${i}]`, m));
  arr('ports').forEach((n, i) => {
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 65535) P.add(`${path}.ports[${i}]`, 'rbac.port', `port must be an integer in 1-65535, got ${show(n)}`, n);
  });
  arr('headers').forEach((h, i) => checkHeader(P, `${path}.headers[${i}]`, h));
  checkCidrs(P, `${path}.destinationIps`, arr('destinationIps'));
  if (p.any !== undefined && p.any !== true) P.add(`${path}.any`, 'rbac.any', `any can only be true, got ${show(p.any)}`, p.any);
  if (p.not !== undefined) checkPermission(P, `${path}.not`, p.not);
}

function checkPrincipal(P: Problems, path: string, p: unknown): void {
  if (!isObj(p)) return P.add(path, 'rbac.principal', `expected a principal mapping (spiffe, authenticated, header, jwt, sourceIp, remoteIp, any, not), got ${show(p)}`, p);
  P.unknownKeys(path, p, PRINCIPAL_KEYS, 'a principal');
  const keys = Object.keys(p).filter((k) => PRINCIPAL_KEYS.has(k));
  if (!keys.length) P.add(path, 'rbac.principal', 'a principal needs at least one condition (use any: true for anyone)');
  list(p.spiffe as string | string[]).forEach((s, i) => {
    if (typeof s !== 'string' || !s || s === 'spiffe://') P.add(Array.isArray(p.spiffe) ? `${path}.spiffe[${i}]` : `${path}.spiffe`, 'rbac.spiffe', `expected a SPIFFE id, got ${show(s)}`, s);
  });
  list(p.header as HeaderSpec | HeaderSpec[]).forEach((h, i) => checkHeader(P, Array.isArray(p.header) ? `${path}.header[${i}]` : `${path}.header`, h));
  list(p.jwt as JwtClaimSpec | JwtClaimSpec[]).forEach((j, i) => {
    const at = Array.isArray(p.jwt) ? `${path}.jwt[${i}]` : `${path}.jwt`;
    if (!isObj(j)) return P.add(at, 'rbac.jwt', `expected {claim, value}, got ${show(j)}`, j);
    P.unknownKeys(at, j, new Set(['claim', 'value']), 'a JWT claim condition');
    const claim = list(j.claim as string | string[]);
    if (!claim.length || claim.some((c) => typeof c !== 'string' || !c)) P.add(`${at}.claim`, 'rbac.jwt', `expected a claim name or a path of names, got ${show(j.claim)}`, j.claim);
    const values = list(j.value as string | string[]);
    if (!values.length || values.some((v) => typeof v !== 'string')) P.add(`${at}.value`, 'rbac.jwt', `expected a string or a list of strings, got ${show(j.value)}`, j.value);
  });
  checkCidrs(P, `${path}.sourceIp`, p.sourceIp);
  checkCidrs(P, `${path}.remoteIp`, p.remoteIp);
  if (p.any !== undefined && p.any !== true) P.add(`${path}.any`, 'rbac.any', `any can only be true, got ${show(p.any)}`, p.any);
  if (p.authenticated !== undefined && p.authenticated !== true) P.add(`${path}.authenticated`, 'rbac.authenticated', `authenticated can only be true, got ${show(p.authenticated)}`, p.authenticated);
  if (p.not !== undefined) checkPrincipal(P, `${path}.not`, p.not);
}

// ---------------------------------------------------------------------------------------------
// Building messages.

interface BuildCtx {
  jwt: { filter: string; payloadKey: string };
  trustDomain: string;
}

/** Istio's string forms: `*` any, `x*` prefix, `*x` suffix, else exact. */
function stringMatcher(m: StringMatchSpec, ignoreCase = false): StringMatcher | 'present' {
  const ic = ignoreCase ? { ignoreCase: true } : {};
  if (typeof m === 'string') {
    if (m === '*') return 'present';
    if (m.endsWith('*')) return { matchPattern: { $case: 'prefix', prefix: m.slice(0, -1) }, ...ic };
    if (m.startsWith('*')) return { matchPattern: { $case: 'suffix', suffix: m.slice(1) }, ...ic };
    return { matchPattern: { $case: 'exact', exact: m }, ...ic };
  }
  const ic2 = m.ignoreCase ?? ignoreCase ? { ignoreCase: true } : {};
  if (m.exact !== undefined) return { matchPattern: { $case: 'exact', exact: m.exact }, ...ic2 };
  if (m.prefix !== undefined) return { matchPattern: { $case: 'prefix', prefix: m.prefix }, ...ic2 };
  if (m.suffix !== undefined) return { matchPattern: { $case: 'suffix', suffix: m.suffix }, ...ic2 };
  if (m.contains !== undefined) return { matchPattern: { $case: 'contains', contains: m.contains }, ...ic2 };
  return { matchPattern: { $case: 'safeRegex', safeRegex: { regex: m.regex ?? '' } } };
}

function headerMatcher(h: HeaderSpec): HeaderMatcher {
  const base: HeaderMatcher = { name: h.name };
  let spec: HeaderMatcher['headerMatchSpecifier'];
  if (h.exact !== undefined) spec = { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: h.exact } } };
  else if (h.prefix !== undefined) spec = { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'prefix', prefix: h.prefix } } };
  else if (h.suffix !== undefined) spec = { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'suffix', suffix: h.suffix } } };
  else if (h.contains !== undefined) spec = { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'contains', contains: h.contains } } };
  else if (h.regex !== undefined) spec = { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'safeRegex', safeRegex: { regex: h.regex } } } };
  else spec = { $case: 'presentMatch', presentMatch: h.present ?? true };
  base.headerMatchSpecifier = spec;
  if (h.invert) base.invertMatch = true;
  return base;
}

const orPermissions = (xs: Permission[]): Permission => (xs.length === 1 ? xs[0]! : { rule: { $case: 'orRules', orRules: { rules: xs } } });
const andPermissions = (xs: Permission[]): Permission => (xs.length === 1 ? xs[0]! : { rule: { $case: 'andRules', andRules: { rules: xs } } });
const orPrincipals = (xs: Principal[]): Principal => (xs.length === 1 ? xs[0]! : { identifier: { $case: 'orIds', orIds: { ids: xs } } });
const andPrincipals = (xs: Principal[]): Principal => (xs.length === 1 ? xs[0]! : { identifier: { $case: 'andIds', andIds: { ids: xs } } });

function cidrRange(s: string) {
  const c = parseCidr(s)!;
  const slash = s.indexOf('/');
  return { addressPrefix: slash < 0 ? s : s.slice(0, slash), prefixLen: c.prefixLen };
}

function headerPermission(name: string, m: StringMatcher | 'present'): Permission {
  const header: HeaderMatcher =
    m === 'present' ? { name, headerMatchSpecifier: { $case: 'presentMatch', presentMatch: true } } : { name, headerMatchSpecifier: { $case: 'stringMatch', stringMatch: m } };
  return { rule: { $case: 'header', header } };
}

/** Compiles one permission rule. */
export function buildPermission(p: PermissionSpec): Permission {
  const parts: Permission[] = [];
  if (p.any) parts.push({ rule: { $case: 'any', any: true } });
  if (p.hosts?.length) parts.push(orPermissions(p.hosts.map((h) => headerPermission(':authority', stringMatcher(h, true)))));
  if (p.methods?.length) parts.push(orPermissions(p.methods.map((m) => headerPermission(':method', { matchPattern: { $case: 'exact', exact: m } }))));
  if (p.paths?.length) {
    parts.push(
      orPermissions(
        p.paths.map((m) => {
          const sm = stringMatcher(m);
          // Every path starts with '/': '*' (any path) is the prefix '/'.
          const path: StringMatcher = sm === 'present' ? { matchPattern: { $case: 'prefix', prefix: '/' } } : sm;
          return { rule: { $case: 'urlPath', urlPath: { rule: { $case: 'path', path } } } };
        }),
      ),
    );
  }
  if (p.ports?.length) parts.push(orPermissions(p.ports.map((port) => ({ rule: { $case: 'destinationPort', destinationPort: port } }))));
  for (const h of p.headers ?? []) parts.push({ rule: { $case: 'header', header: headerMatcher(h) } });
  if (p.destinationIps?.length) parts.push(orPermissions(p.destinationIps.map((c) => ({ rule: { $case: 'destinationIp', destinationIp: cidrRange(c) } }))));
  if (p.not) parts.push({ rule: { $case: 'notRule', notRule: buildPermission(p.not) } });
  return parts.length ? andPermissions(parts) : { rule: { $case: 'any', any: true } };
}

function spiffeMatcher(id: string, trustDomain: string): StringMatcher {
  const full = id.startsWith('spiffe://') ? id : `spiffe://${/^ns\//.test(id) ? `${trustDomain}/` : ''}${id}`;
  if (full.endsWith('*')) return { matchPattern: { $case: 'prefix', prefix: full.slice(0, -1) } };
  return { matchPattern: { $case: 'exact', exact: full } };
}

function jwtPrincipal(j: JwtClaimSpec, ctx: BuildCtx): Principal {
  const values = list(j.value);
  const str = (v: string): ValueMatcher => ({ matchPattern: { $case: 'stringMatch', stringMatch: { matchPattern: { $case: 'exact', exact: v } } } });
  const one: ValueMatcher = values.length === 1 ? str(values[0]!) : { matchPattern: { $case: 'orMatch', orMatch: { valueMatchers: values.map(str) } } };
  const value: ValueMatcher = {
    matchPattern: { $case: 'orMatch', orMatch: { valueMatchers: [...values.map(str), { matchPattern: { $case: 'listMatch', listMatch: { matchPattern: { $case: 'oneOf', oneOf: one } } } }] } },
  };
  const path = [ctx.jwt.payloadKey, ...list(j.claim)].map((key) => ({ segment: { $case: 'key' as const, key } }));
  return { identifier: { $case: 'metadata', metadata: { filter: ctx.jwt.filter, path, value } } };
}

/** Compiles one principal alternative. */
function buildPrincipal(p: PrincipalSpec, ctx: BuildCtx): Principal {
  const parts: Principal[] = [];
  if (p.any) parts.push({ identifier: { $case: 'any', any: true } });
  if (p.authenticated) parts.push({ identifier: { $case: 'authenticated', authenticated: {} } });
  const spiffe = list(p.spiffe);
  if (spiffe.length) {
    parts.push(orPrincipals(spiffe.map((s) => ({ identifier: { $case: 'authenticated', authenticated: { principalName: spiffeMatcher(s, ctx.trustDomain) } } }))));
  }
  const src = list(p.sourceIp);
  if (src.length) parts.push(orPrincipals(src.map((c) => ({ identifier: { $case: 'directRemoteIp', directRemoteIp: cidrRange(c) } }))));
  const remote = list(p.remoteIp);
  if (remote.length) parts.push(orPrincipals(remote.map((c) => ({ identifier: { $case: 'remoteIp', remoteIp: cidrRange(c) } }))));
  for (const h of list(p.header)) parts.push({ identifier: { $case: 'header', header: headerMatcher(h) } });
  for (const j of list(p.jwt)) parts.push(jwtPrincipal(j, ctx));
  if (p.not) parts.push({ identifier: { $case: 'notId', notId: buildPrincipal(p.not, ctx) } });
  return parts.length ? andPrincipals(parts) : { identifier: { $case: 'any', any: true } };
}
