/**
 * Every `xdskit` subcommand, in the order `xdskit --help` lists them.
 */
import type { Command } from '../command.js';
import { convertCommand } from './convert.js';
import { diffCommand } from './diff.js';
import { serveCommand } from './serve.js';
import { validateCommand } from './validate.js';

export const COMMANDS: readonly Command[] = [validateCommand, diffCommand, convertCommand, serveCommand];
