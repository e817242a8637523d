/**
 * Transport security and node authorisation.
 *
 * A control plane hands out everything a proxy needs to reach every service, including
 * secrets over SDS: the config of a node must only go to that node. With mTLS, the client's
 * certificate says who it is (a SPIFFE ID in a URI SAN: `spiffe://trust-domain/ns/x/sa/y`), and
 * the `node.id` of its first request says who it claims to be; `authorizeNode` decides whether
 * the two agree, and a refused stream ends with `PERMISSION_DENIED` before any watch is made or
 * any config is sent.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#authentication
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { Node } from '../gen/envoy/config/core/v3/base.js';

/** TLS for the xDS server. PEM strings or Buffers. */
export interface ServerTlsOptions {
  /** The server's certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** The server's private key (PEM). */
  readonly key: string | Buffer;
  /**
   * CA certificates that sign client certificates: with it, clients must present a
   * certificate it signed (mTLS), and their identity is checked by `authorizeNode` (an option of `createXdsServer`).
   * @default undefined (TLS without client certificates)
   */
  readonly ca?: string | Buffer;
  /**
   * Require a client certificate when `ca` is given.
   * @default true
   */
  readonly requireClientCert?: boolean;
}

/** `grpc.ServerCredentials` for TLS or, with `ca`, mTLS. */
export function serverCredentials(tls: ServerTlsOptions): grpc.ServerCredentials {
  const buf = (v: string | Buffer) => (typeof v === 'string' ? Buffer.from(v) : v);
  return grpc.ServerCredentials.createSsl(
    tls.ca ? buf(tls.ca) : null,
    [{ private_key: buf(tls.key), cert_chain: buf(tls.cert) }],
    tls.ca ? tls.requireClientCert !== false : false,
  );
}

/** Who is at the other end of a stream. */
export interface Peer {
  /** The remote address (`ipv4:127.0.0.1:5555`), as grpc-js reports it. */
  readonly address: string;
  /** The client certificate, with mTLS. */
  readonly certificate?: PeerCertificate;
  /** URI SANs of the client certificate (SPIFFE IDs among them). */
  readonly uris: readonly string[];
  /** DNS SANs of the client certificate. */
  readonly dnsNames: readonly string[];
  /** The SPIFFE ID: the first `spiffe://` URI SAN. */
  readonly spiffeId?: string;
}

/**
 * The subject alternative names of a certificate, by kind.
 *
 * Node's `subjectaltname` is a comma-separated list like `DNS:a, URI:spiffe://td/x`; a value
 * holding a comma or a quote is JSON-quoted (`URI:"spiffe://td/a,b"`).
 */
export function subjectAltNames(cert: PeerCertificate | undefined): { uris: string[]; dnsNames: string[] } {
  const uris: string[] = [];
  const dnsNames: string[] = [];
  const text = cert?.subjectaltname ?? '';
  const re = /(DNS|URI|IP Address|email|othername|DirName|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (let m = re.exec(text); m && m[0]; m = re.exec(text)) {
    let value = m[2]!.trim();
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    }
    if (m[1] === 'URI') uris.push(value);
    else if (m[1] === 'DNS') dnsNames.push(value);
  }
  return { uris, dnsNames };
}

/** The {@link Peer} of a server call: its address and, with mTLS, its certificate identity. */
export function peerOf(call: { getPeer(): string; getAuthContext?(): { sslPeerCertificate?: PeerCertificate } | null }): Peer {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  const certificate = cert && Object.keys(cert).length ? cert : undefined;
  const { uris, dnsNames } = subjectAltNames(certificate);
  const spiffeId = uris.find((u) => u.startsWith('spiffe://'));
  return { address: call.getPeer(), ...(certificate ? { certificate } : {}), uris, dnsNames, ...(spiffeId ? { spiffeId } : {}) };
}

/**
 * The decision of an authoriser: `true` to allow, `false` or a reason (string) to refuse.
 *
 * A reason is sent to the client in the `PERMISSION_DENIED` status details.
 */
export type AuthorizeResult = boolean | string;

/** Decides whether the node of a stream may get config. */
export type AuthorizeNode = (node: Node, peer: Peer) => AuthorizeResult | Promise<AuthorizeResult>;

/**
 * The default authoriser: with a client certificate, the node id must equal the certificate's
 * SPIFFE ID (its `spiffe://` URI SAN); a certificate without one is refused. Without a client
 * certificate (plain TLS or insecure), every node is allowed — configure mTLS to authenticate
 * nodes.
 *
 * @example createXdsServer({ cache, tls: { cert, key, ca }, authorizeNode: spiffeNodeAuthorizer })
 */
export const spiffeNodeAuthorizer: AuthorizeNode = (node, peer) => {
  if (!peer.certificate) return true;
  if (!peer.spiffeId) return 'the client certificate has no SPIFFE ID (URI SAN spiffe://...)';
  if (node.id !== peer.spiffeId) return `node id "${node.id ?? ''}" does not match the certificate identity ${peer.spiffeId}`;
  return true;
};

/** Runs an authoriser; resolves to undefined when allowed, or the reason of a refusal. */
export async function checkNode(authorize: AuthorizeNode, node: Node, peer: Peer): Promise<string | undefined> {
  let result: AuthorizeResult;
  try {
    result = await authorize(node, peer);
  } catch (e) {
    return `authorisation failed: ${(e as Error)?.message ?? String(e)}`;
  }
  if (result === true) return undefined;
  return typeof result === 'string' && result ? result : `node "${node.id ?? ''}" is not authorised`;
}
