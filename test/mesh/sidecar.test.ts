import { describe, expect, it } from 'vitest';
import { envoy, equals, isXdsValidationError, unpack } from 'xdskit';
import { validateSnapshot } from 'xdskit/validate';
import { resolveMeshOptions, sidecar, sidecarBootstrap, sidecarIptables, waypoint, type MeshResources, type SidecarOptions } from 'xdskit/mesh';

type Listener = envoy.config.listener.v3.Listener;
type FilterChain = envoy.config.listener.v3.FilterChain;

/** A connection as Envoy's filter chain match sees it. */
interface Conn {
  port: number;
  transport: 'tls' | 'raw_buffer';
  alpn?: string[];
}

/**
 * Envoy's filter chain selection for the criteria the presets use, in Envoy's order: destination
 * port, then transport protocol, then application protocols; at each step the chains that name
 * the connection's value win over the chains that leave the criterion empty.
 */
function selectChain(l: Listener, c: Conn): string | undefined {
  const inspectors = new Set((l.listenerFilters ?? []).map((f) => f.name));
  const transport = inspectors.has('envoy.filters.listener.tls_inspector') ? c.transport : 'raw_buffer';
  const sniff = inspectors.has('envoy.filters.listener.http_inspector') || inspectors.has('envoy.filters.listener.tls_inspector');
  const alpn = sniff ? (c.alpn ?? []) : [];
  let candidates: FilterChain[] = l.filterChains ?? [];
  const step = (set: (fc: FilterChain) => boolean, matches: (fc: FilterChain) => boolean) => {
    const specific = candidates.filter((fc) => set(fc) && matches(fc));
    candidates = specific.length ? specific : candidates.filter((fc) => !set(fc));
  };
  step((fc) => fc.filterChainMatch?.destinationPort !== undefined, (fc) => fc.filterChainMatch!.destinationPort === c.port);
  step((fc) => !!fc.filterChainMatch?.transportProtocol, (fc) => fc.filterChainMatch!.transportProtocol === transport);
  step((fc) => !!fc.filterChainMatch?.applicationProtocols?.length, (fc) => fc.filterChainMatch!.applicationProtocols!.some((a) => alpn.includes(a)));
  expect(candidates.length, 'at most one chain may match').toBeLessThanOrEqual(1);
  return candidates[0]?.name ?? l.defaultFilterChain?.name;
}

const listenerOf = (r: MeshResources, name: string) => {
  const l = r.listeners.find((x) => x.name === name);
  if (!l) throw new Error(`no listener ${name}`);
  return l;
};
const inspectors = (l: Listener) => (l.listenerFilters ?? []).map((f) => f.name!.replace('envoy.filters.listener.', ''));
const identity = { certificateChain: 'CERT', privateKey: 'KEY', rootCertificate: 'ROOT' };

describe('sidecar', () => {
  it('chooses inbound chains by port, transport and ALPN as each mTLS mode says', () => {
    const strict = listenerOf(sidecar({ mtls: 'STRICT', inbound: [{ port: 8080, protocol: 'http' }] }), 'virtualInbound');
    expect(selectChain(strict, { port: 8080, transport: 'tls', alpn: ['istio-http/1.1'] })).toBe('0.0.0.0_8080-tls');
    expect(selectChain(strict, { port: 8080, transport: 'raw_buffer' })).toBeUndefined();
    expect(selectChain(strict, { port: 9999, transport: 'tls' })).toBe('virtualInbound-passthrough-tls');
    expect(selectChain(strict, { port: 9999, transport: 'raw_buffer' })).toBeUndefined();
    expect(selectChain(strict, { port: 15006, transport: 'raw_buffer' })).toBe('virtualInbound-blackhole');

    const permissive = listenerOf(sidecar({ mtls: 'PERMISSIVE', inbound: [{ port: 8080, protocol: 'tcp' }] }), 'virtualInbound');
    expect(selectChain(permissive, { port: 8080, transport: 'tls' })).toBe('0.0.0.0_8080-tls');
    expect(selectChain(permissive, { port: 8080, transport: 'raw_buffer' })).toBe('0.0.0.0_8080-plaintext');
    expect(selectChain(permissive, { port: 9999, transport: 'raw_buffer' })).toBe('virtualInbound-passthrough-plaintext');

    const disabled = listenerOf(sidecar({ mtls: 'DISABLE', inbound: [{ port: 8080, protocol: 'grpc' }] }), 'virtualInbound');
    expect(selectChain(disabled, { port: 8080, transport: 'tls' })).toBe('0.0.0.0_8080-plaintext');
    expect(selectChain(disabled, { port: 9999, transport: 'raw_buffer' })).toBe('virtualInbound-passthrough-plaintext');
  });

  it('tells HTTP from TCP on auto ports by Istio ALPNs over mTLS and by the HTTP inspector in plaintext', () => {
    const l = listenerOf(sidecar({ mtls: 'PERMISSIVE', identity, inbound: [{ port: 8080, protocol: 'auto' }] }), 'virtualInbound');
    expect(selectChain(l, { port: 8080, transport: 'tls', alpn: ['istio-h2'] })).toBe('0.0.0.0_8080-tls-http');
    expect(selectChain(l, { port: 8080, transport: 'tls', alpn: ['istio-peer-exchange', 'istio'] })).toBe('0.0.0.0_8080-tls-tcp');
    expect(selectChain(l, { port: 8080, transport: 'raw_buffer', alpn: ['h2c'] })).toBe('0.0.0.0_8080-plaintext-http');
    expect(selectChain(l, { port: 8080, transport: 'raw_buffer' })).toBe('0.0.0.0_8080-plaintext-tcp');
  });

  it('adds listener inspectors only where a chain needs them, and sniffs HTTP only on auto ports', () => {
    const vin = (o: SidecarOptions) => listenerOf(sidecar(o), 'virtualInbound');
    expect(inspectors(vin({ mtls: 'DISABLE', inbound: [{ port: 80, protocol: 'http' }] }))).toEqual(['original_dst']);
    expect(inspectors(vin({ mtls: 'DISABLE', inbound: [{ port: 80, protocol: 'auto' }] }))).toEqual(['original_dst', 'http_inspector']);
    expect(inspectors(vin({ mtls: 'STRICT', inbound: [{ port: 80, protocol: 'auto' }] }))).toEqual(['original_dst', 'tls_inspector']);
    const both = vin({ mtls: 'PERMISSIVE', inbound: [{ port: 80, protocol: 'auto' }, { port: 3306, protocol: 'tcp' }, { port: 81, protocol: 'auto' }] });
    expect(inspectors(both)).toEqual(['original_dst', 'tls_inspector', 'http_inspector']);
    expect(both.listenerFilters![2]!.filterDisabled).toEqual({
      rule: {
        $case: 'notMatch',
        notMatch: {
          rule: {
            $case: 'orMatch',
            orMatch: {
              rules: [
                { rule: { $case: 'destinationPortRange', destinationPortRange: { start: 80, end: 81 } } },
                { rule: { $case: 'destinationPortRange', destinationPortRange: { start: 81, end: 82 } } },
              ],
            },
          },
        },
      },
    });
    // A port-level STRICT override needs the TLS inspector even when the sidecar is DISABLE.
    expect(inspectors(vin({ mtls: 'DISABLE', inbound: [{ port: 80, protocol: 'http', tls: 'STRICT' }] }))).toEqual(['original_dst', 'tls_inspector']);
  });

  it('never leaves Envoy a reason to inject a TLS inspector by itself, in any mode and protocol', () => {
    // Envoy injects tls_inspector into a listener whose chains match on tls, or on ALPN or SNI
    // without a transport protocol, when the listener lacks it.
    for (const mtls of ['STRICT', 'PERMISSIVE', 'DISABLE'] as const) {
      for (const protocol of ['http', 'grpc', 'tcp', 'auto'] as const) {
        const r = sidecar({ mtls, inbound: [{ port: 80, protocol }], outbound: [{ host: 'a.b.svc.cluster.local', port: 81, protocol, vip: '10.0.0.1' }] });
        for (const l of r.listeners) {
          const needs = (l.filterChains ?? []).some((fc) => {
            const m = fc.filterChainMatch ?? {};
            return m.transportProtocol === 'tls' || (!m.transportProtocol && (m.applicationProtocols?.length || m.serverNames?.length));
          });
          if (needs) expect(inspectors(l), `${mtls} ${protocol} ${l.name}`).toContain('tls_inspector');
        }
      }
    }
  });

  it('blackholes the capture port and sends the rest to PassthroughCluster or BlackHoleCluster by policy', () => {
    const allow = listenerOf(sidecar({}), 'virtualOutbound');
    expect(selectChain(allow, { port: 15001, transport: 'raw_buffer' })).toBe('virtualOutbound-blackhole');
    expect(selectChain(allow, { port: 443, transport: 'tls' })).toBe('PassthroughFilterChain');
    const tcpCluster = (l: Listener) => {
      const ct = l.defaultFilterChain!.filters![0]!.configType;
      if (ct?.$case !== 'typedConfig') throw new Error('expected a typed config');
      return unpack(ct.typedConfig, 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');
    };
    expect(tcpCluster(allow).clusterSpecifier).toEqual({ $case: 'cluster', cluster: 'PassthroughCluster' });
    const blocked = sidecar({ outboundTrafficPolicy: 'REGISTRY_ONLY', outbound: [{ host: 'a.b.svc.cluster.local', port: 80, protocol: 'http' }] });
    expect(tcpCluster(listenerOf(blocked, 'virtualOutbound')).clusterSpecifier).toEqual({ $case: 'cluster', cluster: 'BlackHoleCluster' });
    expect(tcpCluster(listenerOf(blocked, '0.0.0.0_80')).clusterSpecifier).toEqual({ $case: 'cluster', cluster: 'BlackHoleCluster' });
    const vhosts = blocked.routes[0]!.virtualHosts!;
    expect(vhosts.at(-1)).toMatchObject({ name: 'block_all', domains: ['*'] });
    expect(vhosts.at(-1)!.routes![0]!.action).toEqual({ $case: 'directResponse', directResponse: { status: 502 } });
  });

  it('puts the listener ports and the iptables ports in agreement, from one options object', () => {
    const options: SidecarOptions = {
      ports: { outboundCapture: 16001, inboundCapture: 16006, hbone: 16008, stats: 16090, health: 16021, agentMetrics: 16020, admin: 16000 },
      capture: { inboundPassthroughSource: '127.0.0.9', proxyUid: 2000, proxyGid: 2001 },
      inbound: [{ port: 8080, protocol: 'http' }],
    };
    const script = sidecarIptables(options);
    const resources = sidecar(options);
    const boot = sidecarBootstrap({ ...options, node: 'n', xds: 'xds:15010' });
    const redirectTo = (chain: string) => Number(/--to-ports (\d+)/.exec(script.split('\n').find((l) => l.startsWith(`-A ${chain} `))!)![1]);
    const portOf = (l: Listener) => (l.address!.address as { socketAddress: { portSpecifier: { portValue: number } } }).socketAddress.portSpecifier.portValue;

    expect(portOf(listenerOf(resources, 'virtualOutbound'))).toBe(redirectTo('ISTIO_REDIRECT'));
    expect(portOf(listenerOf(resources, 'virtualInbound'))).toBe(redirectTo('ISTIO_IN_REDIRECT'));
    // The loop guards blackhole exactly the capture ports.
    expect(listenerOf(resources, 'virtualOutbound').filterChains![0]!.filterChainMatch!.destinationPort).toBe(16001);
    expect(listenerOf(resources, 'virtualInbound').filterChains![0]!.filterChainMatch!.destinationPort).toBe(16006);
    // What the bootstrap listens on (stats, health) is never captured, and neither is HBONE or the agent.
    const returned = [...script.matchAll(/^-A ISTIO_INBOUND -p tcp --dport (\d+) -j RETURN$/gm)].map((m) => Number(m[1]));
    const bootPorts = boot.staticResources!.listeners!.map(portOf);
    expect(bootPorts).toEqual([16090, 16021]);
    for (const p of [...bootPorts, 16008, 16020]) expect(returned).toContain(p);
    expect(boot.admin!.address).toEqual({ address: { $case: 'socketAddress', socketAddress: { address: '127.0.0.1', portSpecifier: { $case: 'portValue', portValue: 16000 } } } });
    // Inbound clusters bind the source that the ISTIO_OUTPUT rule returns.
    const source = /^-A ISTIO_OUTPUT -o lo -s ([\d.]+)\/32 -j RETURN$/m.exec(script)![1];
    for (const name of ['InboundPassthroughCluster', 'inbound|8080||']) {
      const c = resources.clusters.find((x) => x.name === name)!;
      expect((c.upstreamBindConfig!.sourceAddress as { address: string }).address).toBe(source);
    }
    expect(script).toContain('--uid-owner 2000');
    expect(script).toContain('--gid-owner 2001');
    expect(resolveMeshOptions(options).ports.inboundCapture).toBe(16006);
  });

  it('rejects an inbound port that is one of the proxy ports the options define', () => {
    try {
      sidecar({ ports: { health: 8080 }, inbound: [{ port: 8080, protocol: 'http' }] });
      expect.unreachable();
    } catch (e) {
      expect(isXdsValidationError(e)).toBe(true);
      expect((e as Error).message).toContain("port 8080 is the proxy's ports.health");
    }
  });

  it('gives each service a virtual host with its FQDN, short names and VIP, with and without port', () => {
    const r = sidecar({
      namespace: 'shop',
      outbound: [
        { host: 'cart.shop.svc.cluster.local', port: 80, protocol: 'http', vip: '10.96.0.9' },
        { host: 'pay.bank.svc.cluster.local', port: 80, protocol: 'grpc' },
        { host: 'api.example.com', port: 80, protocol: 'http' },
      ],
    });
    const vh = Object.fromEntries(r.routes[0]!.virtualHosts!.map((v) => [v.name, v.domains]));
    expect(vh['cart.shop.svc.cluster.local:80']).toEqual([
      'cart.shop.svc.cluster.local', 'cart.shop.svc.cluster.local:80', 'cart.shop.svc', 'cart.shop.svc:80',
      'cart.shop', 'cart.shop:80', 'cart', 'cart:80', '10.96.0.9', '10.96.0.9:80',
    ]);
    expect(vh['pay.bank.svc.cluster.local:80']).toEqual(['pay.bank.svc.cluster.local', 'pay.bank.svc.cluster.local:80', 'pay.bank.svc', 'pay.bank.svc:80', 'pay.bank', 'pay.bank:80']);
    expect(vh['api.example.com:80']).toEqual(['api.example.com', 'api.example.com:80']);
    expect(vh['allow_any']).toEqual(['*']);
  });

  it('keeps pods in EDS: an endpoint change is a change of endpoints only', () => {
    const base: SidecarOptions = { mtls: 'STRICT', identity, outbound: [{ host: 'a.b.svc.cluster.local', port: 80, protocol: 'http', endpoints: [{ address: '10.0.0.1' }] }] };
    const a = sidecar(base);
    const b = sidecar({ ...base, outbound: [{ ...base.outbound![0]!, endpoints: [{ address: '10.0.0.1' }, { address: '10.0.0.2' }] }] });
    expect(sameResources(a, b)).toEqual({ listeners: true, routes: true, clusters: true, endpoints: false, secrets: true });
    expect(validateSnapshot(b as never).errors).toEqual([]);
  });
});

function sameResources(a: MeshResources, b: MeshResources): Record<keyof MeshResources, boolean> {
  const types = {
    listeners: 'envoy.config.listener.v3.Listener',
    routes: 'envoy.config.route.v3.RouteConfiguration',
    clusters: 'envoy.config.cluster.v3.Cluster',
    endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
    secrets: 'envoy.extensions.transport_sockets.tls.v3.Secret',
  } as const;
  const out = {} as Record<keyof MeshResources, boolean>;
  for (const k of Object.keys(types) as (keyof MeshResources)[]) {
    const x = a[k] as unknown[];
    const y = b[k] as unknown[];
    out[k] = x.length === y.length && x.every((m, i) => equals(types[k], m as never, y[i] as never));
  }
  return out;
}

describe('waypoint', () => {
  const services = [
    { host: 'reviews.bookinfo.svc.cluster.local', vip: '10.96.0.20', ports: [9080, { port: 9090, protocol: 'tcp' as const }], endpoints: [{ address: '10.4.0.7' }] },
  ];

  it('maps every VIP and port of the filter chain matcher to a chain of main_internal', () => {
    const r = waypoint({ services, identity });
    const main = listenerOf(r, 'main_internal');
    const names = new Set(main.filterChains!.map((c) => c.name));
    const mapOf = (m: any): Record<string, any> => m.matcherType.matcherTree.treeType.exactMatchMap.map;
    const vip = mapOf(main.filterChainMatcher)['10.96.0.20'];
    const ports = mapOf(vip.onMatch.matcher);
    expect(Object.keys(ports)).toEqual(['9080', '9090']);
    for (const p of Object.values(ports)) expect(names.has(p.onMatch.action.name)).toBe(true);
    expect([...names]).toEqual(['inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local', 'inbound-vip|9090|tcp|reviews.bookinfo.svc.cluster.local']);
    expect(main.filterChains!.every((c) => c.filterChainMatch === undefined)).toBe(true);
    expect(validateSnapshot(r as never).errors).toEqual([]);
  });

  it('terminates HBONE on the hbone port and re-tunnels to it', () => {
    const r = waypoint({ services, identity, ports: { hbone: 16008 } });
    const addr = listenerOf(r, 'connect_terminate').address!.address as { socketAddress: { portSpecifier: { portValue: number } } };
    expect(addr.socketAddress.portSpecifier.portValue).toBe(16008);
    const originate = r.clusters.find((c) => c.name === 'connect_originate')!;
    expect(originate.lbConfig).toEqual({ $case: 'originalDstLbConfig', originalDstLbConfig: { upstreamPortOverride: 16008 } });
  });

  it('keeps pods in EDS: adding a pod changes endpoints only', () => {
    const a = waypoint({ services, identity });
    const b = waypoint({ services: [{ ...services[0]!, endpoints: [{ address: '10.4.0.7' }, { address: '10.4.0.9' }] }], identity });
    expect(sameResources(a, b)).toEqual({ listeners: true, routes: true, clusters: true, endpoints: false, secrets: true });
    const cla = b.endpoints[0]!;
    expect(cla.endpoints![0]!.lbEndpoints!.map((e) => e.metadata?.filterMetadata?.['envoy.filters.listener.original_dst'])).toEqual([
      { local: '10.4.0.7:9080' },
      { local: '10.4.0.9:9080' },
    ]);
  });

  it('rejects a VIP and port served twice and a bad pod IP', () => {
    expect(() =>
      waypoint({
        services: [
          { host: 'a.x.svc.cluster.local', vip: '10.0.0.1', ports: [80] },
          { host: 'b.x.svc.cluster.local', vip: '10.0.0.1', ports: [80], endpoints: [{ address: 'pod-1' }] },
        ],
      }),
    ).toThrow(/10\.0\.0\.1:80 is already served by a\.x\.svc\.cluster\.local:80[\s\S]*expected a pod IP, got "pod-1"/);
  });
});
