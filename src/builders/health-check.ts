/**
 * Active health checks of a cluster's endpoints: HTTP, TCP and gRPC.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto
 */
import type { HealthCheck as HealthCheckMessage } from '../gen/envoy/config/core/v3/health_check.js';
import { CodecClientType } from '../gen/envoy/type/v3/http.js';
import { headerValue } from './common.js';
import { parseDuration, type DurationInput } from './duration.js';

export type { HealthCheckMessage };

/**
 * Timing and thresholds of a health check. Envoy has no defaults for these four: each check
 * says them.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto#config-core-v3-healthcheck
 */
export interface HealthCheckTiming {
  /** Time between checks. */
  interval: DurationInput;
  /** Time to wait for an answer. */
  timeout: DurationInput;
  /** Failed checks before a host is marked unhealthy. */
  unhealthyThreshold: number;
  /** Passed checks before an unhealthy host is marked healthy again. */
  healthyThreshold: number;
  /** Random jitter added to each interval. @default none */
  intervalJitter?: DurationInput;
  /** Random jitter before the first check. @default none */
  initialJitter?: DurationInput;
  /** Interval when a host is unhealthy. @default `interval` */
  unhealthyInterval?: DurationInput;
  /** Interval when the cluster has had no traffic. @default "60s" */
  noTrafficInterval?: DurationInput;
  /** Check a port other than the endpoint's. @default the endpoint's port */
  altPort?: number;
  /** Reuse the connection between checks. @default true */
  reuseConnection?: boolean;
}

/** Options of an HTTP health check. */
export interface HttpHealthCheckOptions extends HealthCheckTiming {
  /** The `Host` header. @default the cluster name */
  host?: string;
  /** Status code ranges `[start, end)` counted healthy. @default [[200, 201]] */
  expectedStatuses?: [number, number][];
  /** Request headers to add. */
  requestHeaders?: Record<string, string>;
  /** Check over HTTP/2. @default false (HTTP/1.1) */
  http2?: boolean;
}

/** Options of a TCP health check. */
export interface TcpHealthCheckOptions extends HealthCheckTiming {
  /** Hex-encoded bytes to send. @default a connect-only check */
  send?: string;
  /** Hex-encoded bytes expected back (each must appear, in order). */
  receive?: string[];
}

/** Options of a gRPC health check. */
export interface GrpcHealthCheckOptions extends HealthCheckTiming {
  /** The `:authority` header. @default the cluster name */
  authority?: string;
}

function base(t: HealthCheckTiming): HealthCheckMessage {
  const h: HealthCheckMessage = {
    timeout: parseDuration(t.timeout, 'health_checks.timeout'),
    interval: parseDuration(t.interval, 'health_checks.interval'),
    unhealthyThreshold: t.unhealthyThreshold,
    healthyThreshold: t.healthyThreshold,
  };
  if (t.intervalJitter !== undefined) h.intervalJitter = parseDuration(t.intervalJitter, 'health_checks.interval_jitter');
  if (t.initialJitter !== undefined) h.initialJitter = parseDuration(t.initialJitter, 'health_checks.initial_jitter');
  if (t.unhealthyInterval !== undefined) h.unhealthyInterval = parseDuration(t.unhealthyInterval, 'health_checks.unhealthy_interval');
  if (t.noTrafficInterval !== undefined) h.noTrafficInterval = parseDuration(t.noTrafficInterval, 'health_checks.no_traffic_interval');
  if (t.altPort !== undefined) h.altPort = t.altPort;
  if (t.reuseConnection === false) h.reuseConnection = false;
  return h;
}

/**
 * Static factories for HealthCheck messages.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto
 * @example HealthCheck.http('/healthz', { interval: '5s', timeout: '1s', unhealthyThreshold: 3, healthyThreshold: 2 })
 */
export const HealthCheck = Object.freeze({
  /**
   * An HTTP GET of `path`; healthy on an expected status (200 by default).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto#config-core-v3-healthcheck-httphealthcheck
   */
  http(path: string, options: HttpHealthCheckOptions): HealthCheckMessage {
    const h = base(options);
    const http: NonNullable<HealthCheckMessage['healthChecker']> & { $case: 'httpHealthCheck' } = { $case: 'httpHealthCheck', httpHealthCheck: { path } };
    if (options.host) http.httpHealthCheck.host = options.host;
    if (options.expectedStatuses) http.httpHealthCheck.expectedStatuses = options.expectedStatuses.map(([start, end]) => ({ start: String(start), end: String(end) }));
    if (options.requestHeaders) http.httpHealthCheck.requestHeadersToAdd = Object.entries(options.requestHeaders).map(([k, v]) => headerValue(k, v));
    if (options.http2) http.httpHealthCheck.codecClientType = CodecClientType.HTTP2;
    h.healthChecker = http;
    return h;
  },
  /**
   * A TCP connect (and optional send/receive of hex payloads).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto#config-core-v3-healthcheck-tcphealthcheck
   */
  tcp(options: TcpHealthCheckOptions): HealthCheckMessage {
    const h = base(options);
    const tcp: { send?: { payload: { $case: 'text'; text: string } }; receive?: { payload: { $case: 'text'; text: string } }[] } = {};
    if (options.send) tcp.send = { payload: { $case: 'text', text: options.send } };
    if (options.receive) tcp.receive = options.receive.map((text) => ({ payload: { $case: 'text' as const, text } }));
    h.healthChecker = { $case: 'tcpHealthCheck', tcpHealthCheck: tcp };
    return h;
  },
  /**
   * The gRPC health checking protocol (`grpc.health.v1.Health/Check`) for `serviceName`.
   * @param serviceName the service to ask about @default "" (the server as a whole)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/health_check.proto#config-core-v3-healthcheck-grpchealthcheck
   */
  grpc(serviceName: string | undefined, options: GrpcHealthCheckOptions): HealthCheckMessage {
    const h = base(options);
    h.healthChecker = {
      $case: 'grpcHealthCheck',
      grpcHealthCheck: { ...(serviceName ? { serviceName } : {}), ...(options.authority ? { authority: options.authority } : {}) },
    };
    return h;
  },
});
