/**
 * The sidecar's traffic capture: `iptables-restore` scripts (one per IP family) with Istio's
 * chains and rules, and the `ip` commands they need.
 *
 * Inbound TCP goes PREROUTING → ISTIO_INBOUND, then, in `REDIRECT` mode, → ISTIO_IN_REDIRECT
 * (`nat` table, REDIRECT to the inbound capture port, 15006), or in `TPROXY` mode → ISTIO_TPROXY
 * (`mangle` table, TPROXY to 15006, with ISTIO_DIVERT for established connections and policy
 * routing). Outbound TCP goes OUTPUT → ISTIO_OUTPUT → ISTIO_REDIRECT (`nat`, REDIRECT to the
 * outbound capture port, 15001) in both modes. What is not captured:
 * - the proxy's own ports on the way in (HBONE 15008, stats 15090, health 15021, agent 15020);
 * - everything the proxy itself sends (its uid and gid, 1337), except its connections over `lo`
 *   to a non-loopback address, which are a pod calling itself through its service address:
 *   those go to the inbound capture, like traffic from another pod;
 * - connections from `127.0.0.6` (IPv6: `::6`) on `lo`, the source `InboundPassthroughCluster`
 *   binds, so inbound traffic the proxy forwards to the application is not captured a second
 *   time (in TPROXY mode also packets carrying the TPROXY mark, which `original_src` sets);
 * - the application's traffic over `lo` and to `127.0.0.1` (IPv6: `::1`);
 * - the configured exclusions (inbound ports, outbound ports and CIDRs).
 *
 * Ports, marks and addresses come from {@link resolveMeshOptions}, the same object the
 * listeners are built from.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig-InboundInterceptionMode
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/original_dst_filter
 */
import { XdsValidationError, show } from '../registry/errors.js';
import {
  LOCALHOST,
  LOCALHOST_IPV6,
  TPROXY_OUTBOUND_MARK,
  proxyInboundPorts,
  resolveMeshOptions,
  type IpFamily,
  type MeshOptions,
  type MeshOptionsInput,
} from './options.js';
import { parseCidr } from './ip.js';

/**
 * Istio's chain names.
 *
 * The same names in both tables and both families, so tools and runbooks written for Istio's
 * `istio-iptables` read the scripts naturally.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/
 */
export const IstioChain = Object.freeze({
  /** `nat` (REDIRECT) or `mangle` (TPROXY): inbound TCP from PREROUTING. */
  inbound: 'ISTIO_INBOUND',
  /** `nat`: REDIRECT to the inbound capture port. */
  inboundRedirect: 'ISTIO_IN_REDIRECT',
  /** `nat`: outbound TCP from OUTPUT. */
  output: 'ISTIO_OUTPUT',
  /** `nat`: REDIRECT to the outbound capture port. */
  redirect: 'ISTIO_REDIRECT',
  /** `mangle` (TPROXY): marks packets of established inbound connections and accepts them. */
  divert: 'ISTIO_DIVERT',
  /** `mangle` (TPROXY): TPROXY to the inbound capture port. */
  tproxy: 'ISTIO_TPROXY',
});

/**
 * Which script {@link sidecarIptables} writes.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/
 */
export interface SidecarIptablesOptions {
  /**
   * The family: `IPv4` gives the `iptables-restore` script, `IPv6` the `ip6tables-restore` one.
   * It must be one of `capture.ipFamilies`.
   * @default the first of `capture.ipFamilies` ("IPv4" by default)
   */
  family?: IpFamily;
}

/**
 * Everything that sets up a pod's traffic capture, from {@link sidecarCapture}.
 *
 * A script is present for each family of `capture.ipFamilies`; the commands run first.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig-InboundInterceptionMode
 */
export interface SidecarCapture {
  /** The `iptables-restore` script, when `capture.ipFamilies` has IPv4. @default absent for an IPv6-only pod */
  readonly ipv4?: string;
  /** The `ip6tables-restore` script, when `capture.ipFamilies` has IPv6. @default absent (IPv4 only) */
  readonly ipv6?: string;
  /**
   * `ip` commands to run in the pod's network namespace before the scripts, for what
   * `iptables-restore` cannot express: with IPv6, the inbound passthrough source on `lo`
   * (`ip -6 addr add ::6/128 dev lo`); in TPROXY mode, per family, the policy-routing rule and
   * route that deliver marked packets locally (`ip -f inet rule add fwmark 1337 lookup 133`,
   * `ip -f inet route add local default dev lo table 133`, and the same with `-f inet6`).
   * @default [] (IPv4, REDIRECT)
   */
  readonly commands: readonly string[];
}

/** The DNS port the application's queries go to. */
const DNS = 53;

/** What differs between the two families' scripts. */
interface Family {
  readonly name: IpFamily;
  readonly version: 4 | 6;
  /** `/32` or `/128`. */
  readonly hostBits: number;
  /** The loopback address as a host CIDR. */
  readonly loopback: string;
  /** The inbound passthrough source as a host CIDR. */
  readonly passthroughSource: string;
}

function familyOf(mesh: MeshOptions, name: IpFamily): Family {
  const v4 = name === 'IPv4';
  const hostBits = v4 ? 32 : 128;
  const source = v4 ? mesh.capture.inboundPassthroughSource : mesh.capture.inboundPassthroughSourceIpv6;
  return { name, version: v4 ? 4 : 6, hostBits, loopback: `${v4 ? LOCALHOST : LOCALHOST_IPV6}/${hostBits}`, passthroughSource: `${source}/${hostBits}` };
}

/**
 * The `iptables-restore` script (or, with `family: 'IPv6'`, the `ip6tables-restore` script) that
 * captures a pod's traffic for the sidecar.
 *
 * Give it the same options object as {@link sidecar} (or any {@link MeshOptionsInput}): the
 * redirect targets are `ports.inboundCapture` and `ports.outboundCapture`, the exclusions are
 * `ports.hbone`, `ports.stats`, `ports.health`, `ports.agentMetrics` and the `capture` lists
 * (CIDRs and DNS servers of the script's family only). Apply it with `iptables-restore --noflush`
 * (`ip6tables-restore --noflush`) in the pod's network namespace, after the
 * {@link SidecarCapture.commands} of {@link sidecarCapture}, which also gives every script at
 * once.
 *
 * `REDIRECT` mode (default) writes the `nat` table. `TPROXY` mode writes the `mangle` table
 * first — ISTIO_DIVERT, ISTIO_TPROXY, ISTIO_INBOUND (the TPROXY-marked and passthrough-source
 * returns, loopback returns except the proxy's own marked connections, excluded ports,
 * established connections diverted, new ones TPROXYed), the connmark save/restore and the
 * proxy's loopback mark in OUTPUT — then the `nat` table for outbound capture.
 *
 * Rule order inside ISTIO_OUTPUT: excluded outbound ports, the `127.0.0.6` return, the
 * proxy-owner rules (uid then gid), DNS over TCP (with `captureDns`), the `127.0.0.1` return,
 * included outbound ports, excluded CIDRs, then the redirect of everything (or of each included
 * CIDR). UDP DNS is redirected from the OUTPUT chain, the proxy's own queries excepted.
 *
 * @example
 * const options = { inbound: [{ port: 8080, protocol: 'http' }], capture: { excludeOutboundCidrs: ['169.254.169.254/32'] } };
 * writeFileSync('rules.txt', sidecarIptables(options)); // iptables-restore --noflush < rules.txt
 * const { listeners } = sidecar(options);              // same ports, by construction
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/
 */
export function sidecarIptables(options: MeshOptionsInput | MeshOptions = {}, which: SidecarIptablesOptions = {}): string {
  const mesh = resolveMeshOptions(options as MeshOptionsInput);
  const families = mesh.capture.ipFamilies;
  const family = which.family ?? families[0]!;
  if (!families.includes(family)) {
    const rule = family === 'IPv4' || family === 'IPv6' ? 'ip_family' : 'enum';
    const message = rule === 'enum' ? `family must be IPv4 or IPv6, got ${show(family)}` : `family ${family} is not in capture.ipFamilies [${families.join(', ')}]`;
    throw new XdsValidationError([{ path: 'family', rule, message, value: family }], `invalid iptables options: 1 problem`);
  }
  return script(mesh, familyOf(mesh, family));
}

/**
 * Every script and command that sets up the capture for the options' `capture.ipFamilies` and
 * `capture.inboundInterceptionMode`: run `commands`, then `iptables-restore --noflush` with
 * `ipv4` and `ip6tables-restore --noflush` with `ipv6`, in the pod's network namespace.
 *
 * @example
 * const options: SidecarOptions = { capture: { ipFamilies: ['IPv4', 'IPv6'], inboundInterceptionMode: 'TPROXY' }, inbound: [...] };
 * const { ipv4, ipv6, commands } = sidecarCapture(options);
 * // commands: ip -6 addr add ::6/128 dev lo; ip -f inet rule add fwmark 1337 lookup 133; ...
 * const { listeners, clusters } = sidecar(options); // transparent listeners on 0.0.0.0 and ::
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig-InboundInterceptionMode
 */
export function sidecarCapture(options: MeshOptionsInput | MeshOptions = {}): SidecarCapture {
  const mesh = resolveMeshOptions(options as MeshOptionsInput);
  const { capture } = mesh;
  const families = capture.ipFamilies;
  const commands: string[] = [];
  // 127.0.0.6 is on lo already (all of 127.0.0.0/8 is); ::6 must be added before Envoy binds it.
  if (families.includes('IPv6')) commands.push(`ip -6 addr add ${capture.inboundPassthroughSourceIpv6}/128 dev lo`);
  if (tproxyInbound(mesh)) {
    for (const f of families) {
      const inet = f === 'IPv4' ? 'inet' : 'inet6';
      commands.push(`ip -f ${inet} rule add fwmark ${capture.inboundTproxyMark} lookup ${capture.inboundTproxyRouteTable}`);
      commands.push(`ip -f ${inet} route add local default dev lo table ${capture.inboundTproxyRouteTable}`);
    }
  }
  return Object.freeze({
    ...(families.includes('IPv4') ? { ipv4: script(mesh, familyOf(mesh, 'IPv4')) } : {}),
    ...(families.includes('IPv6') ? { ipv6: script(mesh, familyOf(mesh, 'IPv6')) } : {}),
    commands: Object.freeze(commands),
  });
}

/** True when inbound traffic is captured at all (with `'*'` or a non-empty port list). */
function capturesInbound(mesh: MeshOptions): boolean {
  const include = mesh.capture.includeInboundPorts;
  return include === '*' || include.length > 0;
}

/** True when the inbound capture uses TPROXY (and there is inbound capture). */
function tproxyInbound(mesh: MeshOptions): boolean {
  return mesh.capture.inboundInterceptionMode === 'TPROXY' && capturesInbound(mesh);
}

/** The CIDRs of a list that belong to the family, as `addr/len`. */
function ofFamily(list: readonly string[], f: Family): string[] {
  const out: string[] = [];
  for (const s of list) {
    const c = parseCidr(s);
    if (c?.family === f.version) out.push(s.includes('/') ? s : `${s}/${f.hostBits}`);
  }
  return unique(out);
}

function script(mesh: MeshOptions, f: Family): string {
  const tproxy = tproxyInbound(mesh);
  return (tproxy ? mangleTable(mesh, f) : '') + natTable(mesh, f, !tproxy);
}

/** TPROXY inbound capture: the `mangle` table. */
function mangleTable(mesh: MeshOptions, f: Family): string {
  const { ports, capture } = mesh;
  const { inbound, divert, tproxy } = IstioChain;
  const mark = capture.inboundTproxyMark;
  const out: string[] = ['*mangle'];
  for (const chain of [divert, tproxy, inbound]) out.push(`:${chain} - [0:0]`);
  out.push(`-A ${divert} -j MARK --set-mark ${mark}`);
  out.push(`-A ${divert} -j ACCEPT`);
  out.push(`-A ${tproxy} ! -d ${f.loopback} -p tcp -j TPROXY --tproxy-mark ${mark}/0xffffffff --on-port ${ports.inboundCapture}`);

  out.push(`-A PREROUTING -p tcp -j ${inbound}`);
  // Already handled: the proxy's original_src connections to the application (TPROXY mark)...
  out.push(`-A ${inbound} -p tcp -m mark --mark ${mark} -j RETURN`);
  // ...its inbound passthrough connections (bound to 127.0.0.6 / ::6)...
  out.push(`-A ${inbound} -p tcp -s ${f.passthroughSource} -i lo -j RETURN`);
  // ...and all other loopback traffic, except the proxy calling its own pod (marked in OUTPUT below).
  out.push(`-A ${inbound} -p tcp -i lo -m mark ! --mark ${TPROXY_OUTBOUND_MARK} -j RETURN`);
  const include = capture.includeInboundPorts;
  const captured = include === '*' ? [''] : unique(include).map((p) => ` --dport ${p}`);
  if (include === '*') {
    for (const p of unique([...proxyInboundPorts(ports), ...capture.excludeInboundPorts])) out.push(`-A ${inbound} -p tcp --dport ${p} -j RETURN`);
  }
  for (const d of captured) {
    // Packets of connections already TPROXYed are marked for local delivery; new ones TPROXYed.
    out.push(`-A ${inbound} -p tcp${d} -m conntrack --ctstate RELATED,ESTABLISHED -j ${divert}`);
    out.push(`-A ${inbound} -p tcp${d} -j ${tproxy}`);
  }
  // The mark of the proxy's connections to the application is kept on the connection, so the
  // application's replies (to the client's address, which original_src kept) come back to the proxy.
  out.push(`-A PREROUTING -p tcp -m mark --mark ${mark} -j CONNMARK --save-mark`);
  out.push(`-A OUTPUT -p tcp -o lo -m mark --mark ${mark} -j RETURN`);
  for (const flag of ['--uid-owner', '--gid-owner'] as const) {
    const id = flag === '--uid-owner' ? capture.proxyUid : capture.proxyGid;
    out.push(`-A OUTPUT ! -d ${f.loopback} -p tcp -o lo -m owner ${flag} ${id} -j MARK --set-mark ${TPROXY_OUTBOUND_MARK}`);
  }
  out.push(`-A OUTPUT -p tcp -m connmark --mark ${mark} -j CONNMARK --restore-mark`);
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

/** The `nat` table: outbound capture, and inbound capture in REDIRECT mode. */
function natTable(mesh: MeshOptions, f: Family, redirectInbound: boolean): string {
  const { ports, capture } = mesh;
  const { inbound, inboundRedirect, output, redirect } = IstioChain;
  const uid = capture.proxyUid;
  const gid = capture.proxyGid;
  const out: string[] = ['*nat'];
  for (const chain of redirectInbound ? [inbound, inboundRedirect, output, redirect] : [inboundRedirect, output, redirect]) out.push(`:${chain} - [0:0]`);

  // Targets.
  out.push(`-A ${redirect} -p tcp -j REDIRECT --to-ports ${ports.outboundCapture}`);
  out.push(`-A ${inboundRedirect} -p tcp -j REDIRECT --to-ports ${ports.inboundCapture}`);

  // Inbound.
  const include = capture.includeInboundPorts;
  if (redirectInbound && capturesInbound(mesh)) {
    out.push(`-A PREROUTING -p tcp -j ${inbound}`);
    if (include === '*') {
      const excluded = unique([...proxyInboundPorts(ports), ...capture.excludeInboundPorts]);
      for (const p of excluded) out.push(`-A ${inbound} -p tcp --dport ${p} -j RETURN`);
      out.push(`-A ${inbound} -p tcp -j ${inboundRedirect}`);
    } else {
      for (const p of unique(include)) out.push(`-A ${inbound} -p tcp --dport ${p} -j ${inboundRedirect}`);
    }
  }

  // Outbound.
  out.push(`-A OUTPUT -p tcp -j ${output}`);
  for (const p of unique(capture.excludeOutboundPorts)) out.push(`-A ${output} -p tcp --dport ${p} -j RETURN`);
  out.push(`-A ${output} -o lo -s ${f.passthroughSource} -j RETURN`);
  // DNS servers of this family; given servers, none of this family means no DNS capture here.
  const servers = ofFamily(capture.dnsServers, f);
  const dns = capture.captureDns && (capture.dnsServers.length === 0 || servers.length > 0);
  // With DNS capture, the application's DNS over lo must still reach the DNS redirect below.
  const notDns = dns ? ` -p tcp ! --dport ${DNS}` : '';
  for (const [flag, id] of [['--uid-owner', uid], ['--gid-owner', gid]] as const) {
    out.push(`-A ${output} -o lo ! -d ${f.loopback}${notDns} -m owner ${flag} ${id} -j ${inboundRedirect}`);
    out.push(`-A ${output} -o lo${notDns} -m owner ! ${flag} ${id} -j RETURN`);
    out.push(`-A ${output} -m owner ${flag} ${id} -j RETURN`);
  }
  const dnsTargets = servers.length ? servers.map((s) => ` -d ${s}`) : [''];
  if (dns) {
    for (const d of dnsTargets) out.push(`-A ${output} -p tcp --dport ${DNS}${d} -j REDIRECT --to-ports ${ports.dns}`);
  }
  out.push(`-A ${output} -d ${f.loopback} -j RETURN`);
  for (const p of unique(capture.includeOutboundPorts)) out.push(`-A ${output} -p tcp --dport ${p} -j ${redirect}`);
  for (const c of ofFamily(capture.excludeOutboundCidrs, f)) out.push(`-A ${output} -d ${c} -j RETURN`);
  if (capture.includeOutboundCidrs === '*') out.push(`-A ${output} -j ${redirect}`);
  else for (const c of ofFamily(capture.includeOutboundCidrs, f)) out.push(`-A ${output} -d ${c} -j ${redirect}`);

  // DNS over UDP: the proxy's own queries go out, the application's go to the DNS proxy.
  if (dns) {
    out.push(`-A OUTPUT -p udp --dport ${DNS} -m owner --uid-owner ${uid} -j RETURN`);
    out.push(`-A OUTPUT -p udp --dport ${DNS} -m owner --gid-owner ${gid} -j RETURN`);
    for (const d of dnsTargets) out.push(`-A OUTPUT -p udp --dport ${DNS}${d} -j REDIRECT --to-ports ${ports.dns}`);
  }
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
