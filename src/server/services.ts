/**
 * The gRPC services of xDS, as `@grpc/grpc-js` service definitions built without `.proto`
 * loading: ADS, the per-type discovery services and CSDS.
 *
 * Each method's path is the one in Envoy's `.proto` files (`envoy/service/<kind>/v3/*.proto`).
 * Server side, requests are decoded with the registry (an undecodable request becomes a value
 * the stream turns into an `INVALID_ARGUMENT` status, rather than grpc-js' opaque `INTERNAL`),
 * and responses arrive as Buffers the stream framed with `wire.ts` around pre-encoded resource
 * bytes (passed through untouched). Client side (tests,
 * tools), requests are encoded and responses decoded with the registry, so the same definitions
 * make a client with `grpc.makeGenericClientConstructor`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#rpc-services-and-variants-of-the-xds-transport-protocol
 */
import type * as grpc from '@grpc/grpc-js';
import { decode, encode } from '../registry/codec.js';
import { TypeUrl } from '../registry/type-urls.js';
import { decodeDeltaDiscoveryRequest, decodeDiscoveryRequest, decodeRequest } from './wire.js';

const DISCOVERY_REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';
const DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';
const DELTA_REQUEST = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';
const DELTA_RESPONSE = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
const CSDS_REQUEST = 'envoy.service.status.v3.ClientStatusRequest';
const CSDS_RESPONSE = 'envoy.service.status.v3.ClientStatusResponse';

/**
 * The shape of an xDS RPC.
 *
 * - `sotw`: a bidirectional stream of `DiscoveryRequest` / `DiscoveryResponse` (state of the world).
 * - `delta`: a bidirectional stream of `DeltaDiscoveryRequest` / `DeltaDiscoveryResponse` (incremental).
 * - `fetch`: unary `DiscoveryRequest` → `DiscoveryResponse` (the REST-JSON polling variant over gRPC).
 * - `csds-stream` / `csds-fetch`: Client Status Discovery Service.
 */
export type XdsMethodKind = 'sotw' | 'delta' | 'fetch' | 'csds-stream' | 'csds-fetch';

/** One RPC of an xDS service. */
export interface XdsMethod {
  /** Full service name, e.g. `envoy.service.cluster.v3.ClusterDiscoveryService`. */
  readonly service: string;
  /** Method name, e.g. `StreamClusters`. */
  readonly method: string;
  /** The HTTP/2 path: `/service/method`. */
  readonly path: string;
  readonly kind: XdsMethodKind;
  /**
   * The resource type a per-type service serves (implicit in its requests); undefined for ADS,
   * whose requests name their type, and for CSDS.
   */
  readonly typeUrl?: string;
}

/** The xDS services: service name → its resource type (undefined: ADS) and its methods. */
const SERVICES: ReadonlyArray<{ service: string; typeUrl?: string; methods: ReadonlyArray<[string, XdsMethodKind]> }> = [
  {
    service: 'envoy.service.discovery.v3.AggregatedDiscoveryService',
    methods: [['StreamAggregatedResources', 'sotw'], ['DeltaAggregatedResources', 'delta']],
  },
  {
    service: 'envoy.service.cluster.v3.ClusterDiscoveryService',
    typeUrl: TypeUrl.Cluster,
    methods: [['StreamClusters', 'sotw'], ['DeltaClusters', 'delta'], ['FetchClusters', 'fetch']],
  },
  {
    service: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
    typeUrl: TypeUrl.ClusterLoadAssignment,
    methods: [['StreamEndpoints', 'sotw'], ['DeltaEndpoints', 'delta'], ['FetchEndpoints', 'fetch']],
  },
  {
    service: 'envoy.service.endpoint.v3.LocalityEndpointDiscoveryService',
    typeUrl: TypeUrl.LbEndpoint,
    methods: [['DeltaLocalityEndpoints', 'delta']],
  },
  {
    service: 'envoy.service.listener.v3.ListenerDiscoveryService',
    typeUrl: TypeUrl.Listener,
    methods: [['StreamListeners', 'sotw'], ['DeltaListeners', 'delta'], ['FetchListeners', 'fetch']],
  },
  {
    service: 'envoy.service.route.v3.RouteDiscoveryService',
    typeUrl: TypeUrl.RouteConfiguration,
    methods: [['StreamRoutes', 'sotw'], ['DeltaRoutes', 'delta'], ['FetchRoutes', 'fetch']],
  },
  {
    service: 'envoy.service.route.v3.ScopedRoutesDiscoveryService',
    typeUrl: TypeUrl.ScopedRouteConfiguration,
    methods: [['StreamScopedRoutes', 'sotw'], ['DeltaScopedRoutes', 'delta'], ['FetchScopedRoutes', 'fetch']],
  },
  {
    // VHDS is delta only: virtual hosts are fetched on demand, which needs subscribe/unsubscribe.
    service: 'envoy.service.route.v3.VirtualHostDiscoveryService',
    typeUrl: TypeUrl.VirtualHost,
    methods: [['DeltaVirtualHosts', 'delta']],
  },
  {
    service: 'envoy.service.secret.v3.SecretDiscoveryService',
    typeUrl: TypeUrl.Secret,
    methods: [['StreamSecrets', 'sotw'], ['DeltaSecrets', 'delta'], ['FetchSecrets', 'fetch']],
  },
  {
    service: 'envoy.service.runtime.v3.RuntimeDiscoveryService',
    typeUrl: TypeUrl.Runtime,
    methods: [['StreamRuntime', 'sotw'], ['DeltaRuntime', 'delta'], ['FetchRuntime', 'fetch']],
  },
  {
    service: 'envoy.service.extension.v3.ExtensionConfigDiscoveryService',
    typeUrl: TypeUrl.TypedExtensionConfig,
    methods: [['StreamExtensionConfigs', 'sotw'], ['DeltaExtensionConfigs', 'delta'], ['FetchExtensionConfigs', 'fetch']],
  },
  {
    service: 'envoy.service.status.v3.ClientStatusDiscoveryService',
    methods: [['StreamClientStatus', 'csds-stream'], ['FetchClientStatus', 'csds-fetch']],
  },
];

/** Every xDS RPC xdskit serves, in a fixed order. */
export const XDS_METHODS: readonly XdsMethod[] = Object.freeze(
  SERVICES.flatMap((s) =>
    s.methods.map(([method, kind]) =>
      Object.freeze({ service: s.service, method, path: `/${s.service}/${method}`, kind, ...(s.typeUrl ? { typeUrl: s.typeUrl } : {}) }),
    ),
  ),
);

/** Full names of the services in {@link XDS_METHODS}. */
export const XDS_SERVICE_NAMES: readonly string[] = Object.freeze(SERVICES.map((s) => s.service));

/** The full name of the Aggregated Discovery Service. */
export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** The full name of the Client Status Discovery Service. */
export const CSDS_SERVICE = 'envoy.service.status.v3.ClientStatusDiscoveryService';

const asBuffer = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

/**
 * Serializes a response: the server writes responses already framed by `wire.ts` (a Buffer,
 * passed through as is, so the stream knows the bytes it sent); a plain message (a test server,
 * a proxy) is encoded with the registry.
 */
const responseSerializer =
  (fullName: string) =>
  (r: Buffer | Record<string, unknown>): Buffer =>
    Buffer.isBuffer(r) ? r : asBuffer(encode(fullName, r as never));

function methodDefinition(m: XdsMethod): grpc.MethodDefinition<any, any> {
  const base = { path: m.path, originalName: m.method };
  switch (m.kind) {
    case 'sotw':
    case 'fetch':
      return {
        ...base,
        requestStream: m.kind === 'sotw',
        responseStream: m.kind === 'sotw',
        requestSerialize: (msg: unknown) => asBuffer(encode(DISCOVERY_REQUEST, msg as never)),
        requestDeserialize: (b: Buffer) => decodeDiscoveryRequest(b),
        responseSerialize: responseSerializer(DISCOVERY_RESPONSE),
        responseDeserialize: (b: Buffer) => decode(DISCOVERY_RESPONSE, b),
      };
    case 'delta':
      return {
        ...base,
        requestStream: true,
        responseStream: true,
        requestSerialize: (msg: unknown) => asBuffer(encode(DELTA_REQUEST, msg as never)),
        requestDeserialize: (b: Buffer) => decodeDeltaDiscoveryRequest(b),
        responseSerialize: responseSerializer(DELTA_RESPONSE),
        responseDeserialize: (b: Buffer) => decode(DELTA_RESPONSE, b),
      };
    case 'csds-stream':
    case 'csds-fetch':
      return {
        ...base,
        requestStream: m.kind === 'csds-stream',
        responseStream: m.kind === 'csds-stream',
        requestSerialize: (msg: unknown) => asBuffer(encode(CSDS_REQUEST, msg as never)),
        requestDeserialize: (b: Buffer) => decodeRequest(CSDS_REQUEST, b),
        responseSerialize: responseSerializer(CSDS_RESPONSE),
        responseDeserialize: (b: Buffer) => decode(CSDS_RESPONSE, b),
      };
  }
}

/**
 * The `@grpc/grpc-js` definition of one xDS service, keyed by method name.
 *
 * @example
 * const Ads = grpc.makeGenericClientConstructor(xdsServiceDefinition(ADS_SERVICE), 'ads');
 * const client = new Ads('127.0.0.1:18000', grpc.credentials.createInsecure());
 */
export function xdsServiceDefinition(service: string): grpc.ServiceDefinition {
  const methods = XDS_METHODS.filter((m) => m.service === service);
  if (!methods.length) throw new Error(`unknown xDS service "${service}"; known: ${XDS_SERVICE_NAMES.join(', ')}`);
  const def: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const m of methods) def[m.method] = methodDefinition(m);
  return def;
}

/** The xDS method of a path (`/envoy.service.../StreamClusters`), if xdskit serves it. */
export function xdsMethodOfPath(path: string): XdsMethod | undefined {
  return XDS_METHODS.find((m) => m.path === path);
}
