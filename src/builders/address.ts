/**
 * Addresses: socket addresses (`"10.0.0.1:8080"`, `"[::1]:80"`, `{ address, port }`), pipes
 * (`"unix:///run/envoy.sock"`) and Envoy internal addresses, and CIDR ranges (`"10.0.0.0/8"`).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto
 */
import type { Address as AddressMessage, CidrRange, SocketAddress } from '../gen/envoy/config/core/v3/address.js';
import { SocketAddress_Protocol } from '../gen/envoy/config/core/v3/address.js';
import { deepCopy, fail } from './builder.js';

export type { AddressMessage, CidrRange };

/** Options of a socket address besides host and port. */
export interface SocketOptions {
  /**
   * Transport protocol.
   * @default "TCP"
   */
  protocol?: 'TCP' | 'UDP';
  /**
   * On a `::` listener, also accept IPv4 connections (as IPv4-mapped IPv6 addresses).
   * @default false
   */
  ipv4Compat?: boolean;
  /** Name of a custom resolver (for hostnames Envoy should not resolve with its DNS). */
  resolverName?: string;
}

/**
 * An address as builders accept it:
 * - `"10.0.0.1:8080"`, `"api.internal:443"`, `"[::1]:80"` (a socket address; IPv6 in brackets);
 * - `"unix:///run/envoy.sock"` or `"unix:@abstract"` (a pipe);
 * - `{ address, port }` (plus {@link SocketOptions}), `{ pipe, mode? }`,
 *   `{ internal: serverListenerName, endpointId? }`;
 * - an Address message.
 */
export type AddressInput =
  | string
  | ({ address: string; port: number } & SocketOptions)
  | { pipe: string; mode?: number }
  | { internal: string; endpointId?: string }
  | AddressMessage;

function bad(input: unknown, path: string, message: string): never {
  fail({ path, rule: 'address', message, value: input });
}

function checkPort(port: unknown, input: unknown, path: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    bad(input, path, `invalid port ${JSON.stringify(port)} in address ${JSON.stringify(input)}: expected an integer from 0 to 65535`);
  }
  return port;
}

function socket(address: string, port: number, options: SocketOptions = {}, input: unknown = address, path = ''): AddressMessage {
  if (!address) bad(input, path, `invalid address ${JSON.stringify(input)}: the host is empty`);
  const sa: SocketAddress = { address, portSpecifier: { $case: 'portValue', portValue: checkPort(port, input, path) } };
  if (options.protocol === 'UDP') sa.protocol = SocketAddress_Protocol.UDP;
  else if (options.protocol !== undefined && options.protocol !== 'TCP') bad(input, path, `invalid protocol ${JSON.stringify(options.protocol)}: expected "TCP" or "UDP"`);
  if (options.ipv4Compat) sa.ipv4Compat = true;
  if (options.resolverName) sa.resolverName = options.resolverName;
  return { address: { $case: 'socketAddress', socketAddress: sa } };
}

function parseString(s: string, path: string): AddressMessage {
  if (s.startsWith('unix:')) {
    const p = s.startsWith('unix://') ? s.slice('unix://'.length) : s.slice('unix:'.length);
    if (!p) bad(s, path, `invalid address ${JSON.stringify(s)}: the pipe path is empty`);
    return { address: { $case: 'pipe', pipe: { path: p } } };
  }
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') bad(s, path, `invalid address ${JSON.stringify(s)}: expected "[ipv6]:port", e.g. "[::1]:80"`);
    host = s.slice(1, end);
    portText = s.slice(end + 2);
  } else {
    const i = s.lastIndexOf(':');
    if (i < 0) bad(s, path, `invalid address ${JSON.stringify(s)}: expected "host:port", e.g. "10.0.0.1:8080"`);
    host = s.slice(0, i);
    portText = s.slice(i + 1);
    if (host.includes(':')) bad(s, path, `invalid address ${JSON.stringify(s)}: write an IPv6 address in brackets, e.g. "[::1]:80"`);
  }
  if (!/^\d+$/.test(portText)) bad(s, path, `invalid port ${JSON.stringify(portText)} in address ${JSON.stringify(s)}: expected an integer from 0 to 65535`);
  return socket(host, Number(portText), {}, s, path);
}

/**
 * Turns any {@link AddressInput} into an Address message (a fresh object).
 *
 * @param path where the value goes, for the error (`address`)
 * @throws XdsValidationError for a malformed address (missing port, port out of range, IPv6
 *   without brackets, empty host or pipe path)
 */
export function toAddress(input: AddressInput, path = ''): AddressMessage {
  if (typeof input === 'string') return parseString(input, path);
  if (input && typeof input === 'object') {
    if ('address' in input && typeof input.address === 'string') {
      const { address, port, ...options } = input as { address: string; port: number } & SocketOptions;
      return socket(address, port, options, input, path);
    }
    if ('pipe' in input && typeof input.pipe === 'string') {
      if (!input.pipe) bad(input, path, `invalid address ${JSON.stringify(input)}: the pipe path is empty`);
      return { address: { $case: 'pipe', pipe: input.mode === undefined ? { path: input.pipe } : { path: input.pipe, mode: input.mode } } };
    }
    if ('internal' in input && typeof input.internal === 'string') {
      return Address.internal(input.internal, input.endpointId);
    }
    if ('address' in input && input.address && typeof input.address === 'object' && '$case' in input.address) {
      return deepCopy(input as AddressMessage);
    }
  }
  return bad(input, path, `invalid address ${JSON.stringify(input)}: expected "host:port", "[ipv6]:port", "unix:///path", { address, port }, { pipe } or { internal }`);
}

/**
 * Parses a CIDR range: `"10.0.0.0/8"`, `"2001:db8::/32"`, or a bare IP (a /32 or /128).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto#config-core-v3-cidrrange
 */
export function toCidr(input: string | CidrRange, path = ''): CidrRange {
  if (typeof input !== 'string') return { ...input };
  const slash = input.indexOf('/');
  const ip = slash < 0 ? input : input.slice(0, slash);
  const v6 = ip.includes(':');
  if (!ip) fail({ path, rule: 'cidr', message: `invalid cidr range ${JSON.stringify(input)}: expected "10.0.0.0/8" or "2001:db8::/32"`, value: input });
  let len = v6 ? 128 : 32;
  if (slash >= 0) {
    const t = input.slice(slash + 1);
    if (!/^\d+$/.test(t) || Number(t) > len) {
      fail({ path, rule: 'cidr', message: `invalid prefix length ${JSON.stringify(t)} in cidr range ${JSON.stringify(input)}: expected 0 to ${len}`, value: input });
    }
    len = Number(t);
  }
  return { addressPrefix: ip, prefixLen: len };
}

/**
 * Static factories for Address messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto
 * @example Address.socket('10.0.0.1', 8080); Address.parse('[::1]:80'); Address.pipe('/run/envoy.sock')
 */
export const Address = Object.freeze({
  /** A TCP (or UDP) socket address. */
  socket: (address: string, port: number, options?: SocketOptions): AddressMessage => socket(address, port, options, `${address}:${port}`),
  /** Parses `"10.0.0.1:8080"`, `"[::1]:80"`, `"unix:///path"` or any {@link AddressInput}. */
  parse: (input: AddressInput): AddressMessage => toAddress(input),
  /**
   * A Unix domain socket (`"@name"` for an abstract socket on Linux).
   * @param mode file mode of the socket, e.g. `0o660`
   */
  pipe: (path: string, mode?: number): AddressMessage => toAddress(mode === undefined ? { pipe: path } : { pipe: path, mode }),
  /**
   * An Envoy internal address: connections go to the internal listener named
   * `serverListenerName` in the same Envoy, without a socket.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/address.proto#config-core-v3-envoyinternaladdress
   */
  internal: (serverListenerName: string, endpointId?: string): AddressMessage => ({
    address: {
      $case: 'envoyInternalAddress',
      envoyInternalAddress: {
        addressNameSpecifier: { $case: 'serverListenerName', serverListenerName },
        ...(endpointId ? { endpointId } : {}),
      },
    },
  }),
  /** Parses a CIDR range such as `"10.0.0.0/8"` into a CidrRange message. */
  cidr: (input: string): CidrRange => toCidr(input),
});
