/**
 * Regexes: every `RegexMatcher` (route `safe_regex`, header, query and string matchers, regex
 * rewrites...) compiles under RE2, the engine Envoy uses, and stays within Envoy's program size.
 *
 * Compiled with re2js, a port of RE2: lookaheads, backreferences and possessive quantifiers are
 * rejected as Envoy rejects them, where JavaScript's RegExp would accept them.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto
 */
import { RE2JS } from 're2js';
import { at, error, show, warning } from './util.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';

/**
 * Envoy's default limit on a regex's compiled program size (runtime key
 * `re2.max_program_size.error_level`). re2js's program is close to, not identical with, RE2's
 * C++ one, so exceeding it is a warning.
 */
export const RE2_MAX_PROGRAM_SIZE = 100;

const compiled = new Map<string, { groups: number; size: number } | { error: string }>();

/** Compiles a regex under RE2 semantics (cached): its group count and program size, or the error. */
export function compileRe2(regex: string): { groups: number; size: number } | { error: string } {
  let r = compiled.get(regex);
  if (r) return r;
  try {
    const re = RE2JS.compile(regex);
    r = { groups: re.groupCount(), size: re.programSize() };
  } catch (e) {
    r = { error: (e as Error).message.replace(/^error parsing regexp: /, '') };
  }
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(regex, r);
  return r;
}

/** `regex.re2`, `regex.program_size`. */
const regexMatcher: SemanticRule = (m: { regex?: string; engineType?: { googleRe2?: { maxProgramSize?: number } } }, path) => {
  const regex = m.regex;
  if (!regex) return [];
  const r = compileRe2(regex);
  if ('error' in r) return [error(at(path, 'regex'), 'regex.re2', `regex ${show(regex)} does not compile under re2: ${r.error}`, regex)];
  const explicit = (m.engineType as { googleRe2?: { maxProgramSize?: number } } | undefined)?.googleRe2?.maxProgramSize;
  if (explicit !== undefined && explicit !== null && r.size > explicit) {
    return [error(at(path, 'regex'), 'regex.program_size', `regex ${show(regex)} has a program size of ${r.size}, over its max_program_size ${explicit}`, regex)];
  }
  if (r.size > RE2_MAX_PROGRAM_SIZE) {
    return [
      warning(
        at(path, 'regex'),
        'regex.program_size',
        `regex ${show(regex)} has a program size of about ${r.size}, over envoy's default limit of ${RE2_MAX_PROGRAM_SIZE} (runtime re2.max_program_size.error_level)`,
        regex,
      ),
    ];
  }
  return [];
};

/** `regex.substitution` (warning): `\N` in a substitution names a group the pattern has. */
const substitution: SemanticRule = (m: { pattern?: { regex?: string }; substitution?: string }, path) => {
  const out: SemanticProblem[] = [];
  const regex = m.pattern?.regex;
  if (!regex || !m.substitution) return out;
  const r = compileRe2(regex);
  if ('error' in r) return out;
  for (const g of m.substitution.matchAll(/\\(\d)/g)) {
    const n = Number(g[1]);
    if (n > r.groups) {
      out.push(
        warning(
          at(path, 'substitution'),
          'regex.substitution',
          `substitution ${show(m.substitution)} uses \\${n} but regex ${show(regex)} has ${r.groups} capture group(s): re2 will not rewrite`,
          m.substitution,
        ),
      );
    }
  }
  return out;
};

/** Rules by message type. */
export const regexRules: RuleTable = {
  'envoy.type.matcher.v3.RegexMatcher': [regexMatcher],
  'xds.type.matcher.v3.RegexMatcher': [regexMatcher],
  'envoy.type.matcher.v3.RegexMatchAndSubstitute': [substitution],
};
