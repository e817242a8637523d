/**
 * TLS: downstream (listener side) and upstream (cluster side) TLS contexts, with certificates
 * from files, inline or SDS, ALPN, TLS versions, client certificates and validation contexts
 * with SAN matchers; and SDS `Secret` resources.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto
 */
import type { TransportSocket } from '../gen/envoy/config/core/v3/base.js';
import {
  SubjectAltNameMatcher_SanType,
  TlsParameters_TlsProtocol,
  type CertificateValidationContext,
  type SubjectAltNameMatcher,
  type TlsCertificate,
  type TlsParameters,
} from '../gen/envoy/extensions/transport_sockets/tls/v3/common.js';
import type { Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret.js';
import type { CommonTlsContext, DownstreamTlsContext, UpstreamTlsContext } from '../gen/envoy/extensions/transport_sockets/tls/v3/tls.js';
import { MessageBuilder, deepCopy, fail, push, type Props } from './builder.js';
import { enumValue, toDataSource, toStringMatcher, type DataSourceInput, type StringMatchInput } from './common.js';
import { ConfigSource, type ConfigSourceMessage } from './config-source.js';
import { parseDuration, type DurationInput } from './duration.js';
import { transportSocketOf } from './transport-socket.js';

export type { DownstreamTlsContext, UpstreamTlsContext, CommonTlsContext, Secret, TransportSocket, CertificateValidationContext };

/** The name of the TLS transport socket. */
export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

/** A TLS protocol version. */
export type TlsVersion = 'TLS_AUTO' | 'TLSv1_0' | 'TLSv1_1' | 'TLSv1_2' | 'TLSv1_3';

/** A subject alternative name type. */
export type SanType = 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';

/**
 * Static factories for SubjectAltNameMatcher messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#extensions-transport-sockets-tls-v3-subjectaltnamematcher
 * @example San.uri(Match.prefix('spiffe://example.com/ns/shop/')); San.dns('api.example.com')
 */
export const San = Object.freeze({
  /** A DNS SAN matches (a string: exactly). */
  dns: (match: StringMatchInput): SubjectAltNameMatcher => san('DNS', match),
  /** A URI SAN matches (SPIFFE IDs). */
  uri: (match: StringMatchInput): SubjectAltNameMatcher => san('URI', match),
  /** An email SAN matches. */
  email: (match: StringMatchInput): SubjectAltNameMatcher => san('EMAIL', match),
  /** An IP address SAN matches. */
  ip: (match: StringMatchInput): SubjectAltNameMatcher => san('IP_ADDRESS', match),
});

function san(type: SanType, match: StringMatchInput): SubjectAltNameMatcher {
  return { sanType: SubjectAltNameMatcher_SanType[type], matcher: toStringMatcher(match) };
}

/** A certificate validation context, as `.validation()` accepts it. */
export interface ValidationInput {
  /** CA certificates to verify the peer's chain against (PEM: file, inline or env). */
  trustedCa?: DataSourceInput;
  /** The peer certificate must have a SAN matching one of these. */
  matchSans?: SubjectAltNameMatcher[];
  /** A certificate revocation list. */
  crl?: DataSourceInput;
  /** Pin the peer certificate by SHA-256 hash (hex). */
  verifyCertificateHash?: string[];
  /** Pin the peer certificate by base64 SHA-256 of its SPKI. */
  verifyCertificateSpki?: string[];
  /** Accept expired certificates. @default false */
  allowExpiredCertificate?: boolean;
}

/** A CertificateValidationContext from a {@link ValidationInput} (or the message). */
export function toValidationContext(input: ValidationInput | CertificateValidationContext): CertificateValidationContext {
  // The input keys either are the message's own (copied) or take friendlier values: data sources
  // as paths or `{ inline }`, SAN matchers under a shorter name.
  const { trustedCa, crl, matchSans, ...rest } = input as ValidationInput & CertificateValidationContext;
  const c = deepCopy(rest) as CertificateValidationContext;
  if (trustedCa !== undefined) c.trustedCa = toDataSource(trustedCa);
  if (crl !== undefined) c.crl = toDataSource(crl);
  if (matchSans?.length) c.matchTypedSubjectAltNames = [...(c.matchTypedSubjectAltNames ?? []), ...deepCopy(matchSans)];
  if (!c.allowExpiredCertificate) delete c.allowExpiredCertificate;
  return c;
}

/** Options of a certificate besides its chain and key. */
export interface CertificateOptions {
  /** Password of an encrypted private key. */
  password?: DataSourceInput;
  /** An OCSP response to staple. */
  ocspStaple?: DataSourceInput;
}

/** A TlsCertificate message: certificate chain and private key (files, inline PEM or env). */
export function tlsCertificate(certificateChain: DataSourceInput, privateKey: DataSourceInput, options: CertificateOptions = {}): TlsCertificate {
  const c: TlsCertificate = { certificateChain: toDataSource(certificateChain), privateKey: toDataSource(privateKey) };
  if (options.password !== undefined) c.password = toDataSource(options.password);
  if (options.ocspStaple !== undefined) c.ocspStaple = toDataSource(options.ocspStaple);
  return c;
}

/**
 * Methods shared by downstream and upstream TLS contexts (their `common_tls_context`).
 */
export abstract class TlsContextBuilder<T extends { commonTlsContext?: CommonTlsContext | undefined }> extends MessageBuilder<T> {
  /** The `common_tls_context`, created when first needed. */
  protected common(): CommonTlsContext {
    return (this.draft.commonTlsContext ??= {});
  }

  private params(): TlsParameters {
    const c = this.common();
    return (c.tlsParams ??= {});
  }

  /**
   * Adds a certificate (chain and private key: a path, inline PEM, `{ env }`).
   * @default options no password, no OCSP staple
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-commontlscontext-tls-certificates
   */
  certificate(certificateChain: DataSourceInput, privateKey: DataSourceInput, options?: CertificateOptions): this {
    const c = this.common();
    c.tlsCertificates = push(c.tlsCertificates, tlsCertificate(certificateChain, privateKey, options));
    return this;
  }

  /**
   * Adds a certificate fetched over SDS: the secret `name` from `source`.
   * @default source ConfigSource.ads()
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-commontlscontext-tls-certificate-sds-secret-configs
   */
  sdsCertificate(name: string, source: ConfigSourceMessage = ConfigSource.ads()): this {
    const c = this.common();
    c.tlsCertificateSdsSecretConfigs = push(c.tlsCertificateSdsSecretConfigs, { name, sdsConfig: deepCopy(source) });
    return this;
  }

  /**
   * The ALPN protocols offered, in preference order (e.g. `"h2", "http/1.1"`).
   * @default none (no ALPN)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-commontlscontext-alpn-protocols
   */
  alpn(...protocols: string[]): this {
    this.common().alpnProtocols = protocols;
    return this;
  }

  /**
   * The lowest and highest TLS versions.
   * @default min "TLSv1_2"; max "TLSv1_3" for servers (downstream), "TLSv1_2" for clients (upstream)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#extensions-transport-sockets-tls-v3-tlsparameters
   */
  tlsVersions(min: TlsVersion, max?: TlsVersion): this {
    const p = this.params();
    p.tlsMinimumProtocolVersion = enumValue(TlsParameters_TlsProtocol, min, 'tls version', 'common_tls_context.tls_params.tls_minimum_protocol_version');
    if (max !== undefined) p.tlsMaximumProtocolVersion = enumValue(TlsParameters_TlsProtocol, max, 'tls version', 'common_tls_context.tls_params.tls_maximum_protocol_version');
    return this;
  }

  /**
   * The cipher suites (TLS 1.2 and below), in BoringSSL syntax.
   * @default Envoy's list
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-tlsparameters-cipher-suites
   */
  cipherSuites(...suites: string[]): this {
    this.params().cipherSuites = suites;
    return this;
  }

  /**
   * The ECDH curves.
   * @default "X25519", "P-256"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-tlsparameters-ecdh-curves
   */
  ecdhCurves(...curves: string[]): this {
    this.params().ecdhCurves = curves;
    return this;
  }

  /**
   * How the peer's certificate is validated (trusted CA, SAN matchers, CRL, pins). Merged with an
   * SDS validation context into a combined one.
   * @default the peer certificate is not verified
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#extensions-transport-sockets-tls-v3-certificatevalidationcontext
   */
  validation(input: ValidationInput | CertificateValidationContext): this {
    const c = this.common();
    const v = toValidationContext(input);
    const cur = c.validationContextType;
    if (cur?.$case === 'validationContextSdsSecretConfig') {
      c.validationContextType = { $case: 'combinedValidationContext', combinedValidationContext: { defaultValidationContext: v, validationContextSdsSecretConfig: cur.validationContextSdsSecretConfig } };
    } else if (cur?.$case === 'combinedValidationContext') {
      cur.combinedValidationContext.defaultValidationContext = v;
    } else {
      c.validationContextType = { $case: 'validationContext', validationContext: v };
    }
    return this;
  }

  /**
   * Trusts the CA certificates of `ca` (a path, inline PEM or `{ env }`) for the peer.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-certificatevalidationcontext-trusted-ca
   */
  trustedCa(ca: DataSourceInput): this {
    const v = this.currentValidation();
    v.trustedCa = toDataSource(ca);
    return this.validation(v);
  }

  /**
   * Requires the peer certificate to carry a SAN matching one of the given matchers (added to
   * earlier ones): `San.uri(Match.prefix('spiffe://example.com/'))`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-certificatevalidationcontext-match-typed-subject-alt-names
   */
  matchSan(...matchers: SubjectAltNameMatcher[]): this {
    const v = this.currentValidation();
    v.matchTypedSubjectAltNames = push(v.matchTypedSubjectAltNames, ...deepCopy(matchers));
    return this.validation(v);
  }

  /**
   * Fetches the validation context (trusted CA) over SDS: secret `name` from `source`. With
   * `.validation()`/`.matchSan()` too, both are combined (the SDS CA with the inline matchers).
   * @default source ConfigSource.ads()
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-commontlscontext-combined-validation-context
   */
  sdsValidation(name: string, source: ConfigSourceMessage = ConfigSource.ads()): this {
    const c = this.common();
    const sds = { name, sdsConfig: deepCopy(source) };
    const cur = c.validationContextType;
    if (cur?.$case === 'validationContext') {
      c.validationContextType = { $case: 'combinedValidationContext', combinedValidationContext: { defaultValidationContext: cur.validationContext, validationContextSdsSecretConfig: sds } };
    } else if (cur?.$case === 'combinedValidationContext') {
      cur.combinedValidationContext.validationContextSdsSecretConfig = sds;
    } else {
      c.validationContextType = { $case: 'validationContextSdsSecretConfig', validationContextSdsSecretConfig: sds };
    }
    return this;
  }

  private currentValidation(): CertificateValidationContext {
    const cur = this.draft.commonTlsContext?.validationContextType;
    if (cur?.$case === 'validationContext') return cur.validationContext;
    if (cur?.$case === 'combinedValidationContext') return cur.combinedValidationContext.defaultValidationContext ?? {};
    return {};
  }

  /**
   * The transport socket entry holding this context (`envoy.transport_sockets.tls` with the
   * context packed), for a filter chain's or cluster's `transport_socket`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-transportsocket
   */
  toTransportSocket(): TransportSocket {
    return transportSocketOf(TLS_TRANSPORT_SOCKET, this);
  }
}

/**
 * Builds a DownstreamTlsContext: the TLS a listener's filter chain terminates.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#extensions-transport-sockets-tls-v3-downstreamtlscontext
 */
export class DownstreamTlsBuilder extends TlsContextBuilder<DownstreamTlsContext> {
  constructor() {
    super('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {});
  }

  protected get label(): string {
    return 'downstream tls context';
  }

  /**
   * Requires clients to present a certificate (mutual TLS); pair with `.validation()` or
   * `.trustedCa()` so it is verified.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-downstreamtlscontext-require-client-certificate
   */
  requireClientCertificate(on = true): this {
    this.draft.requireClientCertificate = on;
    return this;
  }

  /**
   * Rejects connections without SNI.
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-downstreamtlscontext-require-sni
   */
  requireSni(on = true): this {
    this.draft.requireSni = on;
    return this;
  }

  /**
   * Lifetime of TLS sessions for resumption.
   * @default "7200s"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-downstreamtlscontext-session-timeout
   */
  sessionTimeout(timeout: DurationInput): this {
    this.draft.sessionTimeout = parseDuration(timeout, 'session_timeout');
    return this;
  }
}

/**
 * A downstream TLS context (for a filter chain's `.tls()`).
 *
 * @example downstreamTls().certificate('/etc/envoy/tls.crt', '/etc/envoy/tls.key').alpn('h2', 'http/1.1')
 */
export function downstreamTls(props?: Props<DownstreamTlsBuilder>): DownstreamTlsBuilder {
  return new DownstreamTlsBuilder().props(props);
}

/**
 * Builds an UpstreamTlsContext: the TLS a cluster originates to its endpoints.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#extensions-transport-sockets-tls-v3-upstreamtlscontext
 */
export class UpstreamTlsBuilder extends TlsContextBuilder<UpstreamTlsContext> {
  constructor() {
    super('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {});
  }

  protected get label(): string {
    return 'upstream tls context';
  }

  /**
   * The SNI sent to the upstream.
   * @default none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-upstreamtlscontext-sni
   */
  sni(serverName: string): this {
    this.draft.sni = serverName;
    return this;
  }

  /**
   * The client certificate presented to the upstream (mutual TLS): chain and key.
   * @default options no password, no OCSP staple
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-commontlscontext-tls-certificates
   */
  clientCertificate(certificateChain: DataSourceInput, privateKey: DataSourceInput, options?: CertificateOptions): this {
    return this.certificate(certificateChain, privateKey, options);
  }

  /**
   * Allows the upstream to renegotiate TLS (insecure; for legacy servers).
   * @default false
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-upstreamtlscontext-allow-renegotiation
   */
  allowRenegotiation(on = true): this {
    this.draft.allowRenegotiation = on;
    return this;
  }
}

/**
 * An upstream TLS context (for a cluster's `.tls()`), with `sni` when given.
 *
 * @example upstreamTls('api.internal').trustedCa('/etc/ssl/ca.pem').matchSan(San.dns('api.internal'))
 */
export function upstreamTls(sni?: string, props?: Props<UpstreamTlsBuilder>): UpstreamTlsBuilder {
  const b = new UpstreamTlsBuilder();
  if (sni !== undefined) b.sni(sni);
  return b.props(props);
}

/**
 * Builds a Secret (the SDS resource): a TLS certificate, a validation context, session ticket
 * keys or a generic secret — one of them.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto
 */
export class SecretBuilder extends MessageBuilder<Secret> {
  constructor(name: string) {
    super('envoy.extensions.transport_sockets.tls.v3.Secret', { name });
  }

  protected get label(): string {
    return `secret ${JSON.stringify(this.draft.name)}`;
  }

  /** The secret's name (what SDS configs refer to). */
  get name(): string {
    return this.draft.name ?? '';
  }

  private setType(type: NonNullable<Secret['type']>): this {
    if (this.draft.type && this.draft.type.$case !== type.$case) {
      fail({ path: 'type', rule: 'oneof', message: `a secret holds one thing, and this one already holds a ${this.draft.type.$case}`, value: type.$case }, this.label);
    }
    this.draft.type = type;
    return this;
  }

  /**
   * A certificate chain and private key.
   * @default options no password, no OCSP staple
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-secret-tls-certificate
   */
  tlsCertificate(certificateChain: DataSourceInput, privateKey: DataSourceInput, options?: CertificateOptions): this {
    return this.setType({ $case: 'tlsCertificate', tlsCertificate: tlsCertificate(certificateChain, privateKey, options) });
  }

  /**
   * A validation context (trusted CA, SAN matchers).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-secret-validation-context
   */
  validationContext(input: ValidationInput | CertificateValidationContext): this {
    return this.setType({ $case: 'validationContext', validationContext: toValidationContext(input) });
  }

  /**
   * Session ticket keys (80 bytes each), the first used to encrypt.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-secret-session-ticket-keys
   */
  sessionTicketKeys(...keys: DataSourceInput[]): this {
    return this.setType({ $case: 'sessionTicketKeys', sessionTicketKeys: { keys: keys.map(toDataSource) } });
  }

  /**
   * A generic secret (e.g. an OAuth2 client secret or HMAC key).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-secret-generic-secret
   */
  genericSecret(secret: DataSourceInput): this {
    return this.setType({ $case: 'genericSecret', genericSecret: { secret: toDataSource(secret) } });
  }
}

/**
 * An SDS Secret named `name`.
 *
 * @example secret('shop-cert').tlsCertificate('/etc/certs/shop.crt', '/etc/certs/shop.key')
 */
export function secret(name: string, props?: Props<SecretBuilder>): SecretBuilder {
  return new SecretBuilder(name).props(props);
}

/** The transport socket for a TLS context builder or a context message of `typeName`. */
export function tlsTransportSocket(tls: TlsContextBuilder<any> | object, typeName: string): TransportSocket {
  if (tls instanceof TlsContextBuilder) {
    if (tls.typeName !== typeName) {
      fail({ path: 'transport_socket', rule: 'type', message: `expected a ${typeName.split('.').pop()}, got a ${tls.typeName.split('.').pop()}`, value: tls.typeName });
    }
    return tls.toTransportSocket();
  }
  return transportSocketOf(TLS_TRANSPORT_SOCKET, { typeName, toMessage: () => tls });
}
