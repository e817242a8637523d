/**
 * The well-known string formats of protoc-gen-validate: hostname, IP addresses, email, URI,
 * UUID and the HTTP header name/value patterns.
 *
 * Each checker returns `undefined` for a valid value and a short lower-case reason otherwise.
 * They are hand-written character loops (no regular expressions) so they are fast and behave
 * the same everywhere. Their semantics follow the protoc-gen-validate documentation of
 * `StringRules.well_known` and its reference Go implementation's behaviour (e.g. IPv4 parts
 * without leading zeros, IPv6 without zone, hostnames of at most 253 characters with labels of
 * 1-63 letters, digits or inner hyphens).
 *
 * @see https://github.com/bufbuild/protoc-gen-validate/blob/main/docs.md#strings
 */

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isAlpha = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/**
 * Checks a DNS hostname: at most 253 characters (one trailing dot allowed), labels of 1 to 63
 * letters, digits and hyphens that neither start nor end with a hyphen.
 */
export function hostnameProblem(s: string): string | undefined {
  if (s.length === 0) return 'a hostname cannot be empty';
  if (s.length > 253) return `a hostname cannot exceed 253 characters (has ${s.length})`;
  const host = s.endsWith('.') ? s.slice(0, -1) : s;
  let start = 0;
  for (let i = 0; i <= host.length; i++) {
    if (i < host.length && host.charCodeAt(i) !== 46) continue;
    const len = i - start;
    if (len === 0) return 'hostname labels must not be empty';
    if (len > 63) return 'hostname labels cannot exceed 63 characters';
    if (host.charCodeAt(start) === 45) return 'hostname labels cannot begin with a hyphen';
    if (host.charCodeAt(i - 1) === 45) return 'hostname labels cannot end with a hyphen';
    for (let j = start; j < i; j++) {
      const c = host.charCodeAt(j);
      if (!isAlpha(c) && !isDigit(c) && c !== 45) {
        return `hostname labels can only contain letters, digits or hyphens, got ${JSON.stringify(host[j])}`;
      }
    }
    start = i + 1;
  }
  return undefined;
}

/** True for a dotted-quad IPv4 address (four parts 0-255, no leading zeros). */
export function isIPv4(s: string): boolean {
  let parts = 0;
  let i = 0;
  const n = s.length;
  while (i <= n) {
    const start = i;
    let v = 0;
    while (i < n && isDigit(s.charCodeAt(i))) {
      v = v * 10 + (s.charCodeAt(i) - 48);
      i++;
      if (i - start > 3) return false;
    }
    const len = i - start;
    if (len === 0 || v > 255 || (len > 1 && s.charCodeAt(start) === 48)) return false;
    parts++;
    if (i === n) break;
    if (s.charCodeAt(i) !== 46 || parts === 4) return false;
    i++;
  }
  return parts === 4;
}

/** True for an IPv6 address in text form (RFC 4291 section 2.2), without a zone. */
export function isIPv6(s: string): boolean {
  const n = s.length;
  if (n < 2) return false;
  let groups = 0;
  let doubleColon = false;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    doubleColon = true;
    i = 2;
    if (i === n) return true; // "::"
  }
  while (i < n) {
    // One group, or a trailing dotted IPv4 address.
    const start = i;
    while (i < n && isHex(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) === 46) {
      if (!isIPv4(s.slice(start))) return false;
      groups += 2;
      i = n;
      break;
    }
    const len = i - start;
    if (len === 0 || len > 4) return false;
    groups++;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (doubleColon) return false;
      doubleColon = true;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return false; // trailing single colon
    }
  }
  return doubleColon ? groups < 8 : groups === 8;
}

/** True for an IPv4 or IPv6 address. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

const ATEXT = new Set("!#$%&'*+-/=?^_`{|}~");

/**
 * Checks an email address (RFC 5322 addr-spec, optionally inside `Name <...>`): a dot-atom or
 * quoted local part of at most 64 characters, a valid hostname, at most 254 characters.
 */
export function emailProblem(value: string): string | undefined {
  let s = value;
  const lt = s.lastIndexOf('<');
  if (lt >= 0 && s.endsWith('>')) s = s.slice(lt + 1, -1);
  if (s.length > 254) return 'an email address cannot exceed 254 characters';
  const at = s.lastIndexOf('@');
  if (at <= 0) return 'an email address needs a local part and "@"';
  const local = s.slice(0, at);
  if (local.length > 64) return 'the local part of an email address cannot exceed 64 characters';
  if (local.startsWith('"') && local.endsWith('"') && local.length >= 2) {
    for (let i = 1; i < local.length - 1; i++) {
      const c = local.charCodeAt(i);
      if (c < 32 || c === 127) return 'the quoted local part contains a control character';
    }
  } else {
    let prevDot = true;
    for (let i = 0; i < local.length; i++) {
      const c = local.charCodeAt(i);
      if (c === 46) {
        if (prevDot) return 'the local part of an email address has an empty dot-separated part';
        prevDot = true;
        continue;
      }
      prevDot = false;
      if (!isAlpha(c) && !isDigit(c) && !ATEXT.has(local[i]!) && c < 128) {
        return `the local part of an email address cannot contain ${JSON.stringify(local[i])}`;
      }
    }
    if (prevDot) return 'the local part of an email address cannot end with "."';
  }
  const host = hostnameProblem(s.slice(at + 1));
  return host ? `invalid domain: ${host}` : undefined;
}

/** Checks percent-escapes and forbidden characters of a URI reference (RFC 3986). */
function uriCharsProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 34 || c === 60 || c === 62 || c === 92 || c === 94 || c === 96 || c === 123 || c === 124 || c === 125) {
      return `contains the character ${JSON.stringify(s[i])}, which must be percent-encoded`;
    }
    if (c === 37 && !(isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2)))) {
      return 'contains an invalid percent-escape';
    }
  }
  return undefined;
}

/** Length of the URI scheme (`http` in `http://...`), or 0 when there is none. */
function schemeLength(s: string): number {
  if (!isAlpha(s.charCodeAt(0))) return 0;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return i;
    if (!isAlpha(c) && !isDigit(c) && c !== 43 && c !== 45 && c !== 46) return 0;
  }
  return 0;
}

/** Checks an absolute URI (RFC 3986): a scheme, then valid characters. */
export function uriProblem(s: string): string | undefined {
  if (schemeLength(s) === 0) return 'an absolute uri needs a scheme (like "https:")';
  return uriCharsProblem(s);
}

/** Checks a URI reference (RFC 3986): an absolute or relative URI. */
export function uriRefProblem(s: string): string | undefined {
  return uriCharsProblem(s);
}

/** True for a UUID in its canonical 8-4-4-4-12 hexadecimal form (RFC 4122). */
export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

// RFC 7230 tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
// Plus ",": protoc-gen-validate's pattern `^:?[0-9a-zA-Z!#$%&'*+-.^_|~\x60]+$` (which Envoy runs
// with RE2) reads `+-.` as a range, so Envoy accepts a comma too; rejecting it would refuse
// configurations Envoy loads.
const TCHAR = new Uint8Array(128);
for (const ch of "!#$%&'*+,-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;
for (let c = 0; c < 128; c++) if (isAlpha(c) || isDigit(c)) TCHAR[c] = 1;

/**
 * Checks an HTTP header name. Strict (the default): an RFC 7230 token, optionally after a `:`
 * (HTTP/2 pseudo-headers), and not empty. Not strict: no NUL, CR or LF.
 */
export function headerNameProblem(s: string, strict: boolean): string | undefined {
  if (!strict) return looseHeaderProblem(s);
  if (s.length === 0) return 'a header name cannot be empty';
  const start = s.charCodeAt(0) === 58 ? 1 : 0;
  if (start === s.length) return 'a header name needs a name after ":"';
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return `a header name (rfc 7230 token) cannot contain ${JSON.stringify(s[i])}`;
  }
  return undefined;
}

/**
 * Checks an HTTP header value. Strict (the default): no control characters other than tab
 * (RFC 7230 field-content). Not strict: no NUL, CR or LF.
 */
export function headerValueProblem(s: string, strict: boolean): string | undefined {
  if (!strict) return looseHeaderProblem(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return `a header value cannot contain the control character ${JSON.stringify(s[i])}`;
  }
  return undefined;
}

function looseHeaderProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13) return `cannot contain a nul, cr or lf character, found ${JSON.stringify(s[i])}`;
  }
  return undefined;
}
