/**
 * Small gRPC backends on 127.0.0.1 and a real `@grpc/grpc-js-xds` client for end-to-end tests.
 *
 * The backends serve one unary method, `/xdskit.test.Echo/Who`, that answers with the backend's
 * name; messages are JSON bytes through grpc-js generic handlers (no .proto needed). The client
 * resolves `xds:///NAME` through our server (LDS → RDS → CDS → EDS over ADS) with a bootstrap
 * of its own, so each test can point its client at its own server and node.
 */
import * as grpc from '@grpc/grpc-js';
import { createRequire } from 'node:module';

const json = {
  serialize: (o: unknown) => Buffer.from(JSON.stringify(o)),
  deserialize: (b: Buffer) => JSON.parse(b.toString() || '{}'),
};

/** The Echo service: `Who({})` → `{ backend }`. */
export const EchoService: grpc.ServiceDefinition = {
  Who: {
    path: '/xdskit.test.Echo/Who',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

/** A running backend. */
export interface Backend {
  readonly name: string;
  readonly port: number;
  /** Calls served so far. */
  calls: number;
  stop(): Promise<void>;
}

/** Starts a backend named `name` on 127.0.0.1 (an ephemeral port). */
export async function startBackend(name: string): Promise<Backend> {
  const server = new grpc.Server();
  const backend: Backend = {
    name,
    port: 0,
    calls: 0,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(EchoService, {
    Who: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      backend.calls++;
      callback(null, { backend: name });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  (backend as { port: number }).port = port;
  return backend;
}

let registered = false;

/** Registers the `xds:` resolver of `@grpc/grpc-js-xds` in grpc-js (once per process). */
export function registerXds(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
  registered = true;
}

/** A gRPC xDS bootstrap (the JSON `GRPC_XDS_BOOTSTRAP_CONFIG` holds). */
export function grpcBootstrap(serverUri: string, node: { id: string; cluster?: string; locality?: { zone?: string } }): Record<string, unknown> {
  return {
    xds_servers: [{ server_uri: serverUri, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: node.id, cluster: node.cluster ?? 'xdskit-test', locality: node.locality ?? { zone: 'test' } },
  };
}

/**
 * The channel option of grpc-js-xds that gives one channel its own bootstrap (and so its own
 * xDS client), instead of the process-wide `GRPC_XDS_BOOTSTRAP_CONFIG`: lets tests run several
 * clients against several servers in one process. A test-only option of grpc-js-xds.
 */
export const BOOTSTRAP_CHANNEL_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';

/** A client of the Echo service through xDS. */
export interface EchoClient {
  /** One RPC: the name of the backend that answered. */
  who(deadlineMs?: number): Promise<string>;
  /** `n` RPCs in sequence; the count per backend name. */
  spread(n: number): Promise<Record<string, number>>;
  close(): void;
}

/** A client of `xds:///NAME` with its own bootstrap pointing at `serverUri`. */
export function xdsEchoClient(target: string, bootstrap: Record<string, unknown>): EchoClient {
  registerXds();
  const Ctor = grpc.makeGenericClientConstructor(EchoService, 'Echo');
  const client = new Ctor(target, grpc.credentials.createInsecure(), { [BOOTSTRAP_CHANNEL_OPTION]: JSON.stringify(bootstrap) });
  const who = (deadlineMs = 5000) =>
    new Promise<string>((resolve, reject) =>
      (client as any).Who({}, { deadline: Date.now() + deadlineMs }, (e: grpc.ServiceError | null, r: { backend: string }) =>
        e ? reject(e) : resolve(r.backend),
      ),
    );
  return {
    who,
    async spread(n) {
      const out: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const b = await who();
        out[b] = (out[b] ?? 0) + 1;
      }
      return out;
    },
    close: () => client.close(),
  };
}

/** Retries `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, intervalMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
