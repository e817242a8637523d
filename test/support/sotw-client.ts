/**
 * A state-of-the-world xDS client for tests, on ADS or a per-type service, following the
 * spec's "ACK/NACK and resource type instance version" section:
 * - the first request of a type has an empty `version_info` and `response_nonce`;
 * - an ACK repeats the response's `version_info` and `nonce` and the current `resource_names`;
 * - a NACK carries the last *accepted* `version_info`, the rejected response's nonce and an
 *   `error_detail`; the response is not applied;
 * - the node is sent on the first request of the stream only.
 * `send` writes any raw request, for tests of stale nonces and bad input.
 */
import { ResponseQueue } from './response-queue.js';
import * as grpc from '@grpc/grpc-js';
import { unpack, type envoy } from 'xdskit';
import { ADS_SERVICE, xdsServiceDefinition, XDS_METHODS } from '../../src/server/index.js';

type Node = envoy.config.core.v3.Node;
type Request = envoy.service.discovery.v3.DiscoveryRequest;
type Response = envoy.service.discovery.v3.DiscoveryResponse;

/** Options of {@link SotwClient}. */
export interface SotwClientOptions {
  node?: Node;
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  /** The per-type service method to use instead of ADS, e.g. `StreamClusters`. @default ADS */
  method?: string;
  /** Return an error message to NACK a response (it is then not applied). */
  reject?: (response: Response) => string | undefined;
  /** Do not ACK automatically. @default false */
  manualAck?: boolean;
  /** Call metadata. */
  metadata?: grpc.Metadata;
}

/** Per type: what the client accepted. */
export interface SotwTypeState {
  /** version_info of the last accepted response. */
  version: string;
  /** Nonce of the last response received. */
  nonce: string;
  /** Resource names subscribed to. */
  names: string[];
  /** The resources of the last accepted response, by name, decoded. */
  resources: Map<string, unknown>;
}


const constructors = new Map<string, grpc.ServiceClientConstructor>();
function constructorFor(service: string): grpc.ServiceClientConstructor {
  let c = constructors.get(service);
  if (!c) constructors.set(service, (c = grpc.makeGenericClientConstructor(xdsServiceDefinition(service), service)));
  return c;
}

/** A SotW client on one stream. */
export class SotwClient {
  readonly types = new Map<string, SotwTypeState>();
  readonly received: Response[] = [];
  readonly sent: Request[] = [];
  status?: grpc.StatusObject;
  readonly ended: Promise<grpc.StatusObject>;
  readonly client: grpc.Client;
  private call: grpc.ClientDuplexStream<Request, Response>;
  private first = true;
  private readonly queue = new ResponseQueue<Response>((r) => r.typeUrl);

  constructor(
    readonly address: string,
    readonly options: SotwClientOptions = {},
  ) {
    const method = options.method ?? 'StreamAggregatedResources';
    const m = XDS_METHODS.find((x) => x.method === method);
    if (!m) throw new Error(`unknown method ${method}`);
    const Ctor = constructorFor(m?.service ?? ADS_SERVICE);
    this.client = new Ctor(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions);
    const call = (this.client as any)[method](options.metadata ?? new grpc.Metadata()) as grpc.ClientDuplexStream<Request, Response>;
    this.call = call;
    call.on('error', () => {});
    this.ended = new Promise((resolve) =>
      call.on('status', (s: grpc.StatusObject) => {
        this.status = s;
        this.queue.end(`stream ended: ${grpc.status[s.code]} ${s.details}`);
        resolve(s);
      }),
    );
    call.on('data', (r: Response) => this.onResponse(r));
  }

  private state(typeUrl: string): SotwTypeState {
    let s = this.types.get(typeUrl);
    if (!s) this.types.set(typeUrl, (s = { version: '', nonce: '', names: [], resources: new Map() }));
    return s;
  }

  /** Writes a raw request (with the node on the first request of the stream). */
  send(request: Request): void {
    const r = { ...request };
    if (this.first && this.options.node && !r.node) r.node = this.options.node;
    this.first = false;
    this.sent.push(r);
    this.call.write(r);
  }

  /** Subscribes to a type with a full list of names (SotW: the list replaces the previous one). */
  request(typeUrl: string, names: string[] = []): void {
    const s = this.state(typeUrl);
    s.names = [...names];
    this.send({ typeUrl, versionInfo: s.version, responseNonce: s.nonce, resourceNames: s.names });
  }

  private onResponse(r: Response): void {
    const typeUrl = r.typeUrl ?? '';
    this.received.push(r);
    const s = this.state(typeUrl);
    s.nonce = r.nonce ?? '';
    const error = this.options.reject?.(r);
    if (error === undefined) {
      s.version = r.versionInfo ?? '';
      s.resources = new Map();
      for (const any of r.resources ?? []) {
        let a = any;
        if (a.typeUrl?.endsWith('envoy.service.discovery.v3.Resource')) {
          const env = unpack(a, 'envoy.service.discovery.v3.Resource');
          if (!env.resource) continue;
          a = env.resource;
        }
        const msg = unpack(a) as { name?: string; clusterName?: string };
        s.resources.set(msg.clusterName ?? msg.name ?? '', msg);
      }
      if (!this.options.manualAck) this.send({ typeUrl, versionInfo: s.version, responseNonce: s.nonce, resourceNames: s.names });
    } else if (!this.options.manualAck) {
      this.send({ typeUrl, versionInfo: s.version, responseNonce: s.nonce, resourceNames: s.names, errorDetail: { code: 3, message: error } });
    }
    this.queue.push(r);
  }

  /** The next response (of a type) not yet taken; rejects after `timeoutMs`. */
  next(typeUrl?: string, timeoutMs = 5000): Promise<Response> {
    return this.queue.next(typeUrl, timeoutMs);
  }

  /** True if no response (of a type) arrives within `ms`. */
  quiet(ms: number, typeUrl?: string): Promise<boolean> {
    return this.queue.quiet(ms, typeUrl);
  }

  /** Names of the resources accepted for a type, sorted. */
  names(typeUrl: string): string[] {
    return [...(this.types.get(typeUrl)?.resources.keys() ?? [])].sort();
  }

  /** Ends the stream and closes the channel. */
  close(): void {
    try {
      this.call.end();
      this.call.cancel();
    } catch {
      /* closed */
    }
    this.client.close();
  }
}
