/**
 * Validation of one message: the field rules of its protos and Envoy's semantic rules, on the
 * message and everything nested in it (Anys by their `@type`).
 */
import { typeInfo, type MessageOf, type TypeRef } from '../registry/codec.js';
import { XdsValidationError, type Problem } from '../registry/errors.js';
import { validateFields } from './fields.js';
import { checkSemantics } from './semantic/check.js';
import { Unpacker } from './unpack.js';

/** The outcome of a validation: `ok` when there is no error; warnings never make it fail. */
export interface ValidationResult {
  /** True when `errors` is empty. */
  ok: boolean;
  /** What Envoy would reject (or xdskit cannot check, in strict mode). */
  errors: Problem[];
  /** What Envoy accepts but is most likely a mistake, and unknown `@type`s in lenient mode. */
  warnings: Problem[];
}

/** Options of {@link validate} and {@link assertValid}. */
export interface ValidateOptions {
  /**
   * An Any of an unknown `@type` is an error when true, a warning when false.
   *
   * @default true
   */
  strict?: boolean;
  /**
   * The message's own path, prefixed to every problem's path (`listeners[ingress]`).
   *
   * @default ""
   */
  path?: string;
}

/**
 * Field problems merged with semantic ones; a field problem that a semantic error restates
 * (e.g. `oneof.required` on an HCM's `route_specifier`) is dropped.
 */
export function mergeProblems(
  fields: { errors: Problem[]; warnings: Problem[] },
  semantic: { errors: Problem[]; warnings: Problem[]; replaced?: { path: string; rule: string }[] },
): ValidationResult {
  let fieldErrors = fields.errors;
  if (semantic.replaced?.length) {
    const drop = new Set(semantic.replaced.map((r) => `${r.path}\u0000${r.rule}`));
    fieldErrors = fieldErrors.filter((p) => !drop.has(`${p.path}\u0000${p.rule}`));
  }
  const errors = [...fieldErrors, ...semantic.errors];
  return { ok: errors.length === 0, errors, warnings: [...fields.warnings, ...semantic.warnings] };
}

/**
 * Validates a message: every `(validate.rules)` of its protos and Envoy's semantic rules
 * (terminal filters, filter chain matches, cluster discovery types, RE2 regexes, addresses...),
 * on the message and every message nested in it, `typed_config` included.
 *
 * References between resources (a route's cluster, an RDS name) are not checked here: see
 * `validateSnapshot` and `validateBootstrap`.
 *
 * Both passes share one decode of every `Any` (see unpack.ts).
 *
 * @param type the message type: codec, full name or type URL
 * @param anys the Anys already unpacked by other passes over the same message (`validateSnapshot`
 *   also collects references with it); a new one by default
 * @example
 * const { ok, errors } = validate('envoy.config.cluster.v3.Cluster', cluster);
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/api
 */
export function validate<R extends TypeRef>(type: R, message: MessageOf<R> | unknown, options: ValidateOptions = {}, anys = new Unpacker()): ValidationResult {
  const info = typeInfo(type);
  const fields = validateFields(info.fullName, message, { strict: options.strict ?? true, path: options.path ?? '' }, anys);
  const semantic = checkSemantics(info.fullName, message, { path: options.path ?? '' }, anys);
  return mergeProblems(fields, semantic);
}

/**
 * Validates a message and throws an `XdsValidationError` carrying every error when it is
 * invalid; returns the message (typed) when it is valid. Warnings do not throw.
 *
 * @throws XdsValidationError with `.problems` = every error
 * @example
 * const cluster = assertValid(envoy.config.cluster.v3.Cluster, build());
 */
export function assertValid<R extends TypeRef>(type: R, message: MessageOf<R> | unknown, options: ValidateOptions = {}): MessageOf<R> {
  const result = validate(type, message, options);
  if (!result.ok) {
    const name = typeInfo(type).fullName;
    const n = result.errors.length;
    throw new XdsValidationError(result.errors, `invalid ${name}: ${n} problem${n === 1 ? '' : 's'}`);
  }
  return message as MessageOf<R>;
}
