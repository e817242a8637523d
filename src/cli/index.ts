/**
 * The `xdskit` command line, callable in-process (tests, other tools).
 *
 * @module
 */
export { runCli } from './main.js';
export * from './command.js';
export { COMMANDS } from './commands/index.js';
