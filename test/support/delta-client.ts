/**
 * A delta (incremental) xDS client that follows Envoy's xDS protocol document, for tests and
 * benchmarks: no real delta client exists on npm (grpc-js-xds speaks SotW only).
 *
 * What it does, per the "Incremental xDS" section of the spec:
 * - the node is sent on the first request of the stream only;
 * - a subscription is a spontaneous request (no `response_nonce`) with
 *   `resource_names_subscribe` / `resource_names_unsubscribe`; `*` subscribes to the wildcard;
 *   an empty first request is the legacy wildcard;
 * - each response is applied (resources added or updated by name, `removed_resources`
 *   dropped) and ACKed with its nonce, or NACKed with `error_detail` and not applied when the
 *   `reject` hook returns an error message;
 * - on reconnect, the first request of each type carries `initial_resource_versions`: the
 *   name → version of every resource held, so the server sends only what differs.
 */
import { ResponseQueue } from './response-queue.js';
import * as grpc from '@grpc/grpc-js';
import { ADS_SERVICE, XDS_METHODS, xdsServiceDefinition } from '../../src/server/index.js';
import { unpack, type envoy } from 'xdskit';

type Node = envoy.config.core.v3.Node;
type DeltaRequest = envoy.service.discovery.v3.DeltaDiscoveryRequest;
type DeltaResponse = envoy.service.discovery.v3.DeltaDiscoveryResponse;

/** The ADS definition, with responses carrying their size on the wire (non-enumerable `wireSize`). */
const definition = (() => {
  const def = { ...xdsServiceDefinition(ADS_SERVICE) } as Record<string, grpc.MethodDefinition<any, any>>;
  const m = def['DeltaAggregatedResources']!;
  def['DeltaAggregatedResources'] = {
    ...m,
    responseDeserialize: (b: Buffer) => Object.defineProperty(m.responseDeserialize(b), 'wireSize', { value: b.length }),
  };
  return def;
})();

/** The ADS client constructor the test clients use. */
export const AdsClient = grpc.makeGenericClientConstructor(definition, 'AggregatedDiscoveryService');
const Ads = AdsClient;

/** What the client holds of one resource. */
export interface HeldResource {
  version: string;
  /** The decoded resource (unpacked from its Any). */
  resource: unknown;
  /** Its bytes as received. */
  bytes: Buffer;
  /** `Resource.aliases` as received (VHDS), when the response listed any. */
  aliases?: string[];
}

/** Options of {@link DeltaClient}. */
export interface DeltaClientOptions {
  node?: Node;
  credentials?: grpc.ChannelCredentials;
  /** Channel options (e.g. a shared subchannel pool off, for many streams). */
  channelOptions?: grpc.ChannelOptions;
  /** Return an error message to NACK a response (it is then not applied). */
  reject?: (response: DeltaResponse) => string | undefined;
  /** Do not ACK automatically (tests that play the client by hand). @default false */
  manualAck?: boolean;
  /** Decode resources (off in benchmarks to measure the server, not the client). @default true */
  decode?: boolean;
  /** An existing client (channel) to open the stream on. */
  client?: grpc.Client;
  /**
   * A per-type discovery service to stream from instead of ADS (its `Delta*` method), e.g.
   * `envoy.service.route.v3.VirtualHostDiscoveryService`.
   * @default ADS (DeltaAggregatedResources)
   */
  service?: string;
}

/** One received response, with the time it arrived. */
export interface Received {
  response: DeltaResponse;
  at: number;
  bytes: number;
}


/** A delta ADS client on one stream (reconnects keep its state, as Envoy does). */
export class DeltaClient {
  /** Per type: the resources held, by name. */
  readonly held = new Map<string, Map<string, HeldResource>>();
  /** Per type: the names subscribed to (`*` for the wildcard). */
  readonly subscribed = new Map<string, Set<string>>();
  /** Every response received, in order. */
  readonly received: Received[] = [];
  /** Every request sent, in order. */
  readonly sent: DeltaRequest[] = [];
  /** The gRPC status the stream ended with, once it has. */
  status?: grpc.StatusObject;
  /** Resolves when the stream ends (with its status). */
  ended!: Promise<grpc.StatusObject>;

  private client: grpc.Client;
  private ownsClient: boolean;
  /** The delta method streamed: DeltaAggregatedResources, or the given service's Delta* method. */
  private readonly method: string;
  private call!: grpc.ClientDuplexStream<DeltaRequest, DeltaResponse>;
  private firstOnStream = true;
  private readonly queue = new ResponseQueue<Received>((r) => r.response.typeUrl);

  constructor(
    readonly address: string,
    readonly options: DeltaClientOptions = {},
  ) {
    this.ownsClient = !options.client;
    const service = options.service;
    const delta = service ? XDS_METHODS.find((m) => m.service === service && m.kind === 'delta') : undefined;
    if (service && !delta) throw new Error(`${service} has no delta method`);
    this.method = delta?.method ?? 'DeltaAggregatedResources';
    const Client = service ? grpc.makeGenericClientConstructor(xdsServiceDefinition(service), service) : Ads;
    this.client = options.client ?? new Client(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions);
    this.open();
  }

  private open(metadata?: grpc.Metadata): void {
    this.firstOnStream = true;
    this.status = undefined;
    this.queue.reopen();
    const call = (this.client as any)[this.method](metadata ?? new grpc.Metadata()) as grpc.ClientDuplexStream<DeltaRequest, DeltaResponse>;
    this.call = call;
    this.ended = new Promise((resolve) => {
      call.on('status', (s: grpc.StatusObject) => {
        if (this.call !== call) return;
        this.status = s;
        this.queue.end(`stream ended: ${grpc.status[s.code]} ${s.details}`);
        resolve(s);
      });
    });
    call.on('error', () => {});
    call.on('data', (response: DeltaResponse) => {
      if (this.call !== call) return;
      this.onResponse(response);
    });
  }

  /** Sends a raw request (the node is added to the first request of the stream). */
  send(request: DeltaRequest): void {
    const r = { ...request };
    if (this.firstOnStream && this.options.node && !r.node) r.node = this.options.node;
    this.firstOnStream = false;
    this.sent.push(r);
    this.call.write(r);
  }

  /** Subscribes to names of a type (`['*']` for the wildcard; `[]` the legacy wildcard). */
  subscribe(typeUrl: string, names: string[]): void {
    const first = !this.subscribed.has(typeUrl);
    const set = this.subscribed.get(typeUrl) ?? new Set<string>();
    this.subscribed.set(typeUrl, set);
    for (const n of names) set.add(n);
    this.send({ typeUrl, resourceNamesSubscribe: names, ...(first ? this.initialVersions(typeUrl) : {}) });
  }

  /** Unsubscribes from names of a type; the resources are dropped from what the client holds. */
  unsubscribe(typeUrl: string, names: string[]): void {
    const set = this.subscribed.get(typeUrl);
    const held = this.held.get(typeUrl);
    for (const n of names) {
      set?.delete(n);
      if (n !== '*') held?.delete(n);
    }
    this.send({ typeUrl, resourceNamesUnsubscribe: names });
  }

  private initialVersions(typeUrl: string): Pick<DeltaRequest, 'initialResourceVersions'> {
    const held = this.held.get(typeUrl);
    if (!held?.size) return {};
    const initialResourceVersions: Record<string, string> = {};
    for (const [name, r] of held) initialResourceVersions[name] = r.version;
    return { initialResourceVersions };
  }

  /** ACKs a response by nonce. */
  ack(typeUrl: string, nonce: string): void {
    this.send({ typeUrl, responseNonce: nonce });
  }

  /** NACKs a response by nonce, with an error message. */
  nack(typeUrl: string, nonce: string, message: string): void {
    this.send({ typeUrl, responseNonce: nonce, errorDetail: { code: 3, message } });
  }

  private onResponse(response: DeltaResponse): void {
    const typeUrl = response.typeUrl ?? '';
    const received = { response, at: performance.now(), bytes: (response as { wireSize?: number }).wireSize ?? 0 };
    this.received.push(received);
    const error = this.options.reject?.(response);
    if (error === undefined) {
      let held = this.held.get(typeUrl);
      if (!held) this.held.set(typeUrl, (held = new Map()));
      for (const r of response.resources ?? []) {
        const bytes = Buffer.from(r.resource?.value ?? []);
        const resource = this.options.decode === false || !r.resource ? undefined : unpack(r.resource);
        held.set(r.name ?? '', { version: r.version ?? '', resource, bytes, ...(r.aliases?.length ? { aliases: [...r.aliases] } : {}) });
      }
      for (const name of response.removedResources ?? []) held.delete(name);
      if (!this.options.manualAck) this.ack(typeUrl, response.nonce ?? '');
    } else if (!this.options.manualAck) {
      this.nack(typeUrl, response.nonce ?? '', error);
    }
    this.queue.push(received);
  }

  /** The next response (of a type, if given) not yet taken; rejects after `timeoutMs`. */
  next(typeUrl?: string, timeoutMs = 5000): Promise<Received> {
    return this.queue.next(typeUrl, timeoutMs);
  }

  /** Resolves to true if no response (of a type) arrives within `ms`. */
  quiet(ms: number, typeUrl?: string): Promise<boolean> {
    return this.queue.quiet(ms, typeUrl);
  }

  /** Responses received and not yet taken by {@link next}. */
  pending(): number {
    return this.queue.length;
  }

  /** The names held for a type, sorted. */
  names(typeUrl: string): string[] {
    return [...(this.held.get(typeUrl)?.keys() ?? [])].sort();
  }

  /**
   * Closes the stream and opens a new one, re-subscribing to every type with
   * `initial_resource_versions` set to what the client holds (the spec's reconnect).
   * `whileAway` runs between the two (to change the config while the client is away).
   */
  async reconnect(whileAway?: () => void | Promise<void>): Promise<void> {
    const old = this.call;
    this.call = undefined as never;
    old.cancel();
    this.queue.reopen(true);
    await whileAway?.();
    this.open();
    for (const [typeUrl, names] of this.subscribed) {
      this.send({ typeUrl, resourceNamesSubscribe: [...names], ...this.initialVersions(typeUrl) });
    }
  }

  /** Stops reading responses: HTTP/2 flow control then stalls the server's writes (a slow client). */
  pause(): void {
    this.call.pause();
  }

  /** Reads responses again. */
  resume(): void {
    this.call.resume();
  }

  /** Half-closes and cancels the stream, and closes the channel if the client made it. */
  close(): void {
    try {
      this.call.end();
      this.call.cancel();
    } catch {
      /* already closed */
    }
    if (this.ownsClient) this.client.close();
  }
}
