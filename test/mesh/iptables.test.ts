import { describe, expect, it } from 'vitest';
import { isXdsValidationError } from 'xdskit';
import { DEFAULT_MESH_PORTS, resolveMeshOptions, sidecarIptables } from 'xdskit/mesh';

/** The `-A` rules of a chain, without the `-A CHAIN ` prefix. */
function rules(script: string, chain: string): string[] {
  return script
    .split('\n')
    .filter((l) => l.startsWith(`-A ${chain} `))
    .map((l) => l.slice(`-A ${chain} `.length));
}

describe('sidecarIptables', () => {
  it('writes the nat table with Istio chains, redirect targets and exclusions by default', () => {
    const s = sidecarIptables();
    const lines = s.trimEnd().split('\n');
    expect(lines[0]).toBe('*nat');
    expect(lines.at(-1)).toBe('COMMIT');
    for (const c of ['ISTIO_INBOUND', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT', 'ISTIO_REDIRECT']) expect(lines).toContain(`:${c} - [0:0]`);
    expect(rules(s, 'ISTIO_REDIRECT')).toEqual(['-p tcp -j REDIRECT --to-ports 15001']);
    expect(rules(s, 'ISTIO_IN_REDIRECT')).toEqual(['-p tcp -j REDIRECT --to-ports 15006']);
    expect(rules(s, 'PREROUTING')).toEqual(['-p tcp -j ISTIO_INBOUND']);
    expect(rules(s, 'ISTIO_INBOUND')).toEqual([
      '-p tcp --dport 15008 -j RETURN',
      '-p tcp --dport 15090 -j RETURN',
      '-p tcp --dport 15021 -j RETURN',
      '-p tcp --dport 15020 -j RETURN',
      '-p tcp -j ISTIO_IN_REDIRECT',
    ]);
    expect(rules(s, 'OUTPUT')).toEqual(['-p tcp -j ISTIO_OUTPUT']);
    expect(rules(s, 'ISTIO_OUTPUT')).toEqual([
      '-o lo -s 127.0.0.6/32 -j RETURN',
      '-o lo ! -d 127.0.0.1/32 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT',
      '-o lo -m owner ! --uid-owner 1337 -j RETURN',
      '-m owner --uid-owner 1337 -j RETURN',
      '-o lo ! -d 127.0.0.1/32 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT',
      '-o lo -m owner ! --gid-owner 1337 -j RETURN',
      '-m owner --gid-owner 1337 -j RETURN',
      '-d 127.0.0.1/32 -j RETURN',
      '-j ISTIO_REDIRECT',
    ]);
  });

  it('applies include and exclude lists for inbound ports, outbound CIDRs and outbound ports', () => {
    const s = sidecarIptables({
      capture: {
        excludeInboundPorts: [22],
        includeOutboundCidrs: ['10.0.0.0/8', '172.16.0.0/12'],
        excludeOutboundCidrs: ['10.96.0.1'],
        includeOutboundPorts: [9000],
        excludeOutboundPorts: [3306, 5432],
      },
    });
    expect(rules(s, 'ISTIO_INBOUND')).toContain('-p tcp --dport 22 -j RETURN');
    const out = rules(s, 'ISTIO_OUTPUT');
    expect(out.slice(0, 2)).toEqual(['-p tcp --dport 3306 -j RETURN', '-p tcp --dport 5432 -j RETURN']);
    expect(out.slice(-5)).toEqual([
      '-d 127.0.0.1/32 -j RETURN',
      '-p tcp --dport 9000 -j ISTIO_REDIRECT',
      '-d 10.96.0.1/32 -j RETURN',
      '-d 10.0.0.0/8 -j ISTIO_REDIRECT',
      '-d 172.16.0.0/12 -j ISTIO_REDIRECT',
    ]);
    expect(out).not.toContain('-j ISTIO_REDIRECT');
  });

  it('captures only the listed inbound ports when given a list, and none for an empty list', () => {
    const s = sidecarIptables({ capture: { includeInboundPorts: [8080, 9090] } });
    expect(rules(s, 'ISTIO_INBOUND')).toEqual(['-p tcp --dport 8080 -j ISTIO_IN_REDIRECT', '-p tcp --dport 9090 -j ISTIO_IN_REDIRECT']);
    const none = sidecarIptables({ capture: { includeInboundPorts: [] } });
    expect(rules(none, 'PREROUTING')).toEqual([]);
    expect(rules(none, 'ISTIO_INBOUND')).toEqual([]);
  });

  it('redirects DNS over UDP and TCP to the DNS proxy, except the proxy’s own queries', () => {
    const s = sidecarIptables({ capture: { captureDns: true } });
    expect(rules(s, 'OUTPUT')).toEqual([
      '-p tcp -j ISTIO_OUTPUT',
      '-p udp --dport 53 -m owner --uid-owner 1337 -j RETURN',
      '-p udp --dport 53 -m owner --gid-owner 1337 -j RETURN',
      '-p udp --dport 53 -j REDIRECT --to-ports 15053',
    ]);
    const out = rules(s, 'ISTIO_OUTPUT');
    expect(out).toContain('-o lo ! -d 127.0.0.1/32 -p tcp ! --dport 53 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT');
    const dns = out.indexOf('-p tcp --dport 53 -j REDIRECT --to-ports 15053');
    expect(dns).toBeGreaterThan(out.indexOf('-m owner --gid-owner 1337 -j RETURN'));
    expect(dns).toBeLessThan(out.indexOf('-d 127.0.0.1/32 -j RETURN'));
    const only = sidecarIptables({ capture: { captureDns: true, dnsServers: ['10.96.0.10'] } });
    expect(rules(only, 'OUTPUT')).toContain('-p udp --dport 53 -d 10.96.0.10/32 -j REDIRECT --to-ports 15053');
  });

  it('uses the ports, uid and gid of the options', () => {
    const s = sidecarIptables({ ports: { outboundCapture: 16001, inboundCapture: 16006, health: 16021 }, capture: { proxyUid: 101, proxyGid: 102 } });
    expect(rules(s, 'ISTIO_REDIRECT')).toEqual(['-p tcp -j REDIRECT --to-ports 16001']);
    expect(rules(s, 'ISTIO_IN_REDIRECT')).toEqual(['-p tcp -j REDIRECT --to-ports 16006']);
    expect(rules(s, 'ISTIO_INBOUND')).toContain('-p tcp --dport 16021 -j RETURN');
    expect(s).toContain('--uid-owner 101');
    expect(s).toContain('--gid-owner 102');
  });

  it('rejects bad ports, CIDRs, IPv6 ranges and clashing proxy ports, listing every problem', () => {
    try {
      sidecarIptables({
        ports: { outboundCapture: 15006, stats: 70000 },
        capture: { excludeOutboundCidrs: ['10.0.0.0/33', 'fd00::/8'], includeInboundPorts: [15021], proxyUid: -1 },
      });
      expect.unreachable();
    } catch (e) {
      expect(isXdsValidationError(e)).toBe(true);
      const problems = (e as { problems: { path: string; rule: string }[] }).problems;
      expect(problems.map((p) => `${p.path} ${p.rule}`)).toEqual([
        'ports.inboundCapture unique',
        'ports.stats port',
        'capture.proxyUid id',
        'capture.includeInboundPorts[0] proxy_port',
        'capture.excludeOutboundCidrs[0] cidr',
        'capture.excludeOutboundCidrs[1] ipv4',
      ]);
    }
  });

  it('resolves defaults to Istio’s port numbers', () => {
    expect(resolveMeshOptions().ports).toEqual(DEFAULT_MESH_PORTS);
    expect(DEFAULT_MESH_PORTS).toMatchObject({ admin: 15000, outboundCapture: 15001, inboundCapture: 15006, hbone: 15008, agentMetrics: 15020, health: 15021, dns: 15053, stats: 15090 });
  });
});
