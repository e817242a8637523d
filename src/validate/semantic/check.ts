/**
 * Runs Envoy's semantic rules over a message and every message nested in it.
 *
 * Rules are dispatched by the full type name of each message met on the walk — never by a
 * filter's name — so the HCM rules run on an HCM wherever it sits (a listener's filter, an
 * ECDS default config...) and the regex rule on every RegexMatcher.
 */
import type { Problem } from '../../registry/errors.js';
import { findType, type TypeRef } from '../../registry/codec.js';
import { walk } from './walk.js';
import { Unpacker } from '../unpack.js';
import { addressRules } from './address.js';
import { clusterRules } from './cluster.js';
import { endpointRules } from './endpoint.js';
import { httpRules } from './http.js';
import { listenerRules } from './listener.js';
import { regexRules } from './regex.js';
import { routeRules } from './route.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';

function merge(...tables: RuleTable[]): RuleTable {
  const out: Record<string, SemanticRule[]> = {};
  for (const t of tables) for (const [k, rules] of Object.entries(t)) (out[k] ??= []).push(...rules);
  return Object.freeze(out);
}

/** Every semantic rule, by the full name of the message type it checks. */
export const SEMANTIC_RULES: RuleTable = merge(listenerRules, httpRules, routeRules, clusterRules, endpointRules, addressRules, regexRules);

const TARGETS = Object.keys(SEMANTIC_RULES);

/** Errors and warnings. */
export interface Problems {
  errors: Problem[];
  warnings: Problem[];
  /**
   * Field-rule problems (`path` and `rule`) that a semantic error states better; `validate`
   * drops them.
   */
  replaced?: { path: string; rule: string }[];
}

/** Splits semantic problems into errors and warnings (dropping the severity mark). */
export function split(problems: readonly SemanticProblem[], into: Problems = { errors: [], warnings: [] }): Problems {
  for (const { severity, replaces, ...p } of problems) {
    (severity === 'warning' ? into.warnings : into.errors).push(p);
    if (replaces) (into.replaced ??= []).push({ path: p.path, rule: replaces });
  }
  return into;
}

/**
 * Checks Envoy's semantic rules on `message` of type `type` and on every nested message,
 * Anys unpacked by their type URL.
 *
 * @param options.path - the path of `message` (a prefix for every problem's path). @default ''
 * @param anys the Anys already unpacked by the other passes of the same validation call
 *   (`validate` and `validateSnapshot` share one between their passes); a new one by default
 */
export function checkSemantics(type: TypeRef, message: unknown, options: { path?: string } = {}, anys = new Unpacker()): Problems {
  const info = findType(type);
  const out: Problems = { errors: [], warnings: [] };
  if (!info) return out;
  walk(
    info.fullName,
    message,
    options.path ?? '',
    (visit) => {
      for (const rule of SEMANTIC_RULES[visit.type] ?? []) split(rule(visit.message, visit.path, { visit, anys }), out);
    },
    TARGETS,
    anys,
  );
  return out;
}
