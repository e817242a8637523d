/**
 * Durations for builders: {@link parseDuration} (from the registry, with errors that name the
 * builder method they escape) and the {@link Duration} factories.
 */
import { formatDuration } from '../registry/json.js';
import { parseDuration as parse, type DurationInput, type DurationMessage } from '../registry/duration.js';
import { isXdsValidationError } from '../registry/errors.js';
import { fail } from './builder.js';

export type { DurationInput, DurationMessage };

/**
 * Parses a duration into a Duration message.
 *
 * Strings are one or more `<number><unit>` parts without spaces (`"1h30m"`, units `ns`, `us`,
 * `ms`, `s`, `m`, `h`); numbers are milliseconds. Negative durations, spaces, missing units and
 * precision finer than a nanosecond are rejected with an `XdsValidationError` whose message says
 * what was expected (and, inside a builder, which builder and field).
 *
 * @param path where the value goes, for the error (`connect_timeout`)
 * @example parseDuration('1.5s') // { seconds: '1', nanos: 500000000 }
 */
export function parseDuration(input: DurationInput, path = ''): DurationMessage {
  try {
    return parse(input, path);
  } catch (e) {
    if (isXdsValidationError(e) && e.problems.length === 1) fail(e.problems[0]!);
    throw e;
  }
}

/**
 * Static factories for Duration messages.
 *
 * @example Duration.ms(250); Duration.seconds(5); Duration.parse('1m30s')
 */
export const Duration = Object.freeze({
  /** Parses `"250ms"`, `"5s"`, `"1m"`, `"1h"`, `"1.5s"` or a number of milliseconds. */
  parse: (input: DurationInput): DurationMessage => parseDuration(input),
  /** A duration of `n` milliseconds. */
  ms: (n: number): DurationMessage => parseDuration(n),
  /** A duration of `n` seconds. */
  seconds: (n: number): DurationMessage => parseDuration(n * 1000),
  /** A duration of `n` minutes. */
  minutes: (n: number): DurationMessage => parseDuration(n * 60_000),
  /** A duration of `n` hours. */
  hours: (n: number): DurationMessage => parseDuration(n * 3_600_000),
  /** Formats a Duration message as proto3 JSON does: `"1.500s"`. */
  format: (d: DurationMessage): string => formatDuration(d),
});
