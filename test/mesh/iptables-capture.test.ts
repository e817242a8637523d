import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isXdsValidationError, unpack } from 'xdskit';
import { sidecar, sidecarCapture, sidecarIptables, type SidecarOptions } from 'xdskit/mesh';
import type { envoy } from 'xdskit';

type Listener = envoy.config.listener.v3.Listener;

/** The `-A` rules of a chain in one table of a script, without the `-A CHAIN ` prefix. */
function rules(script: string, table: 'nat' | 'mangle', chain: string): string[] {
  const start = script.indexOf(`*${table}\n`);
  if (start < 0) return [];
  const body = script.slice(start, script.indexOf('COMMIT', start));
  return body
    .split('\n')
    .filter((l) => l.startsWith(`-A ${chain} `))
    .map((l) => l.slice(`-A ${chain} `.length));
}

/** The tables of a script, in order. */
const tables = (script: string) => [...script.matchAll(/^\*(\w+)$/gm)].map((m) => m[1]);

/** Every address or CIDR a script names (after -s/-d). */
function addresses(script: string): string[] {
  return [...script.matchAll(/ -[sd] (\S+)/g)].map((m) => m[1]!);
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (!isXdsValidationError(e)) throw e;
    return e.problems.map((p) => `${p.path} ${p.rule}`);
  }
  throw new Error('expected an XdsValidationError');
}

const socket = (a: envoy.config.core.v3.Address | undefined) => {
  if (a?.address?.$case !== 'socketAddress') throw new Error('expected a socket address');
  const s = a.address.socketAddress;
  return { address: s.address, port: s.portSpecifier?.$case === 'portValue' ? s.portSpecifier.portValue : undefined };
};
const listenerOf = (listeners: Listener[], name: string) => listeners.find((l) => l.name === name)!;

describe('sidecarIptables for IPv6', () => {
  const dual = { capture: { ipFamilies: ['IPv4', 'IPv6'] as const } };

  it('writes the ip6tables nat script with ::1 for loopback and ::6 as the inbound passthrough source', () => {
    const s = sidecarIptables(dual, { family: 'IPv6' });
    expect(tables(s)).toEqual(['nat']);
    expect(rules(s, 'nat', 'ISTIO_REDIRECT')).toEqual(['-p tcp -j REDIRECT --to-ports 15001']);
    expect(rules(s, 'nat', 'ISTIO_IN_REDIRECT')).toEqual(['-p tcp -j REDIRECT --to-ports 15006']);
    expect(rules(s, 'nat', 'ISTIO_INBOUND')).toEqual([
      '-p tcp --dport 15008 -j RETURN',
      '-p tcp --dport 15090 -j RETURN',
      '-p tcp --dport 15021 -j RETURN',
      '-p tcp --dport 15020 -j RETURN',
      '-p tcp -j ISTIO_IN_REDIRECT',
    ]);
    expect(rules(s, 'nat', 'ISTIO_OUTPUT')).toEqual([
      '-o lo -s ::6/128 -j RETURN',
      '-o lo ! -d ::1/128 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT',
      '-o lo -m owner ! --uid-owner 1337 -j RETURN',
      '-m owner --uid-owner 1337 -j RETURN',
      '-o lo ! -d ::1/128 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT',
      '-o lo -m owner ! --gid-owner 1337 -j RETURN',
      '-m owner --gid-owner 1337 -j RETURN',
      '-d ::1/128 -j RETURN',
      '-j ISTIO_REDIRECT',
    ]);
  });

  it('writes the primary family’s script by default, and the IPv4 one byte-identical to an IPv4-only pod’s', () => {
    expect(sidecarIptables(dual)).toBe(sidecarIptables());
    expect(sidecarIptables(dual, { family: 'IPv4' })).toBe(sidecarIptables());
    expect(sidecarIptables({ capture: { ipFamilies: ['IPv6', 'IPv4'] } })).toBe(sidecarIptables(dual, { family: 'IPv6' }));
    expect(sidecarCapture()).toEqual({ ipv4: sidecarIptables(), commands: [] });
  });

  it('puts each CIDR and DNS server only in the script of its family', () => {
    const options = {
      capture: {
        ipFamilies: ['IPv4', 'IPv6'] as const,
        includeOutboundCidrs: ['10.0.0.0/8', 'fd00::/8'],
        excludeOutboundCidrs: ['10.96.0.1', 'fd00::1'],
        captureDns: true,
        dnsServers: ['10.96.0.10', 'fd00::a'],
      },
    };
    const { ipv4, ipv6 } = sidecarCapture(options);
    expect(addresses(ipv4!).length).toBeGreaterThan(5);
    for (const a of addresses(ipv4!)) expect(isIP(a.split('/')[0]!), a).toBe(4);
    for (const a of addresses(ipv6!)) expect(isIP(a.split('/')[0]!), a).toBe(6);
    expect(rules(ipv4!, 'nat', 'ISTIO_OUTPUT').slice(-3)).toEqual(['-d 127.0.0.1/32 -j RETURN', '-d 10.96.0.1/32 -j RETURN', '-d 10.0.0.0/8 -j ISTIO_REDIRECT']);
    expect(rules(ipv6!, 'nat', 'ISTIO_OUTPUT').slice(-3)).toEqual(['-d ::1/128 -j RETURN', '-d fd00::1/128 -j RETURN', '-d fd00::/8 -j ISTIO_REDIRECT']);
    expect(rules(ipv6!, 'nat', 'OUTPUT')).toContain('-p udp --dport 53 -d fd00::a/128 -j REDIRECT --to-ports 15053');
    expect(rules(ipv6!, 'nat', 'ISTIO_OUTPUT')).toContain('-p tcp --dport 53 -d fd00::a/128 -j REDIRECT --to-ports 15053');
  });

  it('captures no DNS and no outbound traffic in a family the lists leave out', () => {
    const { ipv4, ipv6 } = sidecarCapture({ capture: { ipFamilies: ['IPv4', 'IPv6'], includeOutboundCidrs: ['10.0.0.0/8'], captureDns: true, dnsServers: ['10.96.0.10'] } });
    expect(rules(ipv4!, 'nat', 'OUTPUT')).toContain('-p udp --dport 53 -d 10.96.0.10/32 -j REDIRECT --to-ports 15053');
    // No IPv6 server given: IPv6 DNS is left alone (not redirected everywhere), as is IPv6 outbound.
    expect(ipv6).not.toContain('--dport 53');
    expect(rules(ipv6!, 'nat', 'OUTPUT')).toEqual(['-p tcp -j ISTIO_OUTPUT']);
    expect(rules(ipv6!, 'nat', 'ISTIO_OUTPUT').at(-1)).toBe('-d ::1/128 -j RETURN');
    expect(ipv6).not.toContain('-j ISTIO_REDIRECT\n');
  });

  it('gives an IPv6-only pod only the ip6tables script and the command that puts ::6 on lo', () => {
    const c = sidecarCapture({ capture: { ipFamilies: ['IPv6'], inboundPassthroughSourceIpv6: 'fd00::6' } });
    expect(c.ipv4).toBeUndefined();
    expect(c.commands).toEqual(['ip -6 addr add fd00::6/128 dev lo']);
    expect(rules(c.ipv6!, 'nat', 'ISTIO_OUTPUT')[0]).toBe('-o lo -s fd00::6/128 -j RETURN');
  });

  it('rejects a family the options do not capture, and CIDRs of a family not in ipFamilies', () => {
    expect(problemsOf(() => sidecarIptables({}, { family: 'IPv6' }))).toEqual(['family ip_family']);
    expect(problemsOf(() => sidecarIptables({}, { family: 'IPv5' as never }))).toEqual(['family enum']);
    expect(
      problemsOf(() =>
        sidecarCapture({ capture: { ipFamilies: ['IPv6'], excludeOutboundCidrs: ['10.0.0.0/8', 'fd00::/8'], includeOutboundCidrs: ['fd00::/129'], dnsServers: ['10.96.0.10'] } }),
      ),
    ).toEqual(['capture.includeOutboundCidrs[0] cidr', 'capture.excludeOutboundCidrs[0] ipv6', 'capture.dnsServers[0] ipv6']);
    expect(
      problemsOf(() => sidecarCapture({ capture: { ipFamilies: [] as never, inboundPassthroughSource: '::6', inboundPassthroughSourceIpv6: '::6/128' } })),
    ).toEqual(['capture.ipFamilies list', 'capture.inboundPassthroughSource ipv4', 'capture.inboundPassthroughSourceIpv6 cidr']);
  });
});

describe('sidecarIptables in TPROXY mode', () => {
  const tproxy = { capture: { inboundInterceptionMode: 'TPROXY' as const } };

  it('writes the mangle table with ISTIO_DIVERT, ISTIO_TPROXY and ISTIO_INBOUND, in Istio’s order', () => {
    const s = sidecarIptables(tproxy);
    expect(tables(s)).toEqual(['mangle', 'nat']);
    expect(s.startsWith('*mangle\n:ISTIO_DIVERT - [0:0]\n:ISTIO_TPROXY - [0:0]\n:ISTIO_INBOUND - [0:0]\n')).toBe(true);
    expect(rules(s, 'mangle', 'ISTIO_DIVERT')).toEqual(['-j MARK --set-mark 1337', '-j ACCEPT']);
    expect(rules(s, 'mangle', 'ISTIO_TPROXY')).toEqual(['! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006']);
    expect(rules(s, 'mangle', 'PREROUTING')).toEqual(['-p tcp -j ISTIO_INBOUND', '-p tcp -m mark --mark 1337 -j CONNMARK --save-mark']);
    expect(rules(s, 'mangle', 'ISTIO_INBOUND')).toEqual([
      '-p tcp -m mark --mark 1337 -j RETURN',
      '-p tcp -s 127.0.0.6/32 -i lo -j RETURN',
      '-p tcp -i lo -m mark ! --mark 1338 -j RETURN',
      '-p tcp --dport 15008 -j RETURN',
      '-p tcp --dport 15090 -j RETURN',
      '-p tcp --dport 15021 -j RETURN',
      '-p tcp --dport 15020 -j RETURN',
      '-p tcp -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT',
      '-p tcp -j ISTIO_TPROXY',
    ]);
    expect(rules(s, 'mangle', 'OUTPUT')).toEqual([
      '-p tcp -o lo -m mark --mark 1337 -j RETURN',
      '! -d 127.0.0.1/32 -p tcp -o lo -m owner --uid-owner 1337 -j MARK --set-mark 1338',
      '! -d 127.0.0.1/32 -p tcp -o lo -m owner --gid-owner 1337 -j MARK --set-mark 1338',
      '-p tcp -m connmark --mark 1337 -j CONNMARK --restore-mark',
    ]);
  });

  it('keeps outbound capture in the nat table and takes inbound out of it', () => {
    const s = sidecarIptables(tproxy);
    const nat = s.slice(s.indexOf('*nat\n'));
    expect(nat).not.toContain('ISTIO_INBOUND');
    expect(rules(s, 'nat', 'PREROUTING')).toEqual([]);
    // Outbound is what REDIRECT mode writes, the proxy calling its own pod included.
    expect(nat).toBe(sidecarIptables().replace(/^:ISTIO_INBOUND .*\n|^-A (PREROUTING|ISTIO_INBOUND) .*\n/gm, ''));
    expect(rules(s, 'nat', 'ISTIO_OUTPUT')).toContain('-o lo ! -d 127.0.0.1/32 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT');
  });

  it('diverts and TPROXYs only the listed inbound ports, and writes no mangle table without inbound capture', () => {
    const s = sidecarIptables({ capture: { inboundInterceptionMode: 'TPROXY', includeInboundPorts: [8080, 9090], excludeInboundPorts: [22] } });
    expect(rules(s, 'mangle', 'ISTIO_INBOUND').slice(3)).toEqual([
      '-p tcp --dport 8080 -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT',
      '-p tcp --dport 8080 -j ISTIO_TPROXY',
      '-p tcp --dport 9090 -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT',
      '-p tcp --dport 9090 -j ISTIO_TPROXY',
    ]);
    const none = sidecarCapture({ capture: { inboundInterceptionMode: 'TPROXY', includeInboundPorts: [] } });
    expect(tables(none.ipv4!)).toEqual(['nat']);
    expect(none.commands).toEqual([]);
  });

  it('uses the mark, routing table, ports and ids of the options, with ::1 and ::6 in the ip6tables script', () => {
    const c = sidecarCapture({
      ports: { inboundCapture: 16006 },
      capture: { ipFamilies: ['IPv4', 'IPv6'], inboundInterceptionMode: 'TPROXY', inboundTproxyMark: 7, inboundTproxyRouteTable: 70, proxyUid: 101, proxyGid: 102 },
    });
    expect(c.commands).toEqual([
      'ip -6 addr add ::6/128 dev lo',
      'ip -f inet rule add fwmark 7 lookup 70',
      'ip -f inet route add local default dev lo table 70',
      'ip -f inet6 rule add fwmark 7 lookup 70',
      'ip -f inet6 route add local default dev lo table 70',
    ]);
    expect(rules(c.ipv6!, 'mangle', 'ISTIO_TPROXY')).toEqual(['! -d ::1/128 -p tcp -j TPROXY --tproxy-mark 7/0xffffffff --on-port 16006']);
    expect(rules(c.ipv6!, 'mangle', 'ISTIO_INBOUND').slice(0, 3)).toEqual(['-p tcp -m mark --mark 7 -j RETURN', '-p tcp -s ::6/128 -i lo -j RETURN', '-p tcp -i lo -m mark ! --mark 1338 -j RETURN']);
    expect(rules(c.ipv6!, 'mangle', 'OUTPUT')).toEqual([
      '-p tcp -o lo -m mark --mark 7 -j RETURN',
      '! -d ::1/128 -p tcp -o lo -m owner --uid-owner 101 -j MARK --set-mark 1338',
      '! -d ::1/128 -p tcp -o lo -m owner --gid-owner 102 -j MARK --set-mark 1338',
      '-p tcp -m connmark --mark 7 -j CONNMARK --restore-mark',
    ]);
    expect(rules(c.ipv4!, 'mangle', 'ISTIO_DIVERT')).toEqual(['-j MARK --set-mark 7', '-j ACCEPT']);
  });

  it('rejects an unknown mode, a mark clashing with the loopback mark and kernel routing tables', () => {
    expect(problemsOf(() => sidecarCapture({ capture: { inboundInterceptionMode: 'tproxy' as never, inboundTproxyMark: 0, inboundTproxyRouteTable: 255 } }))).toEqual([
      'capture.inboundInterceptionMode enum',
      'capture.inboundTproxyMark mark',
      'capture.inboundTproxyRouteTable route_table',
    ]);
    expect(problemsOf(() => sidecarCapture({ capture: { inboundTproxyMark: 1338, inboundTproxyRouteTable: 2 ** 32 } }))).toEqual([
      'capture.inboundTproxyMark mark',
      'capture.inboundTproxyRouteTable route_table',
    ]);
  });
});

describe('capture and listeners from one options object', () => {
  const identity = { certificateChain: 'c', privateKey: 'k', rootCertificate: 'r' };

  it('puts the TPROXY port, mark and families of the scripts in agreement with the listeners and clusters', () => {
    const options: SidecarOptions = {
      identity,
      ports: { inboundCapture: 16006, outboundCapture: 16001 },
      capture: { ipFamilies: ['IPv4', 'IPv6'], inboundInterceptionMode: 'TPROXY', inboundTproxyMark: 4242, inboundPassthroughSourceIpv6: 'fd00::6' },
      inbound: [{ port: 8080, protocol: 'http' }],
      outbound: [{ host: 'a.b.svc.cluster.local', port: 80, protocol: 'http' }],
    };
    const c = sidecarCapture(options);
    const r = sidecar(options);
    const vin = listenerOf(r.listeners, 'virtualInbound');
    const vout = listenerOf(r.listeners, 'virtualOutbound');

    // Every family with a script has a capture listener address, on the port the script targets.
    const inAddrs = [socket(vin.address), ...(vin.additionalAddresses ?? []).map((a) => socket(a.address))];
    expect(inAddrs).toEqual([{ address: '0.0.0.0', port: 16006 }, { address: '::', port: 16006 }]);
    for (const script of [c.ipv4!, c.ipv6!]) {
      expect(Number(/--on-port (\d+)/.exec(script)![1])).toBe(inAddrs[0]!.port);
      expect(Number(/^-A ISTIO_REDIRECT .*--to-ports (\d+)$/m.exec(script)![1])).toBe(socket(vout.address).port);
    }
    expect((vout.additionalAddresses ?? []).map((a) => socket(a.address))).toEqual([{ address: '::', port: 16001 }]);
    expect(listenerOf(r.listeners, '0.0.0.0_80').additionalAddresses!.map((a) => socket(a.address))).toEqual([{ address: '::', port: 80 }]);

    // TPROXY: transparent capture listeners, original_src marking with the mark the rules and routes use.
    expect(vin.transparent).toBe(true);
    expect(vout.transparent).toBe(true);
    const filters = vin.listenerFilters!.map((f) => f.name);
    expect(filters.slice(0, 2)).toEqual(['envoy.filters.listener.original_dst', 'envoy.filters.listener.original_src']);
    const src = vin.listenerFilters![1]!.configType;
    if (src?.$case !== 'typedConfig') throw new Error('expected a typed config');
    const mark = unpack(src.typedConfig, 'envoy.extensions.filters.listener.original_src.v3.OriginalSrc').mark;
    expect(mark).toBe(4242);
    expect(c.ipv4).toContain(`--tproxy-mark ${mark}/0xffffffff`);
    expect(c.commands).toContain(`ip -f inet6 rule add fwmark ${mark} lookup 133`);

    // Inbound clusters bind the sources the scripts return, one per family.
    const v4Source = /^-A ISTIO_OUTPUT -o lo -s ([\d.]+)\/32 -j RETURN$/m.exec(c.ipv4!)![1];
    const v6Source = /^-A ISTIO_OUTPUT -o lo -s ([\da-f:]+)\/128 -j RETURN$/m.exec(c.ipv6!)![1];
    expect([v4Source, v6Source]).toEqual(['127.0.0.6', 'fd00::6']);
    expect(c.commands[0]).toBe(`ip -6 addr add ${v6Source}/128 dev lo`);
    for (const name of ['InboundPassthroughCluster', 'inbound|8080||']) {
      const bind = r.clusters.find((x) => x.name === name)!.upstreamBindConfig!;
      expect(bind.sourceAddress!.address).toBe(v4Source);
      expect(bind.extraSourceAddresses!.map((e) => e.address!.address)).toEqual([v6Source]);
    }
  });

  it('leaves the IPv4 REDIRECT listeners as they were: one address, not transparent, no original_src', () => {
    const r = sidecar({ identity, inbound: [{ port: 8080, protocol: 'http' }] });
    for (const name of ['virtualInbound', 'virtualOutbound']) {
      const l = listenerOf(r.listeners, name);
      expect(l.additionalAddresses ?? []).toEqual([]);
      expect(l.transparent).toBeUndefined();
      expect((l.listenerFilters ?? []).map((f) => f.name)).not.toContain('envoy.filters.listener.original_src');
    }
    const bind = r.clusters.find((x) => x.name === 'InboundPassthroughCluster')!.upstreamBindConfig!;
    expect(bind.extraSourceAddresses ?? []).toEqual([]);
  });

  it('puts an IPv6-first pod’s listeners on :: with 0.0.0.0 as the additional address, bound to ::6 first', () => {
    const r = sidecar({ identity, capture: { ipFamilies: ['IPv6', 'IPv4'] }, outbound: [{ host: 'a.b.svc.cluster.local', port: 80, protocol: 'http' }] });
    const vin = listenerOf(r.listeners, 'virtualInbound');
    expect(socket(vin.address)).toEqual({ address: '::', port: 15006 });
    expect(vin.additionalAddresses!.map((a) => socket(a.address))).toEqual([{ address: '0.0.0.0', port: 15006 }]);
    expect(socket(listenerOf(r.listeners, '::_80').address)).toEqual({ address: '::', port: 80 });
    const bind = r.clusters.find((x) => x.name === 'InboundPassthroughCluster')!.upstreamBindConfig!;
    expect(bind.sourceAddress!.address).toBe('::6');
    expect(bind.extraSourceAddresses!.map((e) => e.address!.address)).toEqual(['127.0.0.6']);
  });
});
