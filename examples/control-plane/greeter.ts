/**
 * A tiny gRPC service for the example: `/example.Greeter/SayHello` answers with the name of the
 * backend that served it. Messages are JSON through grpc-js' generic handlers, so the example
 * needs no .proto file.
 */
import * as grpc from '@grpc/grpc-js';

const json = {
  serialize: (o: unknown) => Buffer.from(JSON.stringify(o)),
  deserialize: (b: Buffer) => JSON.parse(b.toString() || '{}') as unknown,
};

/** The Greeter service definition (client and server side). */
export const GreeterService: grpc.ServiceDefinition = {
  SayHello: {
    path: '/example.Greeter/SayHello',
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
  stop(): Promise<void>;
}

/** Starts a Greeter backend on 127.0.0.1 (a free port) that answers as `name`. */
export async function startBackend(name: string): Promise<Backend> {
  const server = new grpc.Server();
  server.addService(GreeterService, {
    SayHello: (call: grpc.ServerUnaryCall<{ name?: string }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { message: `hello ${call.request.name ?? 'there'}`, backend: name }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { name, port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

/** A Greeter client of `target` (e.g. `xds:///greeter`); `hello()` resolves to the backend's name. */
export function greeterClient(target: string): { hello(): Promise<string>; close(): void } {
  const Client = grpc.makeGenericClientConstructor(GreeterService, 'Greeter');
  const client = new Client(target, grpc.credentials.createInsecure());
  return {
    hello: () =>
      new Promise((resolve, reject) =>
        (client as unknown as { SayHello: Function }).SayHello(
          { name: 'xdskit' },
          { deadline: Date.now() + 5000 },
          (e: grpc.ServiceError | null, r: { backend: string }) => (e ? reject(e) : resolve(r.backend)),
        ),
      ),
    close: () => client.close(),
  };
}
