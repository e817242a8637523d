#!/usr/bin/env node
/**
 * The `xdskit` command line: `xdskit <command> [options]`, `xdskit --help`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './commands/index.js';
import { Exit, UsageError, type CliIo } from './command.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "xdskit: the TypeScript toolkit for Envoy's xDS API",
    '',
    'usage: xdskit <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `xdskit <command> --help` for the options of one command.',
    'Exit codes: 0 success, 1 invalid or different, 2 unreadable input or bad usage.',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (the words after `xdskit`); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? Exit.usage : Exit.ok;
  }
  if (name === '--version') {
    io.out('xdskit 0.1.0\n');
    return Exit.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`xdskit: unknown command "${name}"\n\n${help()}`);
    return Exit.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage + '\n');
    return Exit.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`xdskit ${name}: ${e.message}\n\n${command.usage}\n`);
      return Exit.usage;
    }
    throw e;
  }
}

function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    stopped,
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // Long-running commands keep the event loop alive; short ones end here.
    },
    (e: unknown) => {
      process.stderr.write(`xdskit: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = Exit.usage;
    },
  );
}
