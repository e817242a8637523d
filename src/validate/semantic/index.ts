/**
 * Envoy's semantic rules, beyond the proto annotations: one module per resource kind.
 *
 * @module
 */
export { checkSemantics, SEMANTIC_RULES, type Problems } from './check.js';
export type { SemanticProblem, SemanticRule, RuleContext, RuleTable } from './types.js';
export { TERMINAL_NETWORK_FILTERS } from './listener.js';
export { TERMINAL_HTTP_FILTERS, TERMINAL_UPSTREAM_HTTP_FILTERS } from './http.js';
export { RE2_MAX_PROGRAM_SIZE, compileRe2 } from './regex.js';
export { walk, type Visit, type Visitor } from './walk.js';
