/**
 * An ambient waypoint: the L7 proxy that ztunnels send a service's traffic to over HBONE
 * (HTTP/2 CONNECT in mTLS on 15008), built with the builders.
 *
 * The path of a connection:
 * 1. `connect_terminate` (0.0.0.0:15008) terminates mTLS (client certificate required) and the
 *    CONNECT: the set-filter-state filter records the CONNECT authority (`VIP:PORT`) as the
 *    original destination (`envoy.filters.listener.original_dst.local_ip`, shared with the
 *    upstream internal connections), and the route sends the tunnel's payload to the cluster
 *    `main_internal`.
 * 2. The internal listener `main_internal` restores that destination (`original_dst`) and its
 *    `filter_chain_matcher` (destination IP, then port) picks the chain of the service port:
 *    `inbound-vip|PORT|http|HOST` (HCM, RDS route of the same name) or
 *    `inbound-vip|PORT|tcp|HOST` (tcp_proxy). Unknown destinations take the passthrough chain
 *    to `encap`, or are closed.
 * 3. The service cluster `inbound-vip|PORT|PROTO|HOST` gets its endpoints from EDS: internal
 *    addresses of the listener `connect_originate`, one per pod, whose metadata carries the
 *    pod address (`envoy.filters.listener.original_dst` → `local`), passed through by the
 *    internal upstream transport socket.
 * 4. `connect_originate` restores the pod address and tunnels to it: tcp_proxy with
 *    `tunneling_config` (CONNECT to `POD_IP:PORT`) over the cluster `connect_originate`
 *    (ORIGINAL_DST with the port overridden to 15008, HTTP/2, mTLS).
 *
 * Pods appear only in EDS, so a pod change is an endpoint-sized delta: listeners, routes and
 * clusters change only when services do.
 *
 * @see https://istio.io/latest/docs/ambient/architecture/hbone/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/other_features/internal_listener
 */
import {
  ChainMatcher,
  ConfigSource,
  Address,
  TransportSocket,
  cluster,
  endpoints as endpointsOf,
  filterChain,
  hcm,
  httpFilter,
  listener,
  originalDst,
  route,
  routeConfig,
  tcpProxy,
  typed,
  virtualHost,
  type DurationInput,
  type FilterChainBuilder,
} from '../builders/index.js';
import type { Cluster } from '../gen/envoy/config/cluster/v3/cluster.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint.js';
import type { Listener } from '../gen/envoy/config/listener/v3/listener.js';
import type { RouteConfiguration } from '../gen/envoy/config/route/v3/route.js';
import type { Matcher } from '../gen/xds/type/matcher/v3/matcher.js';
import { FilterStateValue_SharedWithUpstream } from '../gen/envoy/extensions/filters/common/set_filter_state/v3/value.js';
import { show } from '../registry/errors.js';
import { hostPort, isPort, parseIp } from './ip.js';
import { optionProblems } from './problems.js';
import { meshDownstreamTls, meshSecrets, meshUpstreamTls, type MeshIdentity } from './mtls.js';
import { MeshNames, inboundVipName } from './names.js';
import { resolveMeshOptions, type MeshOptions, type MeshOptionsInput } from './options.js';
import type { MeshResources } from './sidecar.js';

/** A waypoint service's application protocol (`grpc` is HTTP/2 end to end). */
export type WaypointProtocol = 'http' | 'grpc' | 'tcp';

/** A port of a waypoint service. */
export interface WaypointPort {
  /** The service port (the CONNECT authority's port). */
  port: number;
  /** The pods' port. @default port */
  targetPort?: number;
  /** @default the service's protocol */
  protocol?: WaypointProtocol;
}

/** A pod of a waypoint service. */
export interface WaypointEndpoint {
  /** The pod IP. */
  address: string;
  /** Load balancing weight. @default 1 */
  weight?: number;
}

/** A service the waypoint serves. */
export interface WaypointService {
  /** The service's hostname. */
  host: string;
  /** The service's virtual IP (what clients connect to). */
  vip: string;
  /** Its ports: numbers (with `protocol`) or objects. */
  ports: (number | WaypointPort)[];
  /** The protocol of ports that do not say. @default "http" */
  protocol?: WaypointProtocol;
  /** The pods, served by EDS. @default [] */
  endpoints?: WaypointEndpoint[];
}

/** Options of {@link waypoint}; ports are shared with the other presets (`ports.hbone`). */
export interface WaypointOptions extends MeshOptionsInput {
  /** The services this waypoint serves. */
  services: WaypointService[];
  /** Certificates served as the SDS secrets `default` and `ROOTCA`. @default none */
  identity?: MeshIdentity;
  /** Connections to unknown destinations are re-tunnelled to them through `encap` (else closed). @default true */
  passthrough?: boolean;
  /** Connect timeout of the clusters. @default "10s" */
  connectTimeout?: DurationInput;
}

/** The dynamic metadata namespace the original_dst listener filter reads on internal listeners. */
const ORIGINAL_DST_METADATA = 'envoy.filters.listener.original_dst';
/** Filter state keys of the original_dst listener filter on internal listeners. */
const LOCAL_IP_STATE = 'envoy.filters.listener.original_dst.local_ip';
const REMOTE_IP_STATE = 'envoy.filters.listener.original_dst.remote_ip';

interface Port {
  host: string;
  vip: string;
  port: number;
  target: number;
  protocol: WaypointProtocol;
  kind: 'http' | 'tcp';
  name: string;
  endpoints: WaypointEndpoint[];
}

const PROTOCOLS: readonly WaypointProtocol[] = ['http', 'grpc', 'tcp'];

function check(options: WaypointOptions): Port[] {
  const { bad, throwIfAny } = optionProblems('waypoint');
  const out: Port[] = [];
  const seen = new Map<string, string>();
  if (!Array.isArray(options?.services)) bad('services', 'required', `services must be a list, got ${show(options?.services)}`);
  (Array.isArray(options?.services) ? options.services : []).forEach((s, i) => {
    const at = `services[${i}]`;
    if (typeof s?.host !== 'string' || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s.host)) return bad(`${at}.host`, 'host', `expected a hostname, got ${show(s?.host)}`, s?.host);
    if (typeof s.vip !== 'string' || !parseIp(s.vip)) return bad(`${at}.vip`, 'ip', `expected the service's virtual IP, got ${show(s.vip)}`, s.vip);
    const base = s.protocol ?? 'http';
    if (!PROTOCOLS.includes(base)) bad(`${at}.protocol`, 'enum', `protocol must be http, grpc or tcp, got ${show(base)}`, base);
    if (!Array.isArray(s.ports) || !s.ports.length) bad(`${at}.ports`, 'required', `a service needs at least one port, got ${show(s.ports)}`, s.ports);
    (Array.isArray(s.ports) ? s.ports : []).forEach((p, j) => {
      const spec: WaypointPort = typeof p === 'number' ? { port: p } : p;
      const pat = `${at}.ports[${j}]`;
      if (!isPort(spec?.port)) return bad(pat, 'port', `port must be an integer in 1-65535, got ${show(spec?.port)}`, spec?.port);
      const target = spec.targetPort ?? spec.port;
      if (!isPort(target)) return bad(`${pat}.targetPort`, 'port', `targetPort must be an integer in 1-65535, got ${show(spec.targetPort)}`, spec.targetPort);
      const protocol = spec.protocol ?? base;
      if (!PROTOCOLS.includes(protocol)) return bad(`${pat}.protocol`, 'enum', `protocol must be http, grpc or tcp, got ${show(protocol)}`, protocol);
      const key = hostPort(s.vip, spec.port);
      if (seen.has(key)) return bad(pat, 'unique', `${key} is already served by ${seen.get(key)}`, key);
      seen.set(key, `${s.host}:${spec.port}`);
      const kind = protocol === 'tcp' ? 'tcp' : 'http';
      out.push({ host: s.host, vip: s.vip, port: spec.port, target, protocol, kind, name: inboundVipName(spec.port, kind, s.host), endpoints: s.endpoints ?? [] });
    });
    (s.endpoints ?? []).forEach((e, j) => {
      if (typeof e?.address !== 'string' || !parseIp(e.address)) bad(`${at}.endpoints[${j}].address`, 'ip', `expected a pod IP, got ${show(e?.address)}`, e?.address);
    });
  });
  throwIfAny();
  return out;
}

/** The internal upstream transport: the host's original_dst metadata passes to the internal listener. */
const INTERNAL_UPSTREAM = typed('envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport', {
  passthroughMetadata: [{ kind: { kind: { $case: 'host', host: {} } }, name: ORIGINAL_DST_METADATA }],
  transportSocket: TransportSocket.rawBuffer(),
});
const INTERNAL_UPSTREAM_SOCKET = 'envoy.transport_sockets.internal_upstream';

/** The filter chain matcher of `main_internal`: destination IP, then port, to the chain name. */
function chainMatcher(ports: Port[]): Matcher {
  const byVip = new Map<string, Record<string, string>>();
  for (const p of [...ports].sort((x, y) => x.port - y.port)) byVip.set(p.vip, { ...byVip.get(p.vip), [String(p.port)]: p.name });
  const vips: Record<string, Matcher> = {};
  for (const [vip, byPort] of [...byVip].sort(([a], [b]) => (a < b ? -1 : 1))) vips[vip] = ChainMatcher.exact('destination_port', byPort);
  return ChainMatcher.exact('destination_ip', vips);
}

function connectTerminate(mesh: MeshOptions): Listener {
  // Record the CONNECT authority as the destination and the peer as the source, for the
  // internal listeners downstream of this one.
  const state = (key: string, format: string) => ({
    key: { $case: 'objectKey' as const, objectKey: key },
    value: { $case: 'formatString' as const, formatString: { format: { $case: 'textFormat' as const, textFormat: format } } },
    sharedWithUpstream: FilterStateValue_SharedWithUpstream.TRANSITIVE, // main_internal, then connect_originate
  });
  const setState = httpFilter('envoy.filters.http.set_filter_state', 'envoy.extensions.filters.http.set_filter_state.v3.Config', {
    onRequestHeaders: [state(LOCAL_IP_STATE, '%REQ(:AUTHORITY)%'), state(REMOTE_IP_STATE, '%DOWNSTREAM_REMOTE_ADDRESS%')],
  });
  const connect = route(MeshNames.connectTerminate).connectMatcher().cluster(MeshNames.mainInternal).upgrade('CONNECT', { connectConfig: {} });
  const manager = hcm(MeshNames.connectTerminate)
    .codec('HTTP2')
    .http2({ allowConnect: true })
    .upgrade('CONNECT')
    .routeConfig(routeConfig(MeshNames.connectTerminate).virtualHost(virtualHost(MeshNames.connectTerminate).domains('*').route(connect)))
    .httpFilter(setState);
  return listener(MeshNames.connectTerminate)
    .address(`0.0.0.0:${mesh.ports.hbone}`)
    .filterChain(filterChain(MeshNames.connectTerminate).tls(meshDownstreamTls(['h2'])).filter(manager))
    .build();
}

function serviceChain(p: Port): FilterChainBuilder {
  const fc = filterChain(p.name);
  if (p.kind === 'tcp') return fc.filter(tcpProxy(p.name).cluster(p.name));
  return fc.filter(hcm(p.name).rds(p.name, ConfigSource.ads()));
}

function mainInternal(ports: Port[], passthrough: boolean): Listener {
  const l = listener(MeshNames.mainInternal)
    .internal()
    .listenerFilter(originalDst())
    .filterChainMatcher(chainMatcher(ports))
    .filterChains(...ports.map(serviceChain));
  if (passthrough) l.defaultFilterChain(filterChain('passthrough').filter(tcpProxy(MeshNames.encap).cluster(MeshNames.encap)));
  return l.build();
}

function connectOriginate(): Listener {
  const tunnel = tcpProxy(MeshNames.connectOriginate).cluster(MeshNames.connectOriginate).tunnelingConfig('%DOWNSTREAM_LOCAL_ADDRESS%');
  return listener(MeshNames.connectOriginate).internal().listenerFilter(originalDst()).filterChain(filterChain(MeshNames.connectOriginate).filter(tunnel)).build();
}

/**
 * The waypoint's resources: listeners `connect_terminate`, `main_internal`,
 * `connect_originate`; a route per HTTP service port; clusters `main_internal`, `encap`,
 * `connect_originate` and `inbound-vip|PORT|PROTO|HOST`; their endpoints (internal addresses);
 * the SDS secrets when an identity is given. Add {@link waypointBootstrap} for the internal
 * listener extension.
 *
 * @example
 * waypoint({ services: [{ host: 'reviews.bookinfo.svc.cluster.local', vip: '10.96.0.20', ports: [9080], endpoints: [{ address: '10.4.0.7' }] }] })
 */
export function waypoint(options: WaypointOptions): MeshResources {
  const mesh = resolveMeshOptions(options);
  const ports = check(options);
  const timeout = options.connectTimeout ?? '10s';
  const passthrough = options.passthrough ?? true;

  const listeners = [connectTerminate(mesh), mainInternal(ports, passthrough), connectOriginate()];
  const routes: RouteConfiguration[] = ports
    .filter((p) => p.kind === 'http')
    .map((p) => routeConfig(p.name).validateClusters(false).virtualHost(virtualHost(p.name).domains('*').route(route('default').prefix('/').cluster(p.name).timeout(0))).build());

  const internal = (name: string, target: string) =>
    cluster(name).static().connectTimeout(timeout).endpoint(Address.internal(target)).transportSocket(INTERNAL_UPSTREAM_SOCKET, INTERNAL_UPSTREAM).build();
  const clusters: Cluster[] = [
    internal(MeshNames.mainInternal, MeshNames.mainInternal),
    ...(passthrough ? [internal(MeshNames.encap, MeshNames.connectOriginate)] : []),
    cluster(MeshNames.connectOriginate)
      .originalDst({ upstreamPortOverride: mesh.ports.hbone })
      .connectTimeout(timeout)
      .http2()
      .tls(meshUpstreamTls(undefined, ['h2']))
      .build(),
    ...ports.map((p) => {
      const c = cluster(p.name).eds(ConfigSource.ads(), p.name).connectTimeout(timeout).transportSocket(INTERNAL_UPSTREAM_SOCKET, INTERNAL_UPSTREAM);
      if (p.protocol === 'grpc') c.http2();
      else if (p.protocol === 'http') c.useDownstreamProtocol();
      return c.build();
    }),
  ];
  const endpoints: ClusterLoadAssignment[] = ports.map((p) => {
    const e = endpointsOf(p.name);
    for (const ep of p.endpoints) {
      const dst = hostPort(ep.address, p.target);
      e.endpoint(Address.internal(MeshNames.connectOriginate, dst), {
        metadata: { [ORIGINAL_DST_METADATA]: { local: dst } },
        ...(ep.weight !== undefined ? { weight: ep.weight } : {}),
      });
    }
    return e.build();
  });
  return { listeners, routes, clusters, endpoints, secrets: meshSecrets(options.identity) };
}
