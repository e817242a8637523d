/**
 * A gRPC stream over bare `node:http2`, for a client that stops reading: its HTTP/2 stream is
 * paused, so it stops returning flow-control credit and the server's writes stall after 64 KB —
 * what a stuck Envoy looks like from the server. (A grpc-js client buffers 16 messages before
 * it stops reading, which hides the stall behind megabytes of client buffer.)
 */
import http2 from 'node:http2';
import { encode } from 'xdskit';

/** A raw bidirectional gRPC stream. */
export interface RawStream {
  /** Writes a request message (encoded with the registry as `type`). */
  send(message: unknown): void;
  /** Bytes of response frames received so far. */
  readonly bytesReceived: number;
  /** Messages received so far (complete gRPC frames). */
  readonly messages: number;
  /** The bodies of the messages received. */
  readonly bodies: readonly Buffer[];
  /** Stops reading (flow control then stalls the server). */
  pause(): void;
  /** Reads again. */
  resume(): void;
  close(): void;
}

/** Opens a bidirectional gRPC call with `path` on `127.0.0.1:port`, whose requests are `type` messages. */
export function rawGrpcStream(port: number, path: string, type: string): RawStream {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' }, { endStream: false });
  stream.on('error', () => {});
  let bytes = 0;
  let messages = 0;
  const bodies: Buffer[] = [];
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const len = pending.readUInt32BE(1);
      if (pending.length < 5 + len) break;
      bodies.push(Buffer.from(pending.subarray(5, 5 + len)));
      pending = pending.subarray(5 + len);
      messages++;
    }
  });
  return {
    send(message) {
      const body = Buffer.from(encode(type, message as never));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      stream.write(frame);
    },
    get bytesReceived() {
      return bytes;
    },
    get messages() {
      return messages;
    },
    bodies,
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    close() {
      stream.close();
      session.close();
    },
  };
}
