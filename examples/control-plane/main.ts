/**
 * `npm start`: xdskit as a control plane, seen working without Envoy.
 *
 * 1. two gRPC backends (`a` and `b`) start on loopback;
 * 2. `serveFiles` — the machinery of `xdskit serve --watch` — serves a config directory written
 *    from the embedded example config (`config.ts`);
 * 3. a real proxyless gRPC client (`@grpc/grpc-js-xds`) dials `xds:///greeter`: it resolves
 *    the name through LDS → RDS → CDS → EDS over ADS, and sends RPCs;
 * 4. the example edits the route file — 90/10, then 50/50, then 0/100 — and prints, live,
 *    which backend answers, and the ACKs the control plane gets.
 *
 * It also prints an Envoy bootstrap for a real Envoy (node `envoy`, which gets a socket
 * listener on 127.0.0.1:10000 from the `envoy/` override directory). Stops by itself after the
 * three phases, or on Ctrl-C.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { serveFiles, type FileServer } from 'xdskit/server';
import { ENVOY_NODE, TARGET, baseYaml, envoyBootstrapYaml, envoyOverrideYaml, routesYaml } from './config.js';
import { greeterClient, startBackend } from './greeter.js';

/** Options of {@link runExample}. */
export interface ExampleOptions {
  /** How long each weight phase lasts. @default 4000 */
  readonly phaseMs?: number;
  /** The control plane's port; if taken, a free one is used. @default 18000 */
  readonly port?: number;
  /** Where the example prints. @default process.stdout */
  readonly write?: (text: string) => void;
  /** Stops the example early (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** What the example observed: RPCs answered per backend, per phase. */
export interface ExampleResult {
  readonly phases: readonly { readonly weights: readonly [number, number]; readonly counts: Readonly<Record<string, number>> }[];
  /** Log lines of the control plane (streams, ACKs, NACKs, reloads). */
  readonly log: readonly string[];
}

const PHASES: readonly (readonly [number, number])[] = [
  [90, 10],
  [50, 50],
  [0, 100],
];

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

function bar(share: number, width = 24): string {
  const n = Math.round(share * width);
  return '█'.repeat(n) + '░'.repeat(width - n);
}

/** Writes a file the way editors save it: a temporary file renamed into place. */
function save(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function listen(dir: string, port: number, log: (line: string) => void): Promise<FileServer> {
  try {
    return await serveFiles({ path: dir, port, watch: true, log });
  } catch (e) {
    if (!/EADDRINUSE|address already in use|No address added/i.test(String((e as Error)?.message))) throw e;
    return serveFiles({ path: dir, port: 0, watch: true, log });
  }
}

let xdsRegistered = false;

/** Runs the example; resolves when its phases are over (or it was aborted). */
export async function runExample(options: ExampleOptions = {}): Promise<ExampleResult> {
  const write = options.write ?? ((t: string) => void process.stdout.write(t));
  const phaseMs = options.phaseMs ?? 4000;
  const signal = options.signal;
  const log: string[] = [];
  const phases: { weights: readonly [number, number]; counts: Record<string, number> }[] = [];
  const backends = [await startBackend('a'), await startBackend('b')];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdskit-example-'));
  let server: FileServer | undefined;
  let client: ReturnType<typeof greeterClient> | undefined;
  try {
    fs.writeFileSync(path.join(dir, 'base.yaml'), baseYaml([backends[0]!.port, backends[1]!.port]));
    fs.writeFileSync(path.join(dir, 'routes.yaml'), routesYaml(PHASES[0]!));
    fs.mkdirSync(path.join(dir, ENVOY_NODE));
    fs.writeFileSync(path.join(dir, ENVOY_NODE, 'envoy.yaml'), envoyOverrideYaml());

    let showLog = false;
    server = await listen(dir, options.port ?? 18000, (line) => {
      log.push(line);
      if (showLog && /^(ACK|NACK|node |rejected)/.test(line)) write(`    control plane │ ${line}\n`);
    });
    write(
      `\nxdskit example: a file-based xDS control plane, two gRPC backends and a proxyless gRPC client\n\n` +
        `  backends       a on 127.0.0.1:${backends[0]!.port}, b on 127.0.0.1:${backends[1]!.port}\n` +
        `  control plane  xdskit serve ${dir} --watch, on 127.0.0.1:${server.port}\n` +
        `  client         @grpc/grpc-js-xds dialing xds:///${TARGET} (LDS → RDS → CDS → EDS over ADS)\n\n` +
        `To point a real Envoy at this control plane, save this as bootstrap.yaml and run \`envoy -c bootstrap.yaml\`:\n\n` +
        envoyBootstrapYaml(server.port).replace(/^/gm, '    ') +
        `\n`,
    );

    // A real gRPC xDS client: the bootstrap comes from GRPC_XDS_BOOTSTRAP_CONFIG, as in production.
    process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${server.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'greeter-client', cluster: 'example', locality: { zone: 'local' } },
    });
    if (!xdsRegistered) {
      (createRequire(import.meta.url)('@grpc/grpc-js-xds') as { register(): void }).register();
      xdsRegistered = true;
    }
    client = greeterClient(`xds:///${TARGET}`);
    showLog = true;
    const first = await client.hello();
    write(`  first RPC answered by backend ${first}\n`);

    for (const [i, weights] of PHASES.entries()) {
      if (signal?.aborted) break;
      if (i > 0) save(path.join(dir, 'routes.yaml'), routesYaml(weights));
      write(`\nphase ${i + 1}: route weights a ${weights[0]} / b ${weights[1]}   (routes.yaml edited; the control plane reloads it)\n`);
      const counts: Record<string, number> = {};
      phases.push({ weights, counts });
      const end = Date.now() + phaseMs;
      while (Date.now() < end && !signal?.aborted) {
        const second: Record<string, number> = {};
        const tick = Math.min(Date.now() + 1000, end);
        while (Date.now() < tick && !signal?.aborted) {
          try {
            const b = await client.hello();
            second[b] = (second[b] ?? 0) + 1;
            counts[b] = (counts[b] ?? 0) + 1;
          } catch (e) {
            write(`    client        │ RPC failed: ${(e as Error).message}\n`);
            await sleep(200, signal);
          }
          await sleep(10, signal);
        }
        const total = (second['a'] ?? 0) + (second['b'] ?? 0) || 1;
        const a = (second['a'] ?? 0) / total;
        write(
          `    client        │ a ${bar(a)} ${String(Math.round(a * 100)).padStart(3)}%   b ${bar(1 - a)} ${String(Math.round((1 - a) * 100)).padStart(3)}%   (${total} RPCs)\n`,
        );
      }
    }
    write(`\ndone: the client followed every change without a restart. Per phase: ${phases.map((p) => `a ${p.counts['a'] ?? 0} / b ${p.counts['b'] ?? 0}`).join(', ')}\n`);
  } finally {
    client?.close();
    await server?.close();
    await Promise.all(backends.map((b) => b.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { phases, log };
}

const isMain = process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  runExample({ signal: abort.signal }).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`example failed: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
