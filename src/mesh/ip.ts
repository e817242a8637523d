/**
 * IP addresses and CIDR ranges, as the mesh presets and the RBAC evaluator need them.
 *
 * Addresses are parsed to big integers (32 bits for IPv4, 128 for IPv6) so prefix matching is
 * exact for both families. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is not folded into
 * IPv4: Envoy's `CidrRange` compares within one family.
 */

/** A parsed address: its family and value. */
export interface ParsedIp {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The address as an unsigned integer of 32 or 128 bits. */
  readonly value: bigint;
}

/** A parsed CIDR range. */
export interface ParsedCidr extends ParsedIp {
  /** Prefix length in bits (0–32 or 0–128). */
  readonly prefixLen: number;
}

/** Parses a dotted-quad IPv4 address, or returns undefined. */
export function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** Parses an IPv6 address (with `::` and an optional dotted-quad tail), or returns undefined. */
export function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let head = s;
  let tail4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parseIPv4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return undefined;
  const groupsOf = (x: string) => (x === '' ? [] : x.split(':'));
  const left = groupsOf(dbl[0]!);
  const right = dbl.length === 2 ? groupsOf(dbl[1]!) : [];
  const total = left.length + right.length;
  if (dbl.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...left, ...Array<string>(8 - total).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

/** Parses an IPv4 or IPv6 address, or returns undefined. */
export function parseIp(s: string): ParsedIp | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIPv6(s);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

/**
 * Parses `addr/len` (or a bare address, meaning the full-length prefix), or returns undefined.
 */
export function parseCidr(s: string): ParsedCidr | undefined {
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefixLen: max };
  const lenText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  if (prefixLen > max) return undefined;
  return { ...ip, prefixLen };
}

/** True when `ip` lies in the range (same family, equal leading `prefixLen` bits). */
export function cidrContains(range: ParsedCidr, ip: ParsedIp): boolean {
  if (range.family !== ip.family) return false;
  const bits = BigInt(range.family === 4 ? 32 : 128);
  const shift = bits - BigInt(range.prefixLen);
  return range.value >> shift === ip.value >> shift;
}

/** True for an integer port in 1–65535. */
export function isPort(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
}

/** `ip:port`, with an IPv6 address in brackets (`[fd00::1]:15008`). */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
