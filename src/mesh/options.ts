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
  /** With `captureDns`: only queries to these name servers are redirected. @default [] (all) */
  readonly dnsServers: readonly string[];
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
});

/** The loopback address the capture rules never redirect (`-d 127.0.0.1/32 -j RETURN`). */
export const LOCALHOST = '127.0.0.1';

/**
 * Fills in the defaults and checks the result.
 *
 * Throws {@link XdsValidationError} listing every problem: a port outside 1–65535, two proxy
 * ports sharing a number, a bad CIDR or address, an IPv6 range (the script is for `iptables`,
 * not `ip6tables`), a uid/gid that is not a non-negative integer, or an included inbound port
 * that is one of the proxy's own.
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
  const ipv4 = (path: string, s: unknown, wholeAddress: boolean) => {
    const c = typeof s === 'string' ? parseCidr(s) : undefined;
    if (!c) bad(path, 'cidr', `expected an IPv4 ${wholeAddress ? 'address' : 'CIDR like 10.0.0.0/8'}, got ${show(s)}`, s);
    else if (c.family !== 4) bad(path, 'ipv4', `the nat script is for iptables (IPv4); ${show(s)} is IPv6`, s);
    else if (wholeAddress && (s as string).includes('/')) bad(path, 'cidr', `expected an address without prefix, got ${show(s)}`, s);
  };
  ipv4('capture.inboundPassthroughSource', capture.inboundPassthroughSource, true);
  const portList = (name: keyof CaptureOptions, list: unknown) => {
    if (!Array.isArray(list)) return bad(`capture.${name}`, 'list', `expected a list of ports, got ${show(list)}`, list);
    list.forEach((p, i) => {
      if (!isPort(p)) bad(`capture.${name}[${i}]`, 'port', `port must be an integer in 1-65535, got ${show(p)}`, p);
    });
  };
  const cidrList = (name: keyof CaptureOptions, list: unknown, wholeAddress = false) => {
    if (!Array.isArray(list)) return bad(`capture.${name}`, 'list', `expected a list, got ${show(list)}`, list);
    list.forEach((c, i) => ipv4(`capture.${name}[${i}]`, c, wholeAddress));
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
  if (problems.length) throw new XdsValidationError(problems, `invalid mesh options: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
  return Object.freeze({ ports, capture });
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
