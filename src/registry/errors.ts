/**
 * One problem found in a configuration: where, which rule, and what is wrong.
 *
 * `path` uses Envoy's field names (snake_case), list items by index or, where the item has a
 * name, by name: `listeners[ingress].filter_chains[0].filters[0].typed_config.http_filters[1]`.
 */
export interface Problem {
  /** Where the problem is, in Envoy field names; empty for the root. */
  path: string;
  /** The rule that was broken, e.g. `unknown_field`, `string.min_len`, `enum.defined_only`. */
  rule: string;
  /** What is wrong, lower-case, with the bad value and what was expected. */
  message: string;
  /** The offending value, when there is one to show. */
  value?: unknown;
}

const ERROR_NAME = 'XdsValidationError';
const BRAND = Symbol.for('xdskit.XdsValidationError');

/**
 * The one error type xdskit throws for invalid configuration; it carries every problem found.
 *
 * Tell it apart with {@link isXdsValidationError}, which does not rely on `instanceof` (two
 * copies of the package in one program would break `instanceof`).
 */
export class XdsValidationError extends Error {
  /** Discriminator: always `"XdsValidationError"`. */
  override readonly name = ERROR_NAME;
  /** Every problem found, in the order found. */
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], context?: string) {
    super(formatProblems(problems, context));
    this.problems = problems;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True when `err` is an {@link XdsValidationError} from any copy of xdskit. */
export function isXdsValidationError(err: unknown): err is XdsValidationError {
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as Record<symbol, unknown>)[BRAND] === true || (err as { name?: unknown }).name === ERROR_NAME) &&
    Array.isArray((err as { problems?: unknown }).problems)
  );
}

/** Formats one problem as `path: message (rule: rule)`. */
export function formatProblem(p: Problem): string {
  return `${p.path || '<root>'}: ${p.message} (rule: ${p.rule})`;
}

/** Formats problems one per line, after an optional context line. */
export function formatProblems(problems: readonly Problem[], context?: string): string {
  const head = context ?? `${problems.length} problem${problems.length === 1 ? '' : 's'} found`;
  return [head, ...problems.map((p) => '  ' + formatProblem(p))].join('\n');
}

/** Renders a value for an error message: short, JSON-like. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}`;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(value);
  }
}
