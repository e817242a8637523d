/**
 * Every `xdskit` subcommand, in the order `xdskit --help` lists them.
 */
import type { Command } from '../command.js';
import { convertCommand } from './convert.js';

export const COMMANDS: readonly Command[] = [convertCommand];
