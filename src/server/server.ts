/**
 * `createXdsServer`: the xDS services on a `@grpc/grpc-js` server, fed by a cache.
 */
import * as grpc from '@grpc/grpc-js';
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import type { ClientStatusRequest, ClientStatusResponse } from '../gen/envoy/service/status/v3/csds.js';
import type { ConfigWatcher, DeltaWatch, SotwWatch } from '../cache/watch.js';
import { byNodeId } from '../cache/node-key.js';
import { serverCredentials, spiffeNodeAuthorizer, type AuthorizeNode, type ServerTlsOptions } from './auth.js';
import { clientStatus, csdsHandlers, type AuthorizeCsds } from './csds.js';
import { DeltaStream } from './delta-stream.js';
import { EventHub, type XdsServerEvents } from './events.js';
import { fetchOnce } from './fetch.js';
import { xdsMetrics, type MetricsOptions } from './metrics.js';
import type { OrderingOptions } from './ordering.js';
import { XDS_METHODS, XDS_SERVICE_NAMES, xdsServiceDefinition, type XdsMethod } from './services.js';
import { SotwStream } from './sotw-stream.js';
import { StatusBoard, type NodeStatus } from './status.js';
import { StreamError, type ServerContext, type StreamLimits, type XdsStream } from './stream.js';

/** Options of {@link createXdsServer}. Event handlers (`onAck`, `onNack`...) can be given here too. */
export interface XdsServerOptions extends XdsServerEvents {
  /**
   * Where the configuration comes from: a `SnapshotCache`, a `LinearCache`, a `MuxCache`, or
   * anything that opens SotW and delta watches.
   */
  readonly cache: ConfigWatcher;
  /**
   * The node key of a client (what status is grouped by).
   * @default the cache's `nodeKey` when it has one, else `node.id`
   */
  readonly nodeKey?: (node: Node) => string;
  /** Response order across types on ADS. @default { mode: 'make-before-break', waitForAck: false } */
  readonly ordering?: OrderingOptions;
  /**
   * go-control-plane's ADS rule: hold a response until every explicitly named resource of the
   * request exists. Off by default: xdskit answers with what exists, and sends the rest when it
   * appears (the spec allows it, and a missing name then delays nothing else).
   * @default false
   */
  readonly holdUntilAllNamed?: boolean;
  /**
   * TLS for {@link XdsServer.listen}; with `ca`, mTLS (clients must present a certificate).
   * @default undefined (insecure)
   */
  readonly tls?: ServerTlsOptions;
  /**
   * Decides whether a stream's node may get config; a refused stream ends with
   * PERMISSION_DENIED before any watch is opened. `false` turns the default off.
   * @default {@link spiffeNodeAuthorizer} when `tls.ca` is set (node id = the client
   *   certificate's SPIFFE ID), no check otherwise
   */
  readonly authorizeNode?: AuthorizeNode | false;
  /**
   * Decides who may call CSDS, which shows every node's config (secret contents excepted).
   * @default undefined (anyone who can connect)
   */
  readonly authorizeCsds?: AuthorizeCsds;
  /** Limits per request and stream. @default see {@link StreamLimits} */
  readonly limits?: StreamLimits;
  /**
   * `control_plane.identifier` in every response (shows in the client's config dump).
   * @default undefined
   */
  readonly controlPlaneId?: string;
  /**
   * How long a node stays in `status()` after its last stream closed.
   * @default 60000
   */
  readonly statusRetentionMs?: number;
  /** Prometheus metrics with prom-client. @default undefined (no metrics) */
  readonly metrics?: MetricsOptions;
  /** How long a unary `Fetch*` waits for a node's first snapshot. @default 5000 */
  readonly fetchTimeoutMs?: number;
  /**
   * Which services to serve (full names, e.g. `envoy.service.discovery.v3.AggregatedDiscoveryService`).
   * @default every xDS service and CSDS
   */
  readonly services?: readonly string[];
  /** grpc-js server options when the server listens itself. @default keepalive 30 s / 10 s */
  readonly grpcOptions?: grpc.ServerOptions;
}

/** Counters of the server's live state. */
export interface XdsServerStats {
  /** Open xDS streams (SotW and delta). */
  readonly streams: number;
  /** Open watches (one per stream and type). */
  readonly watches: number;
  /** Nodes in the status (connected, or retained after their last stream closed). */
  readonly nodes: number;
}

/** An xDS server. */
export interface XdsServer {
  /** Adds the xDS services to a grpc-js server you own (before you bind it). */
  addTo(server: grpc.Server): void;
  /**
   * Makes a grpc-js server with the xDS services and binds it: `'127.0.0.1:18000'`, or port 0
   * for an ephemeral port. Uses `tls` when given, insecure credentials otherwise (or the
   * credentials passed).
   *
   * @returns the port bound
   */
  listen(address: string, credentials?: grpc.ServerCredentials): Promise<number>;
  /** Per node and type: sent and ACKed versions, last NACK, pending. */
  status(): NodeStatus[];
  /** One node's status, by node key. */
  status(nodeKey: string): NodeStatus | undefined;
  /** Open streams, watches and nodes. */
  stats(): XdsServerStats;
  /** What CSDS answers: per node, each resource sent and its ACK/NACK state. */
  clientStatus(request?: ClientStatusRequest): ClientStatusResponse;
  /** Adds event handlers; returns the function that removes them. */
  subscribe(handlers: XdsServerEvents): () => void;
  /**
   * Stops the server: new streams are refused, open ones end with UNAVAILABLE after the
   * response being written is delivered; the server it listens with (if any) shuts down, forced
   * after `graceMs`.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const DEFAULT_LIMITS: Required<StreamLimits> = { maxResourceNames: 100_000, maxTypesPerStream: 64, maxQueuedRequests: 100 };

/**
 * Creates an xDS server on a cache: ADS and the per-type services (CDS, EDS, LEDS, LDS, RDS,
 * SRDS, VHDS, SDS, RTDS, ECDS) in SotW and delta where the protocol has them, the unary
 * `Fetch*` RPCs, and CSDS.
 *
 * @example
 * const cache = new SnapshotCache();
 * cache.setSnapshot('envoy-1', Snapshot.create({ clusters, endpoints, listeners, routes }));
 * const xds = createXdsServer({ cache, onNack: (e) => console.warn(e.nodeKey, e.error.message) });
 * await xds.listen('127.0.0.1:18000');
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol
 */
export function createXdsServer(options: XdsServerOptions): XdsServer {
  const hub = new EventHub();
  hub.add(options);
  if (options.metrics) hub.add(xdsMetrics(options.metrics));
  const cache = options.cache;
  const nodeKey = options.nodeKey ?? (cache.nodeKey ? (n: Node) => cache.nodeKey!(n) : byNodeId);
  const authorize = options.authorizeNode === false ? undefined : (options.authorizeNode ?? (options.tls?.ca ? spiffeNodeAuthorizer : undefined));
  let streamIds = 0;
  const ctx: ServerContext = {
    cache,
    nodeKey,
    hub,
    board: new StatusBoard(options.statusRetentionMs ?? 60_000),
    ...(authorize ? { authorize } : {}),
    ordering: options.ordering?.mode ?? 'make-before-break',
    waitForAck: options.ordering?.waitForAck ?? false,
    holdUntilAllNamed: options.holdUntilAllNamed ?? false,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    ...(options.controlPlaneId ? { controlPlane: options.controlPlaneId } : {}),
    streams: new Set(),
    nextStreamId: () => ++streamIds,
  };
  const services = options.services ?? XDS_SERVICE_NAMES;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 5000;
  let closing = false;
  let own: grpc.Server | undefined;

  const refuse = (call: { emit(e: string, v: unknown): void }) => call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xds server is shutting down' });

  const implementation = (service: string): grpc.UntypedServiceImplementation => {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const m of XDS_METHODS.filter((x) => x.service === service)) impl[m.method] = handlerFor(m);
    if (XDS_METHODS.some((x) => x.service === service && x.kind.startsWith('csds'))) Object.assign(impl, csdsHandlers(ctx, options.authorizeCsds));
    return impl;
  };

  const handlerFor = (m: XdsMethod): grpc.UntypedHandleCall => {
    switch (m.kind) {
      case 'sotw':
        return (call: grpc.ServerDuplexStream<unknown, Buffer>) => {
          if (closing) return refuse(call);
          new SotwStream(ctx, call, m, 'sotw');
        };
      case 'delta':
        return (call: grpc.ServerDuplexStream<unknown, Buffer>) => {
          if (closing) return refuse(call);
          new DeltaStream(ctx, call, m, 'delta');
        };
      case 'fetch':
        return (call: grpc.ServerUnaryCall<unknown, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          if (closing) return callback({ code: grpc.status.UNAVAILABLE, details: 'xds server is shutting down' } as grpc.ServiceError);
          fetchOnce(ctx, m, call.request, call as never, fetchTimeoutMs).then(
            (b) => callback(null, b),
            (e) =>
              callback(
                (e instanceof StreamError
                  ? { code: e.code, details: e.message }
                  : { code: grpc.status.INTERNAL, details: String((e as Error)?.message ?? e) }) as grpc.ServiceError,
              ),
          );
        };
      default:
        return () => {};
    }
  };

  const server: XdsServer = {
    addTo(grpcServer) {
      for (const s of services) grpcServer.addService(xdsServiceDefinition(s), implementation(s));
    },
    async listen(address, credentials) {
      if (own) throw new Error('xds server is already listening');
      own = new grpc.Server({
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        ...options.grpcOptions,
      });
      server.addTo(own);
      const creds = credentials ?? (options.tls ? serverCredentials(options.tls) : grpc.ServerCredentials.createInsecure());
      const s = own;
      return new Promise<number>((resolve, reject) => s.bindAsync(address, creds, (e, port) => (e ? reject(e) : resolve(port))));
    },
    status(key?: string) {
      return (key === undefined ? ctx.board.all() : ctx.board.get(key)) as never;
    },
    stats() {
      let watches = 0;
      for (const s of ctx.streams) watches += s.watchCount;
      return { streams: ctx.streams.size, watches, nodes: ctx.board.size };
    },
    clientStatus(request = {}) {
      return clientStatus(ctx.streams, request);
    },
    subscribe(handlers) {
      return hub.add(handlers);
    },
    async close({ graceMs = 5000 } = {}) {
      closing = true;
      const streams: XdsStream<SotwWatch | DeltaWatch>[] = [...ctx.streams];
      for (const s of streams) s.close(grpc.status.UNAVAILABLE, 'xds server is shutting down', true);
      const s = own;
      own = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.forceShutdown();
          resolve();
        }, graceMs);
        t.unref?.();
        s.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
  return server;
}
