import { describe, expect, it } from 'vitest';
import { Address, ConfigSource, listener, toAddress, toCidr } from 'xdskit/builders';

const socket = (address: string, port: number) => ({ address: { $case: 'socketAddress', socketAddress: { address, portSpecifier: { $case: 'portValue', portValue: port } } } });

describe('addresses', () => {
  it('come from static factories', () => {
    expect(Address.socket('10.0.0.1', 8080)).toEqual(socket('10.0.0.1', 8080));
    expect(Address.socket('::', 443, { ipv4Compat: true, protocol: 'UDP' })).toEqual({
      address: { $case: 'socketAddress', socketAddress: { address: '::', protocol: 1, ipv4Compat: true, portSpecifier: { $case: 'portValue', portValue: 443 } } },
    });
    expect(Address.pipe('/run/envoy.sock', 0o660)).toEqual({ address: { $case: 'pipe', pipe: { path: '/run/envoy.sock', mode: 0o660 } } });
    expect(Address.internal('audit-sink')).toEqual({
      address: { $case: 'envoyInternalAddress', envoyInternalAddress: { addressNameSpecifier: { $case: 'serverListenerName', serverListenerName: 'audit-sink' } } },
    });
    expect(Address.internal('audit-sink', 'ep-1').address).toMatchObject({ envoyInternalAddress: { endpointId: 'ep-1' } });
  });

  it('parse "host:port", "[ipv6]:port" and unix paths', () => {
    expect(Address.parse('10.0.0.1:8080')).toEqual(socket('10.0.0.1', 8080));
    expect(Address.parse('api.internal:443')).toEqual(socket('api.internal', 443));
    expect(Address.parse('[::1]:80')).toEqual(socket('::1', 80));
    expect(Address.parse('[2001:db8::1]:8443')).toEqual(socket('2001:db8::1', 8443));
    expect(Address.parse('unix:///run/envoy.sock')).toEqual({ address: { $case: 'pipe', pipe: { path: '/run/envoy.sock' } } });
    expect(Address.parse('unix:@abstract')).toEqual({ address: { $case: 'pipe', pipe: { path: '@abstract' } } });
  });

  it('accept { address, port }, { pipe }, { internal } and Address messages', () => {
    expect(toAddress({ address: '10.0.0.1', port: 9 })).toEqual(socket('10.0.0.1', 9));
    expect(toAddress({ pipe: '/tmp/s' })).toEqual({ address: { $case: 'pipe', pipe: { path: '/tmp/s' } } });
    expect(toAddress({ internal: 'sink' })).toEqual(Address.internal('sink'));
    const m = socket('1.2.3.4', 5) as never;
    expect(toAddress(m)).toEqual(m);
    expect(toAddress(m)).not.toBe(m);
  });

  it('rejects a missing port, a port out of range and IPv6 without brackets', () => {
    expect(() => Address.parse('10.0.0.1')).toThrow('invalid address "10.0.0.1": expected "host:port", e.g. "10.0.0.1:8080" (rule: address)');
    expect(() => Address.parse('10.0.0.1:70000')).toThrow('invalid port 70000 in address "10.0.0.1:70000": expected an integer from 0 to 65535 (rule: address)');
    expect(() => Address.parse('10.0.0.1:http')).toThrow('invalid port "http" in address "10.0.0.1:http": expected an integer from 0 to 65535 (rule: address)');
    expect(() => Address.parse('::1:80')).toThrow('invalid address "::1:80": write an IPv6 address in brackets, e.g. "[::1]:80" (rule: address)');
    expect(() => Address.parse('[::1]80')).toThrow('invalid address "[::1]80": expected "[ipv6]:port", e.g. "[::1]:80" (rule: address)');
    expect(() => Address.parse(':80')).toThrow('invalid address ":80": the host is empty (rule: address)');
    expect(() => Address.socket('10.0.0.1', -1)).toThrow('invalid port -1 in address "10.0.0.1:-1": expected an integer from 0 to 65535');
  });

  it('rejects a bad address given to a listener, naming the listener and the field', () => {
    expect(() => listener('ingress').address('0.0.0.0')).toThrow(
      'listener "ingress": address: invalid address "0.0.0.0": expected "host:port", e.g. "10.0.0.1:8080" (rule: address)',
    );
  });

  it('parse CIDR ranges, a bare IP being a single address', () => {
    expect(toCidr('10.0.0.0/8')).toEqual({ addressPrefix: '10.0.0.0', prefixLen: 8 });
    expect(toCidr('2001:db8::/32')).toEqual({ addressPrefix: '2001:db8::', prefixLen: 32 });
    expect(toCidr('10.1.2.3')).toEqual({ addressPrefix: '10.1.2.3', prefixLen: 32 });
    expect(toCidr('::1')).toEqual({ addressPrefix: '::1', prefixLen: 128 });
    expect(Address.cidr('0.0.0.0/0')).toEqual({ addressPrefix: '0.0.0.0', prefixLen: 0 });
    expect(() => toCidr('10.0.0.0/33')).toThrow('invalid prefix length "33" in cidr range "10.0.0.0/33": expected 0 to 32 (rule: cidr)');
  });
});

describe('config sources', () => {
  it('ask for resource API version V3', () => {
    expect(ConfigSource.ads()).toEqual({ configSourceSpecifier: { $case: 'ads', ads: {} }, resourceApiVersion: 2 });
    expect(ConfigSource.self()).toEqual({ configSourceSpecifier: { $case: 'self', self: {} }, resourceApiVersion: 2 });
    expect(ConfigSource.path('/etc/envoy/lds.yaml')).toEqual({ configSourceSpecifier: { $case: 'pathConfigSource', pathConfigSource: { path: '/etc/envoy/lds.yaml' } }, resourceApiVersion: 2 });
  });

  it('reach a gRPC server through a cluster, SotW or delta', () => {
    expect(ConfigSource.grpc('xds')).toEqual({
      configSourceSpecifier: {
        $case: 'apiConfigSource',
        apiConfigSource: { apiType: 2, transportApiVersion: 2, grpcServices: [{ targetSpecifier: { $case: 'envoyGrpc', envoyGrpc: { clusterName: 'xds' } } }] },
      },
      resourceApiVersion: 2,
    });
    const delta = ConfigSource.grpc('xds', { delta: true, initialFetchTimeout: '5s' });
    expect(delta.configSourceSpecifier).toMatchObject({ apiConfigSource: { apiType: 3 } });
    expect(delta.initialFetchTimeout).toEqual({ seconds: '5', nanos: 0 });
  });
});
