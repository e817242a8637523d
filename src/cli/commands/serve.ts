/**
 * `xdskit serve PATH [--port 18000] [--address 127.0.0.1] [--watch] [--node-key id|cluster]`:
 * a file-based control plane.
 */
import path from 'node:path';
import { Exit, UsageError, parseArgs, type CliIo, type Command } from '../command.js';
import { ConfigReadError, formatFileProblem } from '../../server/files.js';
import { serveFiles } from '../../server/file-server.js';

const usage = `usage: xdskit serve PATH [--port 18000] [--address 127.0.0.1] [--watch] [--node-key id|cluster] [--lenient]

Serves the resources in PATH (a YAML/JSON file, or a directory of them) over xDS: ADS and the
per-type services, state of the world and delta, and CSDS. A subdirectory named after a node key
holds that node's overrides (added to, or replacing by name, the resources of PATH).
Every change is validated before it is served; an invalid edit is logged with its files and
paths, and the last good config keeps serving. ACKs and NACKs are logged per node.
  --port N            port to listen on (default 18000; 0 picks a free one)
  --address A         address to listen on (default 127.0.0.1)
  --watch             reload when files in PATH change
  --node-key id|cluster
                      key nodes by node.id (default) or node.cluster (subdirectory names)
  --lenient           unknown fields and @types are warnings, not errors
Stops on Ctrl-C (SIGINT) or SIGTERM.`;

/** Rules of problems that mean a file could not be read at all (exit 2 rather than 1). */
const UNREADABLE = new Set(['read', 'yaml', 'json', 'decode', 'root', 'list', 'object']);

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve resource files over xDS (a file-based control plane)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { options, positional } = parseArgs(args, { port: 'string', address: 'string', watch: 'boolean', 'node-key': 'string', lenient: 'boolean' });
    if (positional.length !== 1) throw new UsageError('serve takes exactly one PATH');
    const port = options.port === undefined ? 18000 : Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${String(options.port)}"`);
    const nodeKey = (options['node-key'] as string | undefined) ?? 'id';
    if (nodeKey !== 'id' && nodeKey !== 'cluster') throw new UsageError('--node-key must be id or cluster');
    const stamp = () => new Date().toISOString().slice(11, 23);
    const log = (line: string) => io.err(`${stamp()} ${line}\n`);
    let server;
    try {
      server = await serveFiles({
        path: path.resolve(io.cwd, positional[0]!),
        port,
        address: (options.address as string | undefined) ?? '127.0.0.1',
        watch: options.watch === true,
        nodeKey,
        lenient: options.lenient === true,
        log,
      });
    } catch (e) {
      if (!(e instanceof ConfigReadError)) throw e;
      for (const p of e.problems) io.err(`${formatFileProblem(p)}\n`);
      const unreadable = e.problems.some((p) => UNREADABLE.has(p.rule));
      return unreadable ? Exit.usage : Exit.failed;
    }
    io.out(`xdskit serve: listening on ${(options.address as string | undefined) ?? '127.0.0.1'}:${server.port}\n`);
    await (io.stopped ?? new Promise<void>(() => {}));
    log('stopping');
    await server.close();
    return Exit.ok;
  },
};
