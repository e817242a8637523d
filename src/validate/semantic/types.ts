/**
 * The shape of a semantic rule: a function of one message and its path that returns problems.
 */
import type { Problem } from '../../registry/errors.js';
import type { Unpacker } from '../unpack.js';
import type { Visit } from './walk.js';

/** A problem found by a semantic rule; `severity: 'warning'` marks a warning. */
export interface SemanticProblem extends Problem {
  /** `warning` for something Envoy accepts but that is almost certainly a mistake. @default error */
  severity?: 'warning';
  /**
   * A field rule (`oneof.required`...) this problem says better at the same path: `validate`
   * reports this problem instead of that one.
   */
  replaces?: string;
}

/** What a rule may look at besides its message: where it sits in the walked tree. */
export interface RuleContext {
  /** The visit of the message: its type, path and the chain of containing messages. */
  readonly visit: Visit;
  /** The Anys of the validation call: unpack an Any through it, never by hand (one decode per call). */
  readonly anys: Unpacker;
}

/**
 * One semantic rule: checks one message of the type it is registered for.
 *
 * `path` is the message's path in Envoy field names (empty at the root); problems carry paths
 * below it.
 */
export type SemanticRule = (message: any, path: string, ctx: RuleContext) => SemanticProblem[];

/** Rules by the full proto name of the message type they check. */
export type RuleTable = Readonly<Record<string, readonly SemanticRule[]>>;
