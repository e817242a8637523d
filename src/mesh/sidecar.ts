/**
 * An Istio-shaped sidecar: transparent capture (iptables REDIRECT to 15001 and 15006), the
 * `virtualOutbound` and `virtualInbound` listeners, per-service outbound listeners and routes,
 * EDS clusters with automatic mTLS, and the passthrough and blackhole clusters — built with the
 * builders, as resources ready for a snapshot.
 *
 * How traffic flows:
 * - Outbound: the application connects to `VIP:PORT`; iptables redirects to `virtualOutbound`
 *   (15001), which hands the connection (`use_original_dst`) to the listener of the original
 *   destination: `0.0.0.0_PORT` for HTTP/gRPC services (HCM with RDS route `PORT`, a virtual
 *   host per service), `VIP_PORT` for TCP and `auto` services. Destinations without a listener
 *   stay on `virtualOutbound`: `PassthroughCluster` (ALLOW_ANY) or `BlackHoleCluster`
 *   (REGISTRY_ONLY). Connections to 15001 itself are blackholed (a loop).
 * - Inbound: iptables redirects to `virtualInbound` (15006); `original_dst` restores the
 *   destination; the chain is chosen by destination port × transport (`tls` from the TLS
 *   inspector) × ALPN, per the port's mTLS mode; declared ports go to `inbound|PORT||`,
 *   others to `InboundPassthroughCluster`, both bound to 127.0.0.6 so iptables returns their
 *   traffic instead of capturing it again.
 * - Dual stack (`capture.ipFamilies: ['IPv4', 'IPv6']`): the capture listeners and the HTTP
 *   outbound listeners also listen on `::` (`additional_addresses`); the inbound clusters also
 *   bind `::6` (`extra_source_addresses`: Envoy picks the address of the upstream's family).
 * - TPROXY (`capture.inboundInterceptionMode: 'TPROXY'`): `virtualOutbound` and
 *   `virtualInbound` are `transparent`, and `virtualInbound` has the `original_src` listener
 *   filter (marking upstream packets with the TPROXY mark), as Istio's are.
 *
 * @see https://istio.io/latest/docs/ops/deployment/architecture/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/original_dst_filter
 */
import {
  ConfigSource,
  cluster,
  endpoints as endpointsOf,
  filterChain,
  hcm,
  httpInspector,
  listener,
  originalDst,
  originalSrc,
  route,
  routeConfig,
  tcpProxy,
  tlsInspector,
  virtualHost,
  TransportSocket,
  type ClusterBuilder,
  type DurationInput,
  type FilterChainBuilder,
  type HcmBuilder,
  type HttpFilter,
  type ListenerBuilder,
  type NetworkFilter,
  type RouteBuilder,
} from '../builders/index.js';
import type { Cluster } from '../gen/envoy/config/cluster/v3/cluster.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint.js';
import type { Listener } from '../gen/envoy/config/listener/v3/listener.js';
import type { RouteConfiguration } from '../gen/envoy/config/route/v3/route.js';
import type { Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret.js';
import { show } from '../registry/errors.js';
import { hostPort, isPort, parseIp } from './ip.js';
import { optionProblems } from './problems.js';
import { meshDownstreamTls, meshSecrets, meshUpstreamTls, type MeshIdentity } from './mtls.js';
import { IstioAlpn, MeshNames, inboundClusterName, outboundClusterName, outboundSni } from './names.js';
import { resolveMeshOptions, type IpFamily, type MeshOptions, type MeshOptionsInput } from './options.js';
import { compileRbac, type RbacCompileOptions, type RbacModel } from './rbac.js';
import { rbacHttpFilters, rbacNetworkFilters } from './rbac-filters.js';

/** The application protocol of a port: `auto` sniffs HTTP and falls back to TCP. */
export type MeshProtocol = 'http' | 'grpc' | 'tcp' | 'auto';

/** Istio's PeerAuthentication modes: mTLS only, mTLS or plaintext, plaintext only. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** What happens to outbound traffic to destinations not in `outbound`. */
export type OutboundTrafficPolicy = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** Resources ready for a snapshot, by kind. */
export interface MeshResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  secrets: Secret[];
}

/** A port the workload serves. */
export interface SidecarInboundPort {
  /** The service port. */
  port: number;
  /** The container port traffic arrives at (what the chain matches). @default port */
  targetPort?: number;
  /** The application protocol. */
  protocol: MeshProtocol;
  /** This port's mTLS mode (Istio's port-level PeerAuthentication). @default the sidecar's `mtls` */
  tls?: MtlsMode;
}

/** An endpoint (pod) of an outbound service. */
export interface SidecarEndpoint {
  /** The pod IP. */
  address: string;
  /** The port on the pod. @default the service's targetPort, else its port */
  port?: number;
  /** Labels, matched by subsets. @default {} */
  labels?: Record<string, string>;
  /** Load balancing weight. @default 1 */
  weight?: number;
  /** `istio`: the endpoint has a sidecar and takes mTLS; `disabled`: plaintext. @default "istio" */
  tlsMode?: 'istio' | 'disabled';
  /** Where the endpoint runs. */
  locality?: { region?: string; zone?: string; subZone?: string };
}

/** A subset of a service's endpoints (Istio's DestinationRule subset). */
export interface SidecarSubset {
  /** Subset name (in the cluster name and SNI). */
  name: string;
  /** Endpoints whose labels include all of these belong to the subset. */
  labels: Record<string, string>;
  /** Share of the service's traffic; when any subset has a weight, routes split by weight. @default none */
  weight?: number;
}

/** A service the workload calls. */
export interface SidecarOutboundService {
  /** The service's hostname (`reviews.bookinfo.svc.cluster.local`). */
  host: string;
  /** The service port. */
  port: number;
  /** The endpoints' port. @default port */
  targetPort?: number;
  /** The application protocol. */
  protocol: MeshProtocol;
  /** The service's virtual IP; required for `tcp` and `auto` (their listener is `VIP_PORT`). */
  vip?: string;
  /** Subsets: each gets a cluster `outbound|PORT|SUBSET|HOST`. @default [] */
  subsets?: SidecarSubset[];
  /** The endpoints, served by EDS. @default [] */
  endpoints?: SidecarEndpoint[];
  /** SPIFFE ids the service's certificates may carry (checked on mTLS). @default any mesh certificate */
  serviceAccounts?: string[];
}

/** Options of {@link sidecar}; the port and capture options are shared with {@link sidecarIptables}. */
export interface SidecarOptions extends MeshOptionsInput {
  /** The ports the workload serves. @default [] */
  inbound?: SidecarInboundPort[];
  /** The services the workload calls. @default [] */
  outbound?: SidecarOutboundService[];
  /** Inbound mTLS mode. @default "PERMISSIVE" (Istio's default) */
  mtls?: MtlsMode;
  /** Outbound traffic to unknown destinations. @default "ALLOW_ANY" */
  outboundTrafficPolicy?: OutboundTrafficPolicy;
  /** The workload's namespace: services in it are also reachable by their short name. */
  namespace?: string;
  /** The cluster's DNS suffix. @default "cluster.local" */
  domainSuffix?: string;
  /** Certificates served as the SDS secrets `default` and `ROOTCA`. @default none (the secrets come from elsewhere) */
  identity?: MeshIdentity;
  /** Inbound authorization: an RBAC model enforced on every inbound chain. @default none (allow all) */
  authorization?: { model: RbacModel; options?: Omit<RbacCompileOptions, 'protocol'> };
  /** Connect timeout of every cluster. @default "10s" (Istio's) */
  connectTimeout?: DurationInput;
}

interface Inbound {
  port: number;
  target: number;
  protocol: MeshProtocol;
  mode: MtlsMode;
}

interface Outbound extends SidecarOutboundService {
  target: number;
  subsets: SidecarSubset[];
  endpoints: SidecarEndpoint[];
}

const PROTOCOLS: readonly MeshProtocol[] = ['http', 'grpc', 'tcp', 'auto'];
const MODES: readonly MtlsMode[] = ['STRICT', 'PERMISSIVE', 'DISABLE'];
const isHttp = (p: MeshProtocol) => p === 'http' || p === 'grpc';

/** Checks the sidecar options; throws one XdsValidationError listing every problem. */
function check(options: SidecarOptions, mesh: MeshOptions): { inbound: Inbound[]; outbound: Outbound[] } {
  const { bad, throwIfAny } = optionProblems('sidecar');
  const mtls = options.mtls ?? 'PERMISSIVE';
  if (!MODES.includes(mtls)) bad('mtls', 'enum', `mtls must be STRICT, PERMISSIVE or DISABLE, got ${show(mtls)}`, mtls);
  const policy = options.outboundTrafficPolicy ?? 'ALLOW_ANY';
  if (policy !== 'ALLOW_ANY' && policy !== 'REGISTRY_ONLY') bad('outboundTrafficPolicy', 'enum', `outboundTrafficPolicy must be ALLOW_ANY or REGISTRY_ONLY, got ${show(policy)}`, policy);
  const reserved = new Map<number, string>(Object.entries(mesh.ports).map(([k, v]) => [v, k]));

  const inbound: Inbound[] = [];
  const targets = new Set<number>();
  (options.inbound ?? []).forEach((p, i) => {
    const at = `inbound[${i}]`;
    if (!isPort(p?.port)) return bad(`${at}.port`, 'port', `port must be an integer in 1-65535, got ${show(p?.port)}`, p?.port);
    const target = p.targetPort ?? p.port;
    if (!isPort(target)) return bad(`${at}.targetPort`, 'port', `targetPort must be an integer in 1-65535, got ${show(p.targetPort)}`, p.targetPort);
    if (!PROTOCOLS.includes(p.protocol)) bad(`${at}.protocol`, 'enum', `protocol must be http, grpc, tcp or auto, got ${show(p.protocol)}`, p.protocol);
    if (p.tls !== undefined && !MODES.includes(p.tls)) bad(`${at}.tls`, 'enum', `tls must be STRICT, PERMISSIVE or DISABLE, got ${show(p.tls)}`, p.tls);
    if (reserved.has(target)) bad(`${at}.targetPort`, 'proxy_port', `port ${target} is the proxy's ports.${reserved.get(target)}; the workload cannot serve it`, target);
    if (targets.has(target)) bad(`${at}.targetPort`, 'unique', `target port ${target} is declared twice`, target);
    targets.add(target);
    inbound.push({ port: p.port, target, protocol: p.protocol, mode: p.tls ?? mtls });
  });

  const outbound: Outbound[] = [];
  const keys = new Set<string>();
  (options.outbound ?? []).forEach((s, i) => {
    const at = `outbound[${i}]`;
    if (typeof s?.host !== 'string' || !/^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s.host)) {
      return bad(`${at}.host`, 'host', `expected a hostname, got ${show(s?.host)}`, s?.host);
    }
    if (!isPort(s.port)) return bad(`${at}.port`, 'port', `port must be an integer in 1-65535, got ${show(s.port)}`, s.port);
    const target = s.targetPort ?? s.port;
    if (!isPort(target)) bad(`${at}.targetPort`, 'port', `targetPort must be an integer in 1-65535, got ${show(s.targetPort)}`, s.targetPort);
    if (!PROTOCOLS.includes(s.protocol)) bad(`${at}.protocol`, 'enum', `protocol must be http, grpc, tcp or auto, got ${show(s.protocol)}`, s.protocol);
    if (reserved.has(s.port)) bad(`${at}.port`, 'proxy_port', `port ${s.port} is the proxy's ports.${reserved.get(s.port)}; outbound traffic to it is not routed`, s.port);
    const key = `${s.host}:${s.port}`;
    if (keys.has(key)) bad(at, 'unique', `service ${key} is declared twice`, key);
    keys.add(key);
    if (s.vip !== undefined && !parseIp(s.vip)) bad(`${at}.vip`, 'ip', `vip must be an IP address, got ${show(s.vip)}`, s.vip);
    if ((s.protocol === 'tcp' || s.protocol === 'auto') && s.vip === undefined) {
      bad(`${at}.vip`, 'required', `a ${s.protocol} service needs a vip: its listener is VIP_PORT (${s.host}:${s.port})`);
    }
    const subsetNames = new Set<string>();
    (s.subsets ?? []).forEach((ss, j) => {
      if (typeof ss?.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ss.name)) bad(`${at}.subsets[${j}].name`, 'name', `expected a subset name, got ${show(ss?.name)}`, ss?.name);
      else if (subsetNames.has(ss.name)) bad(`${at}.subsets[${j}].name`, 'unique', `subset ${ss.name} is declared twice`, ss.name);
      subsetNames.add(ss?.name);
      if (ss?.weight !== undefined && (!Number.isInteger(ss.weight) || ss.weight < 0)) bad(`${at}.subsets[${j}].weight`, 'weight', `weight must be a non-negative integer, got ${show(ss.weight)}`, ss.weight);
    });
    const weighted = (s.subsets ?? []).filter((ss) => ss.weight !== undefined);
    if (weighted.length && !weighted.some((ss) => (ss.weight ?? 0) > 0)) bad(`${at}.subsets`, 'weight', 'subset weights must not all be 0');
    (s.endpoints ?? []).forEach((e, j) => {
      if (typeof e?.address !== 'string' || !parseIp(e.address)) bad(`${at}.endpoints[${j}].address`, 'ip', `expected an IP address, got ${show(e?.address)}`, e?.address);
      if (e?.port !== undefined && !isPort(e.port)) bad(`${at}.endpoints[${j}].port`, 'port', `port must be an integer in 1-65535, got ${show(e.port)}`, e.port);
      if (e?.tlsMode !== undefined && e.tlsMode !== 'istio' && e.tlsMode !== 'disabled') bad(`${at}.endpoints[${j}].tlsMode`, 'enum', `tlsMode must be istio or disabled, got ${show(e.tlsMode)}`, e.tlsMode);
    });
    outbound.push({ ...s, target, subsets: s.subsets ?? [], endpoints: s.endpoints ?? [] });
  });
  throwIfAny();
  return { inbound, outbound };
}

/** The domains of a service's virtual host: FQDN, shorter names (same namespace: the bare name), the VIP, each also with `:port`. */
export function serviceDomains(host: string, port: number, options: { namespace?: string; domainSuffix?: string; vip?: string } = {}): string[] {
  const suffix = options.domainSuffix ?? 'cluster.local';
  const names = [host];
  const k8s = host.endsWith(`.svc.${suffix}`) ? host.slice(0, -`.svc.${suffix}`.length).split('.') : undefined;
  if (k8s && k8s.length === 2) {
    const [name, ns] = k8s as [string, string];
    names.push(`${name}.${ns}.svc`, `${name}.${ns}`);
    if (options.namespace === ns) names.push(name);
  }
  if (options.vip) names.push(options.vip.includes(':') ? `[${options.vip}]` : options.vip);
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

/**
 * The sidecar's resources: listeners, routes, clusters, endpoints and secrets.
 *
 * Ports come from the same options as {@link sidecarIptables}, so the capture rules and the
 * listeners agree. Throws `XdsValidationError` listing every problem of the options.
 *
 * @example
 * const options: SidecarOptions = {
 *   inbound: [{ port: 9080, protocol: 'http' }],
 *   outbound: [{ host: 'ratings.bookinfo.svc.cluster.local', port: 9080, protocol: 'http', endpoints: [{ address: '10.4.0.7' }] }],
 *   mtls: 'STRICT',
 * };
 * const { listeners, routes, clusters, endpoints, secrets } = sidecar(options);
 * const rules = sidecarIptables(options);
 */
export function sidecar(options: SidecarOptions = {}): MeshResources {
  const mesh = resolveMeshOptions(options);
  const { inbound, outbound } = check(options, mesh);
  const policy = options.outboundTrafficPolicy ?? 'ALLOW_ANY';
  const globalMode = options.mtls ?? 'PERMISSIVE';
  const timeout = options.connectTimeout ?? '10s';
  const catchAll = policy === 'ALLOW_ANY' ? MeshNames.passthroughCluster : MeshNames.blackHoleCluster;
  const authz = authorization(options, inbound);

  const listeners: Listener[] = [
    virtualOutbound(mesh, catchAll),
    virtualInbound(mesh, inbound, globalMode, authz),
    ...outboundListeners(mesh, outbound, catchAll),
  ];
  const routes = outboundRoutes(outbound, policy, options);
  const clusters: Cluster[] = [
    cluster(MeshNames.passthroughCluster).originalDst().connectTimeout(timeout).useDownstreamProtocol().build(),
    cluster(MeshNames.blackHoleCluster).static().connectTimeout(timeout).build(),
    bound(cluster(MeshNames.inboundPassthroughCluster).originalDst().connectTimeout(timeout).useDownstreamProtocol(), mesh).build(),
    ...inbound.map((p) => bound(withProtocol(cluster(inboundClusterName(p.target)).originalDst().connectTimeout(timeout), p.protocol), mesh).build()),
    ...outbound.flatMap((s) => [undefined, ...s.subsets].map((ss) => outboundCluster(s, ss, globalMode !== 'DISABLE', timeout))),
  ];
  const endpoints = outbound.flatMap((s) => [undefined, ...s.subsets].map((ss) => outboundEndpoints(s, ss, globalMode !== 'DISABLE')));
  return { listeners, routes, clusters, endpoints, secrets: meshSecrets(options.identity) };
}

// ---------------------------------------------------------------------------------------------
// Authorization.

interface Authz {
  http: () => HttpFilter<any>[];
  network: () => NetworkFilter<any>[];
}

function authorization(options: SidecarOptions, inbound: Inbound[]): Authz {
  const a = options.authorization;
  if (!a) return { http: () => [], network: () => [] };
  // The passthrough chains are TCP, so the TCP rules are always compiled; the HTTP rules only
  // when a port serves HTTP (an HTTP-only model then needs tcpHttpFields: 'istio').
  const http = inbound.some((p) => p.protocol !== 'tcp') ? compileRbac(a.model, { ...a.options, protocol: 'http' }) : undefined;
  const tcp = compileRbac(a.model, { ...a.options, protocol: 'tcp' });
  return {
    http: () => (http ? rbacHttpFilters(http) : []),
    network: () => rbacNetworkFilters(tcp),
  };
}

// ---------------------------------------------------------------------------------------------
// Listeners.

function blackholeChain(name: string, port: number): FilterChainBuilder {
  return filterChain(name).destinationPort(port).filter(tcpProxy(MeshNames.blackHoleCluster).cluster(MeshNames.blackHoleCluster));
}

/** The wildcard address of each of the pod's families, primary first (`0.0.0.0`, `::`). */
function wildcards(mesh: MeshOptions): string[] {
  return mesh.capture.ipFamilies.map((f: IpFamily) => (f === 'IPv4' ? '0.0.0.0' : '::'));
}

/** Listens on `port` at the primary family's wildcard address, and on the other's as an additional address. */
function listenAll(l: ListenerBuilder, mesh: MeshOptions, port: number): ListenerBuilder {
  const [primary, ...others] = wildcards(mesh);
  l.address(hostPort(primary!, port));
  for (const w of others) l.additionalAddress(hostPort(w, port));
  return l;
}

/** TPROXY: the capture listeners take connections to non-local addresses (IP_TRANSPARENT), as Istio's do. */
function transparent(l: ListenerBuilder, mesh: MeshOptions): ListenerBuilder {
  return mesh.capture.inboundInterceptionMode === 'TPROXY' ? l.transparent() : l;
}

function virtualOutbound(mesh: MeshOptions, catchAll: string): Listener {
  return transparent(listenAll(listener(MeshNames.virtualOutbound), mesh, mesh.ports.outboundCapture), mesh)
    .useOriginalDst()
    .trafficDirection('OUTBOUND')
    .filterChain(blackholeChain(`${MeshNames.virtualOutbound}-blackhole`, mesh.ports.outboundCapture))
    .defaultFilterChain(filterChain(MeshNames.passthroughFilterChain).filter(tcpProxy(catchAll).cluster(catchAll)))
    .build();
}

type Transport = 'tls' | 'plaintext';

/** The transports a port accepts in a mode. */
function transports(mode: MtlsMode): Transport[] {
  return mode === 'STRICT' ? ['tls'] : mode === 'PERMISSIVE' ? ['tls', 'plaintext'] : ['plaintext'];
}

function inboundHcm(target: number, tls: boolean, authz: Authz): HcmBuilder {
  const cluster = inboundClusterName(target);
  const h = hcm(`inbound_0.0.0.0_${target}`)
    .routeConfig(
      routeConfig(cluster)
        .validateClusters(false)
        .virtualHost(virtualHost(`inbound|http|${target}`).domains('*').route(route('default').prefix('/').cluster(cluster).timeout(0))),
    )
    .httpFilters(...authz.http());
  if (tls) {
    // The peer's SPIFFE id reaches the application in x-forwarded-client-cert.
    h.forwardClientCertDetails('APPEND_FORWARD').setCurrentClientCertDetails({ uri: true });
  }
  return h;
}

function inboundChains(p: Inbound, authz: Authz): FilterChainBuilder[] {
  const chains: FilterChainBuilder[] = [];
  const cluster = inboundClusterName(p.target);
  for (const t of transports(p.mode)) {
    const kinds: ('http' | 'tcp')[] = p.protocol === 'auto' ? ['http', 'tcp'] : [isHttp(p.protocol) ? 'http' : 'tcp'];
    for (const kind of kinds) {
      const name = `0.0.0.0_${p.target}-${t}${p.protocol === 'auto' ? `-${kind}` : ''}`;
      const fc = filterChain(name).destinationPort(p.target);
      // Plaintext chains say raw_buffer (what Envoy reports without a TLS inspector too): an ALPN
      // match without a transport protocol would make Envoy inject a TLS inspector.
      fc.transportProtocol(t === 'tls' ? 'tls' : 'raw_buffer');
      if (t === 'tls') fc.tls(meshDownstreamTls(kind === 'http' ? ['h2', 'http/1.1'] : []));
      if (p.protocol === 'auto' && kind === 'http') fc.applicationProtocols(...(t === 'tls' ? IstioAlpn.httpAny : IstioAlpn.plaintextHttp));
      if (kind === 'http') fc.filter(inboundHcm(p.target, t === 'tls', authz));
      else fc.filters(...authz.network(), tcpProxy(cluster).cluster(cluster));
      chains.push(fc);
    }
  }
  return chains;
}

function passthroughChains(mode: MtlsMode, authz: Authz): FilterChainBuilder[] {
  const target = MeshNames.inboundPassthroughCluster;
  return transports(mode).map((t) => {
    const fc = filterChain(`${MeshNames.virtualInbound}-passthrough-${t}`);
    fc.transportProtocol(t === 'tls' ? 'tls' : 'raw_buffer');
    if (t === 'tls') fc.tls(meshDownstreamTls());
    return fc.filters(...authz.network(), tcpProxy(target).cluster(target));
  });
}

function virtualInbound(mesh: MeshOptions, inbound: Inbound[], globalMode: MtlsMode, authz: Authz): Listener {
  const modes = [globalMode, ...inbound.map((p) => p.mode)];
  const anyTls = modes.some((m) => m !== 'DISABLE');
  // Ports whose plaintext chains tell HTTP from TCP by the HTTP inspector's ALPN.
  const sniffed = inbound.filter((p) => p.protocol === 'auto' && p.mode !== 'STRICT').map((p) => p.target);
  const l = transparent(listenAll(listener(MeshNames.virtualInbound), mesh, mesh.ports.inboundCapture), mesh)
    .trafficDirection('INBOUND')
    .continueOnListenerFiltersTimeout()
    .listenerFilter(originalDst());
  // TPROXY: connect to the application from the client's own address, marked so that iptables
  // and the policy route bring the application's replies back to the proxy.
  if (mesh.capture.inboundInterceptionMode === 'TPROXY') l.listenerFilter(originalSrc({ mark: mesh.capture.inboundTproxyMark }));
  if (anyTls) l.listenerFilter(tlsInspector());
  // Only sniff where a chain needs it: server-first protocols on other ports must not wait.
  if (sniffed.length) l.listenerFilter(httpInspector().onlyForPorts(...sniffed));
  l.filterChain(blackholeChain(`${MeshNames.virtualInbound}-blackhole`, mesh.ports.inboundCapture));
  for (const p of inbound) l.filterChains(...inboundChains(p, authz));
  l.filterChains(...passthroughChains(globalMode, authz));
  return l.build();
}

function outboundListeners(mesh: MeshOptions, outbound: Outbound[], catchAll: string): Listener[] {
  const out: Listener[] = [];
  const httpPorts = [...new Set(outbound.filter((s) => isHttp(s.protocol)).map((s) => s.port))].sort((a, b) => a - b);
  // Named after the primary family's wildcard, as Istio does: 0.0.0.0_PORT (IPv6 first: ::_PORT).
  const wildcard = wildcards(mesh)[0]!;
  for (const port of httpPorts) {
    out.push(
      listenAll(listener(`${wildcard}_${port}`), mesh, port)
        .bindToPort(false)
        .trafficDirection('OUTBOUND')
        // TLS the application originates itself cannot be routed as HTTP: it takes the default chain.
        .listenerFilter(tlsInspector())
        .filterChain(filterChain(`${wildcard}_${port}`).transportProtocol('raw_buffer').filter(hcm(`outbound_${wildcard}_${port}`).rds(String(port), ConfigSource.ads())))
        .defaultFilterChain(filterChain(MeshNames.passthroughFilterChain).filter(tcpProxy(catchAll).cluster(catchAll)))
        .build(),
    );
  }
  const byVip = outbound.filter((s) => !isHttp(s.protocol)).sort((a, b) => (a.vip! < b.vip! ? -1 : a.vip! > b.vip! ? 1 : a.port - b.port));
  for (const s of byVip) {
    const name = `${s.vip}_${s.port}`;
    const l = listener(name).address(hostPort(s.vip!, s.port)).bindToPort(false).trafficDirection('OUTBOUND');
    const tcp = tcpTo(s, name);
    if (s.protocol === 'auto') {
      l.listenerFilter(httpInspector())
        .filterChain(filterChain(`${name}-http`).transportProtocol('raw_buffer').applicationProtocols(...IstioAlpn.plaintextHttp).filter(hcm(`outbound_${name}`).rds(String(s.port), ConfigSource.ads())))
        .defaultFilterChain(filterChain(`${name}-tcp`).filter(tcp));
    } else {
      l.filterChain(filterChain(name).filter(tcp));
    }
    out.push(l.build());
  }
  return out;
}

function weights(s: Outbound): Record<string, number> | undefined {
  const w = s.subsets.filter((ss) => (ss.weight ?? 0) > 0);
  if (!w.length) return undefined;
  return Object.fromEntries(w.map((ss) => [outboundClusterName(s.port, s.host, ss.name), ss.weight!]));
}

function tcpTo(s: Outbound, statPrefix: string) {
  const w = weights(s);
  const t = tcpProxy(statPrefix);
  return w ? t.weightedClusters(w) : t.cluster(outboundClusterName(s.port, s.host));
}

// ---------------------------------------------------------------------------------------------
// Routes.

function serviceRoute(s: Outbound): RouteBuilder {
  const r = route('default').prefix('/').timeout(0);
  const w = weights(s);
  return w ? r.weightedClusters(w) : r.cluster(outboundClusterName(s.port, s.host));
}

function outboundRoutes(outbound: Outbound[], policy: OutboundTrafficPolicy, options: SidecarOptions): RouteConfiguration[] {
  const routed = outbound.filter((s) => s.protocol !== 'tcp');
  const ports = [...new Set(routed.map((s) => s.port))].sort((a, b) => a - b);
  return ports.map((port) => {
    const rc = routeConfig(String(port)).validateClusters(false);
    const services = routed.filter((s) => s.port === port).sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    for (const s of services) {
      const domains = serviceDomains(s.host, port, { namespace: options.namespace, domainSuffix: options.domainSuffix, vip: s.vip });
      rc.virtualHost(virtualHost(`${s.host}:${port}`).domains(...domains).route(serviceRoute(s)));
    }
    if (policy === 'ALLOW_ANY') {
      rc.virtualHost(virtualHost(MeshNames.allowAny).domains('*').route(route(MeshNames.allowAny).prefix('/').cluster(MeshNames.passthroughCluster).timeout(0)));
    } else {
      rc.virtualHost(virtualHost(MeshNames.blockAll).domains('*').route(route(MeshNames.blockAll).prefix('/').directResponse(502)));
    }
    return rc.build();
  });
}

// ---------------------------------------------------------------------------------------------
// Clusters and endpoints.

function withProtocol(c: ClusterBuilder, protocol: MeshProtocol): ClusterBuilder {
  if (protocol === 'grpc') return c.http2();
  // HTTP arrives as HTTP/1.1 or HTTP/2 (h2 by ALPN): forward it as it came.
  if (protocol === 'auto' || protocol === 'http') return c.useDownstreamProtocol();
  return c;
}

/**
 * Binds the cluster's upstream connections to the inbound passthrough source of each family
 * (127.0.0.6, ::6): the primary family's as `source_address`, the other's as an
 * `extra_source_addresses` entry, so Envoy binds the one of the upstream address's family.
 */
function bound(c: ClusterBuilder, mesh: MeshOptions): ClusterBuilder {
  const { capture } = mesh;
  const [primary, ...others] = capture.ipFamilies.map((f) => (f === 'IPv4' ? capture.inboundPassthroughSource : capture.inboundPassthroughSourceIpv6));
  return c.upstreamBindConfig(primary!, others.length ? { extraSourceAddresses: others } : {});
}

function upstreamAlpn(protocol: MeshProtocol): readonly string[] {
  return protocol === 'http' ? IstioAlpn.http1 : protocol === 'grpc' ? IstioAlpn.http2 : IstioAlpn.tcp;
}

function outboundCluster(s: Outbound, subset: SidecarSubset | undefined, mtls: boolean, timeout: DurationInput): Cluster {
  const name = outboundClusterName(s.port, s.host, subset?.name);
  const c = cluster(name).eds(ConfigSource.ads(), name).connectTimeout(timeout);
  if (s.protocol === 'grpc') c.http2();
  else if (s.protocol === 'auto') c.useDownstreamProtocol();
  if (mtls) {
    // Automatic mTLS (Istio's): endpoints labelled tlsMode=istio get mTLS, others plaintext.
    const tls = meshUpstreamTls(outboundSni(s.port, s.host, subset?.name), upstreamAlpn(s.protocol), s.serviceAccounts ?? []);
    c.transportSocketMatch('tlsMode-istio', { tlsMode: 'istio' }, tls).transportSocketMatch('tlsMode-disabled', {}, TransportSocket.rawBuffer());
  }
  return c.build();
}

function outboundEndpoints(s: Outbound, subset: SidecarSubset | undefined, mtls: boolean): ClusterLoadAssignment {
  const name = outboundClusterName(s.port, s.host, subset?.name);
  const e = endpointsOf(name);
  const members = s.endpoints.filter((ep) => !subset || Object.entries(subset.labels).every(([k, v]) => ep.labels?.[k] === v));
  for (const ep of members) {
    const metadata = mtls && (ep.tlsMode ?? 'istio') === 'istio' ? { 'envoy.transport_socket_match': { tlsMode: 'istio' } } : undefined;
    e.endpoint(
      { address: ep.address, port: ep.port ?? s.target },
      {
        ...(ep.weight !== undefined ? { weight: ep.weight } : {}),
        ...(metadata ? { metadata } : {}),
        ...(ep.locality ? { locality: ep.locality } : {}),
      },
    );
  }
  return e.build();
}
