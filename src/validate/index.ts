/**
 * Validation: the field rules of the protos (`validate.rules`), Envoy's semantic rules, and
 * references between resources of a snapshot or a bootstrap.
 *
 * @module
 */
export { validate, assertValid, type ValidationResult, type ValidateOptions } from './validate.js';
export { validateSnapshot, validateBootstrap, SnapshotValidator, type SnapshotResources, type SnapshotOptions } from './snapshot.js';
export { collectReferences, CLUSTER_REFERENCE_FIELDS, type Reference, type ReferenceKind, type ReferenceSource } from './references.js';
export { validateFields, hasFieldRules, type ValidateFieldsOptions, type FieldProblems } from './fields.js';
export { schemaFor, problemsFromZod } from './zod.js';
export {
  checkSemantics,
  SEMANTIC_RULES,
  TERMINAL_HTTP_FILTERS,
  TERMINAL_NETWORK_FILTERS,
  TERMINAL_UPSTREAM_HTTP_FILTERS,
  RE2_MAX_PROGRAM_SIZE,
  type SemanticRule,
  type SemanticProblem,
} from './semantic/index.js';
export { XdsValidationError, isXdsValidationError, formatProblem, formatProblems, type Problem } from '../registry/errors.js';
