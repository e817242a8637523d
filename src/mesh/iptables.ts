/**
 * The sidecar's traffic capture: an `iptables-restore` script for the `nat` table, with Istio's
 * chains and rules.
 *
 * Inbound TCP goes PREROUTING → ISTIO_INBOUND → ISTIO_IN_REDIRECT (REDIRECT to the inbound
 * capture port, 15006); outbound TCP goes OUTPUT → ISTIO_OUTPUT → ISTIO_REDIRECT (REDIRECT to the
 * outbound capture port, 15001). What is not captured:
 * - the proxy's own ports on the way in (HBONE 15008, stats 15090, health 15021, agent 15020);
 * - everything the proxy itself sends (its uid and gid, 1337), except its connections over `lo`
 *   to a non-loopback address, which are a pod calling itself through its service address:
 *   those go to the inbound capture, like traffic from another pod;
 * - connections from `127.0.0.6` on `lo`, the source `InboundPassthroughCluster` binds, so
 *   inbound traffic the proxy forwards to the application is not captured a second time;
 * - the application's traffic over `lo` and to `127.0.0.1`;
 * - the configured exclusions (inbound ports, outbound ports and CIDRs).
 *
 * Ports come from {@link resolveMeshOptions}, the same object the listeners are built from.
 * REDIRECT mode only (not TPROXY); IPv4 only (`iptables`, not `ip6tables`).
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/original_dst_filter
 */
import { LOCALHOST, proxyInboundPorts, resolveMeshOptions, type MeshOptions, type MeshOptionsInput } from './options.js';

/** Istio's chain names. */
export const IstioChain = Object.freeze({
  inbound: 'ISTIO_INBOUND',
  inboundRedirect: 'ISTIO_IN_REDIRECT',
  output: 'ISTIO_OUTPUT',
  redirect: 'ISTIO_REDIRECT',
});

/** The DNS port the application's queries go to. */
const DNS = 53;

const cidr = (s: string) => (s.includes('/') ? s : `${s}/32`);

/**
 * The `iptables-restore` script (table `nat`) that captures a pod's traffic for the sidecar.
 *
 * Give it the same options object as {@link sidecar} (or any {@link MeshOptionsInput}): the
 * redirect targets are `ports.inboundCapture` and `ports.outboundCapture`, the exclusions are
 * `ports.hbone`, `ports.stats`, `ports.health`, `ports.agentMetrics` and the `capture` lists.
 * Apply it with `iptables-restore --noflush` in the pod's network namespace.
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
 */
export function sidecarIptables(options: MeshOptionsInput | MeshOptions = {}): string {
  const { ports, capture } = resolveMeshOptions(options as MeshOptionsInput);
  const { inbound, inboundRedirect, output, redirect } = IstioChain;
  const uid = capture.proxyUid;
  const gid = capture.proxyGid;
  const out: string[] = ['*nat'];
  for (const chain of [inbound, inboundRedirect, output, redirect]) out.push(`:${chain} - [0:0]`);

  // Targets.
  out.push(`-A ${redirect} -p tcp -j REDIRECT --to-ports ${ports.outboundCapture}`);
  out.push(`-A ${inboundRedirect} -p tcp -j REDIRECT --to-ports ${ports.inboundCapture}`);

  // Inbound.
  const include = capture.includeInboundPorts;
  if (include === '*' || include.length > 0) {
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
  out.push(`-A ${output} -o lo -s ${cidr(capture.inboundPassthroughSource)} -j RETURN`);
  // With DNS capture, the application's DNS over lo must still reach the DNS redirect below.
  const notDns = capture.captureDns ? ` -p tcp ! --dport ${DNS}` : '';
  for (const [flag, id] of [['--uid-owner', uid], ['--gid-owner', gid]] as const) {
    out.push(`-A ${output} -o lo ! -d ${LOCALHOST}/32${notDns} -m owner ${flag} ${id} -j ${inboundRedirect}`);
    out.push(`-A ${output} -o lo${notDns} -m owner ! ${flag} ${id} -j RETURN`);
    out.push(`-A ${output} -m owner ${flag} ${id} -j RETURN`);
  }
  const dnsTargets = capture.dnsServers.length ? capture.dnsServers.map((s) => ` -d ${cidr(s)}`) : [''];
  if (capture.captureDns) {
    for (const d of dnsTargets) out.push(`-A ${output} -p tcp --dport ${DNS}${d} -j REDIRECT --to-ports ${ports.dns}`);
  }
  out.push(`-A ${output} -d ${LOCALHOST}/32 -j RETURN`);
  for (const p of unique(capture.includeOutboundPorts)) out.push(`-A ${output} -p tcp --dport ${p} -j ${redirect}`);
  for (const c of unique(capture.excludeOutboundCidrs)) out.push(`-A ${output} -d ${cidr(c)} -j RETURN`);
  if (capture.includeOutboundCidrs === '*') out.push(`-A ${output} -j ${redirect}`);
  else for (const c of unique(capture.includeOutboundCidrs)) out.push(`-A ${output} -d ${cidr(c)} -j ${redirect}`);

  // DNS over UDP: the proxy's own queries go out, the application's go to the DNS proxy.
  if (capture.captureDns) {
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
