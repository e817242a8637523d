import type { Problem } from '../registry/errors.js';

/**
 * The shape of an `xdskit` subcommand, and the I/O it is given (so tests can run commands
 * in-process and read what they print).
 */

/** Where a command reads and writes: the real process streams, or buffers in tests. */
export interface CliIo {
  /** Writes to standard output (bytes for binary output). */
  out(data: string | Uint8Array): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** The working directory relative paths are resolved against. */
  cwd: string;
  /** Resolves when the command should stop (Ctrl-C / SIGTERM), for long-running commands. */
  stopped?: Promise<void>;
}

/** Exit codes shared by every command. */
export const Exit = Object.freeze({
  /** Success (for `validate`: all valid; for `diff`: equal). */
  ok: 0,
  /** The input was read but is invalid (`validate`) or differs (`diff`). */
  failed: 1,
  /** Unreadable, unparseable or unrecognised input, or bad usage. */
  usage: 2,
});

/** One `xdskit` subcommand. */
export interface Command {
  /** The word after `xdskit`. */
  readonly name: string;
  /** One line for `xdskit --help`. */
  readonly summary: string;
  /** The full usage text for `xdskit NAME --help`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * One problem as a CLI line: `file: path: message (rule)` (`file: message (rule)` at the root).
 */
export function formatFileProblem(file: string, p: Problem, warning = false): string {
  return `${file}: ${warning ? 'warning: ' : ''}${p.path ? `${p.path}: ` : ''}${p.message} (${p.rule})`;
}

/** An error in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag` options; the rest are positional.
 *
 * `spec` maps each option name to `'string'` or `'boolean'`; an unknown option is a
 * {@link UsageError}.
 */
export function parseArgs(
  args: string[],
  spec: Record<string, 'string' | 'boolean'>,
): { options: Record<string, string | boolean | undefined>; positional: string[] } {
  const options: Record<string, string | boolean | undefined> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options[name] = true;
    } else {
      const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      options[name] = value;
    }
  }
  return { options, positional };
}
