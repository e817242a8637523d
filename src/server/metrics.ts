/**
 * Prometheus metrics for the xDS server, with `prom-client` — optional.
 *
 * xdskit does not depend on prom-client: pass the module you use (so metrics land in your
 * registry, with your prom-client version), and the server works the same without it.
 *
 * Metrics (prefix `xds_server_` by default; `type` is the resource's message name, e.g.
 * `envoy.config.cluster.v3.Cluster`):
 * - `streams` (gauge, `kind`: sotw | delta): open streams;
 * - `requests_total` (counter, `type`): requests received;
 * - `pushes_total` (counter, `type`): responses sent;
 * - `push_bytes_total` (counter, `type`): bytes of responses sent;
 * - `acks_total`, `nacks_total` (counters, `type`);
 * - `push_ack_seconds` (histogram, `type`): from a response written to its ACK or NACK.
 *
 * @example
 * import * as prom from 'prom-client';
 * const server = createXdsServer({ cache, metrics: { client: prom } });
 * // GET /metrics → await prom.register.metrics()
 */
import { typeNameOfUrl } from '../registry/type-urls.js';
import type { XdsServerEvents } from './events.js';

/** The part of a prom-client metric xdskit uses. */
interface MetricLike {
  inc?(labels: Record<string, string>, value?: number): void;
  dec?(labels: Record<string, string>, value?: number): void;
  observe?(labels: Record<string, string>, value: number): void;
}

/** The part of a prom-client `Registry` xdskit uses. */
export interface PromRegistryLike {
  getSingleMetric(name: string): unknown;
}

/** The part of the prom-client module xdskit uses (`import * as prom from 'prom-client'`). */
export interface PromClientLike {
  Counter: new (config: any) => unknown;
  Gauge: new (config: any) => unknown;
  Histogram: new (config: any) => unknown;
  register: PromRegistryLike;
}

/** Options of {@link xdsMetrics}. */
export interface MetricsOptions {
  /** The prom-client module. */
  readonly client: PromClientLike;
  /** The registry to register in. @default client.register */
  readonly registry?: PromRegistryLike;
  /** Prefix of every metric name. @default 'xds_server_' */
  readonly prefix?: string;
  /** Buckets of `push_ack_seconds`. @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] */
  readonly buckets?: readonly number[];
}

/**
 * Event handlers that keep Prometheus metrics; `createXdsServer({ metrics })` attaches them, or
 * pass them to `server.subscribe(...)`.
 *
 * Metrics already registered under the same name (a second server in the process) are reused.
 */
export function xdsMetrics(options: MetricsOptions): XdsServerEvents {
  const { client } = options;
  const registry = options.registry ?? client.register;
  const prefix = options.prefix ?? 'xds_server_';
  const make = <T>(Ctor: new (config: any) => unknown, name: string, help: string, labelNames: string[], extra: object = {}): T => {
    const full = prefix + name;
    const existing = registry.getSingleMetric(full);
    if (existing) return existing as T;
    return new Ctor({ name: full, help, labelNames, registers: [registry], ...extra }) as T;
  };
  const streams = make<MetricLike>(client.Gauge, 'streams', 'Open xDS streams.', ['kind']);
  const requests = make<MetricLike>(client.Counter, 'requests_total', 'xDS requests received.', ['type']);
  const pushes = make<MetricLike>(client.Counter, 'pushes_total', 'xDS responses sent.', ['type']);
  const bytes = make<MetricLike>(client.Counter, 'push_bytes_total', 'Bytes of xDS responses sent.', ['type']);
  const acks = make<MetricLike>(client.Counter, 'acks_total', 'xDS responses ACKed.', ['type']);
  const nacks = make<MetricLike>(client.Counter, 'nacks_total', 'xDS responses NACKed.', ['type']);
  const latency = make<MetricLike>(client.Histogram, 'push_ack_seconds', 'Time from an xDS response to its ACK or NACK.', ['type'], {
    buckets: [...(options.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])],
  });
  const type = (typeUrl: string) => ({ type: typeNameOfUrl(typeUrl) });
  return {
    onStreamOpen: (s) => streams.inc?.({ kind: s.kind }),
    onStreamClosed: (s) => streams.dec?.({ kind: s.kind }),
    onRequest: (e) => requests.inc?.(type(e.typeUrl)),
    onResponse: (e) => {
      pushes.inc?.(type(e.typeUrl));
      bytes.inc?.(type(e.typeUrl), e.bytes);
    },
    onAck: (e) => {
      acks.inc?.(type(e.typeUrl));
      latency.observe?.(type(e.typeUrl), e.latencyMs / 1000);
    },
    onNack: (e) => {
      nacks.inc?.(type(e.typeUrl));
      latency.observe?.(type(e.typeUrl), e.latencyMs / 1000);
    },
  };
}
