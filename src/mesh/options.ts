/**
 * The one options object of the mesh presets: the proxy's well-known ports, its user and group,
 * and what traffic is captured.
 *
 * The iptables script ({@link sidecarIptables}), the sidecar's listeners ({@link sidecar}) and
 * its bootstrap ({@link sidecarBootstrap}) all read their ports from {@link resolveMeshOptions},
 * so the port the kernel redirects to is by construction the port Envoy listens on. The names
 * and defaults are Istio's.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
import { XdsValidationError, show, type Problem } from '../registry/errors.js';
import { isPort, parseCidr } from './ip.js';

/**
 * An IP family, by Kubernetes's names (`spec.ipFamilies` of a Service).
 *
 * `IPv4` is captured by an `iptables-restore` script, `IPv6` by an `ip6tables-restore` script.
 * @see https://kubernetes.io/docs/concepts/services-networking/dual-stack/
 */
export type IpFamily = 'IPv4' | 'IPv6';

/**
 * How inbound traffic reaches the proxy: NAT (`REDIRECT`) or transparent proxying (`TPROXY`).
 *
 * Istio's `ProxyConfig.interceptionMode` values (without `NONE`: a sidecar without capture needs
 * no script).
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig-InboundInterceptionMode
 */
export type InboundInterceptionMode = 'REDIRECT' | 'TPROXY';

/** The ports the proxy uses (Istio's numbers by default). */
export interface MeshPorts {
  /** Envoy admin (bound to 127.0.0.1). @default 15000 */
  readonly admin: number;
  /** Outbound capture: `virtualOutbound`, where ISTIO_REDIRECT sends traffic. @default 15001 */
  readonly outboundCapture: number;
  /** Inbound capture: `virtualInbound`, where ISTIO_IN_REDIRECT sends traffic. @default 15006 */
  readonly inboundCapture: number;
  /** HBONE (HTTP CONNECT over mTLS) tunnel port. @default 15008 */
  readonly hbone: number;
  /** The agent's merged Prometheus metrics (not captured). @default 15020 */
  readonly agentMetrics: number;
  /** Health checks (`/healthz/ready`). @default 15021 */
  readonly health: number;
  /** DNS proxy, target of DNS capture. @default 15053 */
  readonly dns: number;
  /** Envoy's Prometheus stats (`/stats/prometheus`). @default 15090 */
  readonly stats: number;
}

/** What traffic the iptables rules capture. */
export interface CaptureOptions {
  /** User id the proxy runs as; its own traffic is never captured. @default 1337 */
  readonly proxyUid: number;
  /** Group id the proxy runs as; its own traffic is never captured. @default 1337 */
  readonly proxyGid: number;
  /**
   * Source address of the proxy's inbound passthrough connections (bound by
   * `InboundPassthroughCluster`); traffic from it on `lo` is returned, not captured again.
   * @default "127.0.0.6"
   */
  readonly inboundPassthroughSource: string;
  /** Inbound destination ports to capture: `'*'` (all) or a list. @default "*" */
  readonly includeInboundPorts: '*' | readonly number[];
  /**
   * Inbound ports never captured, in addition to the proxy's own (HBONE, stats, health, agent
   * metrics), which are always excluded. Only used with `includeInboundPorts: '*'`.
   * @default []
   */
  readonly excludeInboundPorts: readonly number[];
  /** Outbound destination CIDRs to capture: `'*'` (all) or a list. @default "*" */
  readonly includeOutboundCidrs: '*' | readonly string[];
  /** Outbound destination CIDRs never captured. @default [] */
  readonly excludeOutboundCidrs: readonly string[];
  /** Outbound ports captured even to excluded CIDRs. @default [] */
  readonly includeOutboundPorts: readonly number[];
  /** Outbound ports never captured. @default [] */
  readonly excludeOutboundPorts: readonly number[];
  /** Redirect the application's DNS (UDP and TCP port 53) to the DNS proxy. @default false */
  readonly captureDns: boolean;
  /**
   * With `captureDns`: only queries to these name servers are redirected. IPv4 and IPv6 servers
   * may be mixed; each script gets those of its family (a family with none captures no DNS).
   * @default [] (all)
   */
  readonly dnsServers: readonly string[];
  /**
   * The IP families the pod uses, primary first (Kubernetes's `ipFamilies`): one
   * `iptables-restore` script per family ({@link sidecarCapture}), and listeners and upstream
   * binds for each. `['IPv4', 'IPv6']` is dual stack: the capture listeners also listen on `::`
   * (`additional_addresses`) and the inbound clusters also bind `inboundPassthroughSourceIpv6`
   * (`extra_source_addresses`), so Envoy picks the source of the upstream's family.
   * @default ["IPv4"]
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-additional-addresses
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto#envoy-v3-api-field-config-core-v3-bindconfig-extra-source-addresses
   */
  readonly ipFamilies: readonly IpFamily[];
  /**
   * The IPv6 twin of `inboundPassthroughSource` (Istio's `::6`). Unlike `127.0.0.6` it is not
   * on `lo` by itself: {@link sidecarCapture} returns the `ip -6 addr add` command that puts it
   * there.
   * @default "::6"
   */
  readonly inboundPassthroughSourceIpv6: string;
  /**
   * How inbound TCP is captured (Istio's `interceptionMode`). `REDIRECT`: NAT to the inbound
   * capture port; the application sees connections from `127.0.0.6`. `TPROXY`: the `mangle`
   * table's TPROXY target, with policy routing; Envoy's capture listeners become `transparent`
   * and `virtualInbound` gets the `original_src` listener filter, so the application sees the
   * client's address. TPROXY needs `CAP_NET_ADMIN` for Envoy. Outbound capture is REDIRECT in
   * both modes, as in Istio.
   * @default "REDIRECT"
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig-InboundInterceptionMode
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/original_src_filter
   */
  readonly inboundInterceptionMode: InboundInterceptionMode;
  /**
   * TPROXY: the firewall mark of intercepted inbound packets (`--tproxy-mark`, ISTIO_DIVERT),
   * of the upstream packets of `original_src` (its `mark`), and the `fwmark` the policy-routing
   * rule selects. Must not be {@link TPROXY_OUTBOUND_MARK}.
   * @default 1337
   */
  readonly inboundTproxyMark: number;
  /**
   * TPROXY: the routing table holding the `local default dev lo` route that delivers marked
   * packets to the proxy.
   * @default 133
   */
  readonly inboundTproxyRouteTable: number;
}

/** The options shared by every mesh preset, fully resolved. */
export interface MeshOptions {
  readonly ports: MeshPorts;
  readonly capture: CaptureOptions;
}

/** What a caller gives: any part of {@link MeshOptions}; the rest takes the defaults. */
export interface MeshOptionsInput {
  /** Port overrides. @default {@link DEFAULT_MESH_PORTS} */
  ports?: Partial<MeshPorts>;
  /** Capture overrides. @default {@link DEFAULT_CAPTURE} */
  capture?: Partial<CaptureOptions>;
}

/** Istio's port numbers. */
export const DEFAULT_MESH_PORTS: MeshPorts = Object.freeze({
  admin: 15000,
  outboundCapture: 15001,
  inboundCapture: 15006,
  hbone: 15008,
  agentMetrics: 15020,
  health: 15021,
  dns: 15053,
  stats: 15090,
});

/** Istio's capture defaults: everything in and out, except the proxy's own ports and traffic. */
export const DEFAULT_CAPTURE: CaptureOptions = Object.freeze({
  proxyUid: 1337,
  proxyGid: 1337,
  inboundPassthroughSource: '127.0.0.6',
  includeInboundPorts: '*',
  excludeInboundPorts: Object.freeze([]) as readonly number[],
  includeOutboundCidrs: '*',
  excludeOutboundCidrs: Object.freeze([]) as readonly string[],
  includeOutboundPorts: Object.freeze([]) as readonly number[],
  excludeOutboundPorts: Object.freeze([]) as readonly number[],
  captureDns: false,
  dnsServers: Object.freeze([]) as readonly string[],
  ipFamilies: Object.freeze(['IPv4']) as readonly IpFamily[],
  inboundPassthroughSourceIpv6: '::6',
  inboundInterceptionMode: 'REDIRECT',
  inboundTproxyMark: 1337,
  inboundTproxyRouteTable: 133,
});

/** The loopback address the capture rules never redirect (`-d 127.0.0.1/32 -j RETURN`). */
export const LOCALHOST = '127.0.0.1';

/**
 * The IPv6 loopback address the capture rules never redirect (`-d ::1/128 -j RETURN`).
 *
 * Used in the `ip6tables-restore` script where the IPv4 one has {@link LOCALHOST}.
 */
export const LOCALHOST_IPV6 = '::1';

/**
 * TPROXY: the mark of the proxy's own connections over `lo` to a non-loopback address.
 *
 * The `mangle` OUTPUT chain sets it on such connections (a pod calling itself through its
 * service), so that ISTIO_INBOUND does not return them like other loopback traffic but TPROXYs
 * them to the inbound listener. Istio's fixed value; `capture.inboundTproxyMark` must differ.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig-InboundInterceptionMode
 */
export const TPROXY_OUTBOUND_MARK = 1338;

const FAMILIES: readonly IpFamily[] = ['IPv4', 'IPv6'];
/** Routing tables 0 (unspec), 253 (default), 254 (main) and 255 (local) are the kernel's. */
const RESERVED_TABLES = new Set([0, 253, 254, 255]);
const MAX_U32 = 0xffffffff;

/**
 * Fills in the defaults and checks the result.
 *
 * Throws {@link XdsValidationError} listing every problem: a port outside 1–65535, two proxy
 * ports sharing a number, a bad CIDR or address, a CIDR of a family not in `ipFamilies` (rule
 * `ipv4`/`ipv6`: there is no script it could go in), a passthrough source of the wrong family,
 * a uid/gid that is not a non-negative integer, an included inbound port that is one of the
 * proxy's own, an unknown family or interception mode, a TPROXY mark outside 1–2³²−1 or equal to
 * {@link TPROXY_OUTBOUND_MARK}, or a routing table that is 0 or one of the kernel's (253–255).
 */
export function resolveMeshOptions(input: MeshOptionsInput = {}): MeshOptions {
  const ports: MeshPorts = Object.freeze({ ...DEFAULT_MESH_PORTS, ...stripUndefined(input.ports ?? {}) });
  const capture: CaptureOptions = Object.freeze({ ...DEFAULT_CAPTURE, ...stripUndefined(input.capture ?? {}) });
  const problems: Problem[] = [];
  const bad = (path: string, rule: string, message: string, value?: unknown) => problems.push({ path, rule, message, value });

  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    if (!isPort(port)) bad(`ports.${name}`, 'port', `port must be an integer in 1-65535, got ${show(port)}`, port);
    else if (seen.has(port)) bad(`ports.${name}`, 'unique', `port ${port} is already used by ports.${seen.get(port)}`, port);
    else seen.set(port, name);
  }
  for (const k of ['proxyUid', 'proxyGid'] as const) {
    const v = capture[k];
    if (!Number.isInteger(v) || v < 0) bad(`capture.${k}`, 'id', `must be a non-negative integer, got ${show(v)}`, v);
  }
  // The families come first: which CIDRs are allowed depends on them.
  const families = checkFamilies(capture.ipFamilies, bad);
  const ip = (path: string, s: unknown, wholeAddress: boolean, only?: 4 | 6) => {
    const c = typeof s === 'string' ? parseCidr(s) : undefined;
    const what = only === 6 ? 'an IPv6' : only === 4 ? 'an IPv4' : 'an IPv4 or IPv6';
    if (!c) return bad(path, 'cidr', `expected ${what} ${wholeAddress ? 'address' : `CIDR like ${only === 6 ? 'fd00::/8' : '10.0.0.0/8'}`}, got ${show(s)}`, s);
    const family: IpFamily = c.family === 4 ? 'IPv4' : 'IPv6';
    if (only !== undefined && c.family !== only) bad(path, only === 4 ? 'ipv4' : 'ipv6', `expected ${what} address, got ${show(s)}`, s);
    else if (only === undefined && !families.includes(family)) {
      bad(path, c.family === 4 ? 'ipv6' : 'ipv4', `${show(s)} is ${family}, but capture.ipFamilies is [${families.join(', ')}] (no ${c.family === 4 ? 'iptables' : 'ip6tables'} script)`, s);
    } else if (wholeAddress && (s as string).includes('/')) bad(path, 'cidr', `expected an address without prefix, got ${show(s)}`, s);
  };
  ip('capture.inboundPassthroughSource', capture.inboundPassthroughSource, true, 4);
  const portList = (name: keyof CaptureOptions, list: unknown) => {
    if (!Array.isArray(list)) return bad(`capture.${name}`, 'list', `expected a list of ports, got ${show(list)}`, list);
    list.forEach((p, i) => {
      if (!isPort(p)) bad(`capture.${name}[${i}]`, 'port', `port must be an integer in 1-65535, got ${show(p)}`, p);
    });
  };
  const cidrList = (name: keyof CaptureOptions, list: unknown, wholeAddress = false) => {
    if (!Array.isArray(list)) return bad(`capture.${name}`, 'list', `expected a list, got ${show(list)}`, list);
    list.forEach((c, i) => ip(`capture.${name}[${i}]`, c, wholeAddress));
  };
  if (capture.includeInboundPorts !== '*') {
    portList('includeInboundPorts', capture.includeInboundPorts);
    const own = new Set(proxyInboundPorts(ports));
    (Array.isArray(capture.includeInboundPorts) ? capture.includeInboundPorts : []).forEach((p, i) => {
      if (own.has(p) || p === ports.inboundCapture || p === ports.outboundCapture) {
        bad(`capture.includeInboundPorts[${i}]`, 'proxy_port', `port ${p} is one of the proxy's own ports and is never captured`, p);
      }
    });
  }
  portList('excludeInboundPorts', capture.excludeInboundPorts);
  if (capture.includeOutboundCidrs !== '*') cidrList('includeOutboundCidrs', capture.includeOutboundCidrs);
  cidrList('excludeOutboundCidrs', capture.excludeOutboundCidrs);
  portList('includeOutboundPorts', capture.includeOutboundPorts);
  portList('excludeOutboundPorts', capture.excludeOutboundPorts);
  cidrList('dnsServers', capture.dnsServers, true);
  if (typeof capture.captureDns !== 'boolean') bad('capture.captureDns', 'bool', `expected true or false, got ${show(capture.captureDns)}`);
  ip('capture.inboundPassthroughSourceIpv6', capture.inboundPassthroughSourceIpv6, true, 6);
  const mode = capture.inboundInterceptionMode;
  if (mode !== 'REDIRECT' && mode !== 'TPROXY') bad('capture.inboundInterceptionMode', 'enum', `inboundInterceptionMode must be REDIRECT or TPROXY, got ${show(mode)}`, mode);
  const mark = capture.inboundTproxyMark;
  if (!Number.isInteger(mark) || mark < 1 || mark > MAX_U32) bad('capture.inboundTproxyMark', 'mark', `must be an integer in 1-${MAX_U32}, got ${show(mark)}`, mark);
  else if (mark === TPROXY_OUTBOUND_MARK) bad('capture.inboundTproxyMark', 'mark', `mark ${mark} is the mark of the proxy's own loopback connections (TPROXY_OUTBOUND_MARK); choose another`, mark);
  const table = capture.inboundTproxyRouteTable;
  if (!Number.isInteger(table) || table < 1 || table > MAX_U32) bad('capture.inboundTproxyRouteTable', 'route_table', `must be an integer in 1-${MAX_U32}, got ${show(table)}`, table);
  else if (RESERVED_TABLES.has(table)) bad('capture.inboundTproxyRouteTable', 'route_table', `table ${table} is one of the kernel's (253 default, 254 main, 255 local)`, table);
  if (problems.length) throw new XdsValidationError(problems, `invalid mesh options: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
  return Object.freeze({ ports, capture });
}

/** Checks `capture.ipFamilies`; returns the valid families (IPv4 when the list is unusable, so later checks still run). */
function checkFamilies(list: unknown, bad: (path: string, rule: string, message: string, value?: unknown) => void): IpFamily[] {
  if (!Array.isArray(list) || list.length === 0) {
    bad('capture.ipFamilies', 'list', `expected a non-empty list of IP families (["IPv4"], ["IPv6"], ["IPv4", "IPv6"] or ["IPv6", "IPv4"]), got ${show(list)}`, list);
    return ['IPv4'];
  }
  const out: IpFamily[] = [];
  list.forEach((f, i) => {
    if (!FAMILIES.includes(f)) bad(`capture.ipFamilies[${i}]`, 'enum', `ip family must be IPv4 or IPv6, got ${show(f)}`, f);
    else if (out.includes(f)) bad(`capture.ipFamilies[${i}]`, 'unique', `ip family ${f} is listed twice`, f);
    else out.push(f);
  });
  return out;
}

/**
 * The proxy's own inbound ports, always excluded from inbound capture: HBONE, Envoy stats,
 * health and the agent's metrics (15008, 15090, 15021, 15020 by default), in that order.
 */
export function proxyInboundPorts(ports: MeshPorts): number[] {
  return [ports.hbone, ports.stats, ports.health, ports.agentMetrics];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
