/**
 * `explain`: which role and policy allow or deny a request, evaluated against the compiled
 * Envoy policies (not the model), so a unit test of policy tests what Envoy will run.
 */
import { compileRbac, type CompiledRbac, type RbacCompileOptions, type RbacModel } from './rbac.js';
import { evaluateRbac, matchPrincipal, type RbacRequest } from './rbac-match.js';

/** The answer of {@link explain}. */
export interface RbacExplanation {
  /** What the rules decide. */
  decision: 'ALLOW' | 'DENY';
  /** What happens to the request: the decision, or ALLOW when the rules are shadow rules. */
  effect: 'ALLOW' | 'DENY';
  /** False for shadow (dry-run) rules. */
  enforced: boolean;
  /** The DENY policy that matched first (dynamic separation of duty), if any. */
  deniedBy?: { policy: string; constraint: string; roles: string[] };
  /** The ALLOW policy that matched first, if the request was not denied before. */
  allowedBy?: { policy: string; role: string; rule: number; from: string; fromIndex: number; users: string[] };
  /** Every matching policy, by filter, in name order (Envoy's evaluation order). */
  matched: { deny: string[]; allow: string[] };
  /** One sentence saying why. */
  reason: string;
}

/**
 * Says whether a request is allowed, and by which role and policy — or which constraint or the
 * absence of a matching role denies it.
 *
 * The request is evaluated as Envoy does: the DENY filter first (a match denies), then the ALLOW
 * filter (no match denies). Takes a model (compiled with `options`) or a compiled model.
 *
 * @example
 * explain(model, { principal: 'spiffe://cluster.local/ns/shop/sa/web', method: 'GET', path: '/api/items' })
 * // { decision: 'ALLOW', allowedBy: { role: 'reader', policy: 'role[reader]-rule[0]', ... }, ... }
 */
export function explain(model: RbacModel | CompiledRbac, request: RbacRequest, options: RbacCompileOptions = {}): RbacExplanation {
  const compiled = isCompiled(model) ? model : compileRbac(model, options);
  const evalOptions = { protocol: compiled.protocol, jwt: compiled.options.jwt };
  const enforced = !compiled.shadow;
  const denyResult = compiled.deny ? evaluateRbac(compiled.deny, request, evalOptions) : { allowed: true, matched: [] as string[], policy: undefined };
  const allowResult = evaluateRbac(compiled.allow, request, evalOptions);
  const matched = { deny: denyResult.matched, allow: allowResult.matched };
  const shadowNote = enforced ? '' : ' (shadow rules: not enforced)';

  if (!denyResult.allowed && denyResult.policy) {
    const src = compiled.policies[denyResult.policy];
    const deniedBy = src && src.action === 'DENY' ? { policy: denyResult.policy, constraint: src.constraint, roles: src.roles } : { policy: denyResult.policy, constraint: '', roles: [] };
    return {
      decision: 'DENY',
      effect: enforced ? 'DENY' : 'ALLOW',
      enforced,
      deniedBy,
      matched,
      reason: `denied by ${deniedBy.policy}: roles ${deniedBy.roles.map((r) => `'${r}'`).join(' and ')} may not be active in one request (dynamic separation of duty '${deniedBy.constraint}')${shadowNote}`,
    };
  }
  if (allowResult.allowed && allowResult.policy) {
    const name = allowResult.policy;
    const src = compiled.policies[name];
    const policy = compiled.allow.policies![name]!;
    const users =
      src && src.action === 'ALLOW'
        ? [...new Set((policy.principals ?? []).flatMap((p, i) => (matchPrincipal(p, request, evalOptions) ? [src.principalUsers[i]!] : [])))]
        : [];
    const allowedBy =
      src && src.action === 'ALLOW'
        ? { policy: name, role: src.role, rule: src.rule, from: src.from, fromIndex: src.fromIndex, users }
        : { policy: name, role: '', rule: -1, from: '', fromIndex: -1, users };
    const inherited = allowedBy.from !== allowedBy.role ? ` inherited from '${allowedBy.from}'` : '';
    return {
      decision: 'ALLOW',
      effect: 'ALLOW',
      enforced,
      allowedBy,
      matched,
      reason: `allowed by ${name}: user ${users.map((u) => `'${u}'`).join(', ')} has role '${allowedBy.role}' (rule ${allowedBy.rule}${inherited})${shadowNote}`,
    };
  }
  return {
    decision: 'DENY',
    effect: enforced ? 'DENY' : 'ALLOW',
    enforced,
    matched,
    reason: `denied: no role's policy matches the request (the ALLOW rules have ${Object.keys(compiled.allow.policies ?? {}).length} policies)${shadowNote}`,
  };
}

function isCompiled(x: RbacModel | CompiledRbac): x is CompiledRbac {
  return typeof x === 'object' && x !== null && 'allow' in x && 'policies' in x && 'protocol' in x;
}
