/**
 * The problems of a preset's options: collected while checking, thrown at once as one
 * `XdsValidationError` (`invalid sidecar options: 3 problems`).
 */
import { XdsValidationError, type Problem } from '../registry/errors.js';

/** A collector of option problems. */
export interface OptionProblems {
  /** The problems so far. */
  readonly problems: Problem[];
  /** Records a problem (`value` left out when undefined). */
  bad(path: string, rule: string, message: string, value?: unknown): void;
  /** Throws every recorded problem, if any, as `invalid <what> options: N problems`. */
  throwIfAny(): void;
}

/** A collector for the options of `what` (`sidecar`, `waypoint`). */
export function optionProblems(what: string): OptionProblems {
  const problems: Problem[] = [];
  return {
    problems,
    bad: (path, rule, message, value) => {
      problems.push(value === undefined ? { path, rule, message } : { path, rule, message, value });
    },
    throwIfAny: () => {
      if (problems.length) throw new XdsValidationError(problems, `invalid ${what} options: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    },
  };
}
