/**
 * The mesh's mTLS: the workload certificate and the root certificate are SDS secrets (Istio's
 * `default` and `ROOTCA`) fetched over ADS; servers require a client certificate; clients send
 * an SNI and an Istio ALPN, and may pin the server's SPIFFE ids.
 *
 * @see https://istio.io/latest/docs/concepts/security/#mutual-tls-authentication
 */
import { San, Match, downstreamTls, secret, upstreamTls, type DataSourceInput, type DownstreamTlsBuilder, type UpstreamTlsBuilder } from '../builders/index.js';
import type { Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret.js';
import { MeshNames } from './names.js';

/**
 * The workload identity served as SDS secrets: a certificate chain and key (secret `default`)
 * and the mesh root (secret `ROOTCA`). Each is inline PEM, a file path (starting with `/` or
 * `.`), `{ file }`, `{ inline }` or `{ env }`.
 */
export interface MeshIdentity {
  /** The workload's certificate chain (with its SPIFFE id as URI SAN). */
  certificateChain: DataSourceInput;
  /** The workload's private key. */
  privateKey: DataSourceInput;
  /** The mesh root certificate(s) peers are verified against. */
  rootCertificate: DataSourceInput;
}

/** A server-side mTLS context: the workload certificate, client certificates required and verified against the root. */
export function meshDownstreamTls(alpn: readonly string[] = []): DownstreamTlsBuilder {
  const t = downstreamTls().requireClientCertificate().sdsCertificate(MeshNames.workloadSecret).sdsValidation(MeshNames.rootSecret);
  return alpn.length ? t.alpn(...alpn) : t;
}

/** A client-side mTLS context: SNI, ALPN, the workload certificate, the server verified against the root (and its SPIFFE ids, when given). */
export function meshUpstreamTls(sni: string | undefined, alpn: readonly string[], spiffeIds: readonly string[] = []): UpstreamTlsBuilder {
  const t = upstreamTls(sni).alpn(...alpn).sdsCertificate(MeshNames.workloadSecret).sdsValidation(MeshNames.rootSecret);
  return spiffeIds.length ? t.matchSan(...spiffeIds.map((id) => San.uri(Match.exact(id)))) : t;
}

/** The SDS secrets `default` and `ROOTCA` of an identity (none without one). */
export function meshSecrets(identity: MeshIdentity | undefined): Secret[] {
  if (!identity) return [];
  return [
    secret(MeshNames.workloadSecret).tlsCertificate(identity.certificateChain, identity.privateKey).build(),
    secret(MeshNames.rootSecret).validationContext({ trustedCa: identity.rootCertificate }).build(),
  ];
}
