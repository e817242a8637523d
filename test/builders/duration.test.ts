import { describe, expect, it } from 'vitest';
import { isXdsValidationError } from 'xdskit';
import { Duration, cluster, parseDuration } from 'xdskit/builders';

function thrown(fn: () => unknown): Error & { problems?: { path: string; rule: string; message: string }[] } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('durations', () => {
  it('parse units from nanoseconds to hours', () => {
    expect(parseDuration('250ms')).toEqual({ seconds: '0', nanos: 250_000_000 });
    expect(parseDuration('5s')).toEqual({ seconds: '5', nanos: 0 });
    expect(parseDuration('1m')).toEqual({ seconds: '60', nanos: 0 });
    expect(parseDuration('1h')).toEqual({ seconds: '3600', nanos: 0 });
    expect(parseDuration('1.5s')).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(parseDuration('10us')).toEqual({ seconds: '0', nanos: 10_000 });
    expect(parseDuration('7ns')).toEqual({ seconds: '0', nanos: 7 });
    expect(parseDuration('0')).toEqual({ seconds: '0', nanos: 0 });
    expect(parseDuration('0s')).toEqual({ seconds: '0', nanos: 0 });
  });

  it('parse compound durations such as 1h30m and 1m0.5s', () => {
    expect(parseDuration('1h30m')).toEqual({ seconds: '5400', nanos: 0 });
    expect(parseDuration('1m0.5s')).toEqual({ seconds: '60', nanos: 500_000_000 });
  });

  it('read numbers as milliseconds', () => {
    expect(parseDuration(250)).toEqual({ seconds: '0', nanos: 250_000_000 });
    expect(parseDuration(1500)).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(parseDuration(0.5)).toEqual({ seconds: '0', nanos: 500_000 });
  });

  it('pass Duration messages through, copied', () => {
    const d = { seconds: '3', nanos: 5 };
    const out = parseDuration(d);
    expect(out).toEqual(d);
    expect(out).not.toBe(d);
  });

  it('are exact for decimal fractions (no floating point drift)', () => {
    expect(parseDuration('0.1s')).toEqual({ seconds: '0', nanos: 100_000_000 });
    expect(parseDuration('2.345678901s')).toEqual({ seconds: '2', nanos: 345_678_901 });
  });

  it('have static factories', () => {
    expect(Duration.ms(250)).toEqual({ seconds: '0', nanos: 250_000_000 });
    expect(Duration.seconds(5)).toEqual({ seconds: '5', nanos: 0 });
    expect(Duration.minutes(2)).toEqual({ seconds: '120', nanos: 0 });
    expect(Duration.hours(1)).toEqual({ seconds: '3600', nanos: 0 });
    expect(Duration.parse('1.5s')).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(Duration.format({ seconds: '1', nanos: 500_000_000 })).toBe('1.500s');
  });

  it('rejects "5 s" (a space) with a message saying what is expected', () => {
    const e = thrown(() => parseDuration('5 s'));
    expect(isXdsValidationError(e)).toBe(true);
    expect(e.message).toBe(
      'invalid duration "5 s": expected a number with a unit (ns, us, ms, s, m, h) such as "250ms", "1.5s" or "1m30s", or a number of milliseconds (rule: duration)',
    );
  });

  it('rejects "-1s" as negative', () => {
    expect(() => parseDuration('-1s')).toThrow('invalid duration "-1s": must not be negative (rule: duration)');
    expect(() => parseDuration(-5)).toThrow('invalid duration -5: must not be negative (rule: duration)');
  });

  it('rejects "abc", a missing unit and an empty string', () => {
    expect(() => parseDuration('abc')).toThrow('invalid duration "abc": expected a number with a unit');
    expect(() => parseDuration('5')).toThrow('invalid duration "5": expected a number with a unit');
    expect(() => parseDuration('')).toThrow('invalid duration "": expected a number with a unit');
    expect(() => parseDuration('5d')).toThrow('invalid duration "5d": expected a number with a unit');
  });

  it('rejects non-finite numbers, sub-nanosecond precision and durations over 10000 years', () => {
    expect(() => parseDuration(Number.NaN)).toThrow('invalid duration NaN: expected a finite number of milliseconds');
    expect(() => parseDuration('0.0000000001s')).toThrow('invalid duration "0.0000000001s": finer than a nanosecond');
    expect(() => parseDuration('90000000h')).toThrow('duration "90000000h" is too long: at most 315576000000s (10000 years)');
  });

  it('rejects a bad duration given to a builder, naming the builder and the field', () => {
    const e = thrown(() => cluster('api').connectTimeout('5 s'));
    expect(e.problems).toEqual([
      {
        path: 'connect_timeout',
        rule: 'duration',
        message: 'invalid duration "5 s": expected a number with a unit (ns, us, ms, s, m, h) such as "250ms", "1.5s" or "1m30s", or a number of milliseconds',
        value: '5 s',
      },
    ]);
    expect(e.message).toBe(
      'cluster "api": connect_timeout: invalid duration "5 s": expected a number with a unit (ns, us, ms, s, m, h) such as "250ms", "1.5s" or "1m30s", or a number of milliseconds (rule: duration)',
    );
  });
});
