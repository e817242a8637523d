/**
 * Bootstraps: the file Envoy starts with — node identity, admin, static resources, dynamic
 * resources over ADS (SotW or delta), layered runtime, overload manager. Enough to start an Envoy
 * against an xdskit control plane.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto
 */
import type { Bootstrap, Bootstrap_StaticResources } from '../gen/envoy/config/bootstrap/v3/bootstrap.js';
import type { Cluster } from '../gen/envoy/config/cluster/v3/cluster.js';
import type { Listener } from '../gen/envoy/config/listener/v3/listener.js';
import type { OverloadManager } from '../gen/envoy/config/overload/v3/overload.js';
import type { Secret } from '../gen/envoy/extensions/transport_sockets/tls/v3/secret.js';
import { pack, type MessageOf } from '../registry/codec.js';
import { MessageBuilder, deepCopy, duplicate, packConfig, push, takeMessage, typed, type Props, type TypedConfig } from './builder.js';
import { toAddress, type AddressInput } from './address.js';
import { AccessLog, type AccessLogMessage } from './common.js';
import { ConfigSource, apiConfigSource, type ConfigSourceMessage } from './config-source.js';
import { ClusterBuilder, cluster } from './cluster.js';
import { parseDuration, type DurationInput } from './duration.js';
import { ListenerBuilder } from './listener.js';
import { SecretBuilder } from './tls.js';

export type { Bootstrap };

/** A static resource of the kind `K` (`listeners`, `clusters`, `secrets`). */
type StaticOf<K extends 'listeners' | 'clusters' | 'secrets'> = NonNullable<Bootstrap_StaticResources[K]>[number];

/** The name of Envoy's internal listener bootstrap extension. */
export const INTERNAL_LISTENER_EXTENSION = 'envoy.bootstrap.internal_listener';

/** The node identity Envoy presents to the control plane. */
export interface NodeInput {
  /** Unique id of this Envoy (what the control plane keys snapshots by). */
  id: string;
  /** The service cluster this Envoy belongs to. */
  cluster?: string;
  /** Where it runs. */
  locality?: { region?: string; zone?: string; subZone?: string };
  /** Free-form metadata (a Struct). */
  metadata?: Record<string, unknown>;
}

/** Options of dynamic resources over ADS. */
export interface AdsOptions {
  /**
   * Use the incremental (delta) xDS protocol.
   * @default false (state of the world)
   */
  delta?: boolean;
  /**
   * Fetch listeners (LDS) over ADS.
   * @default true
   */
  lds?: boolean;
  /**
   * Fetch clusters (CDS) over ADS.
   * @default true
   */
  cds?: boolean;
  /**
   * Send the node only in the first request of the stream.
   * @default false
   */
  setNodeOnFirstMessageOnly?: boolean;
}

/** Options of the heap-based overload manager set by {@link BootstrapBuilder.heapLimit}. */
export interface HeapLimitOptions {
  /** Heap usage (0-1 of the limit) at which Envoy shrinks its heap. @default 0.95 */
  shrinkHeapAt?: number;
  /** Heap usage (0-1 of the limit) at which Envoy stops accepting requests. @default 0.98 */
  stopAcceptingRequestsAt?: number;
  /** How often resource monitors are sampled. @default "1s" (Envoy's default) */
  refreshInterval?: DurationInput;
}

/**
 * Builds a Bootstrap.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-bootstrap
 */
export class BootstrapBuilder extends MessageBuilder<Bootstrap> {
  private readonly names = { listeners: new Set<string>(), clusters: new Set<string>(), secrets: new Set<string>() };

  constructor() {
    super('envoy.config.bootstrap.v3.Bootstrap', {});
  }

  protected get label(): string {
    return 'bootstrap';
  }

  /**
   * The node identity (id, service cluster, locality, metadata).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-node
   */
  node(node: NodeInput | string): this {
    const n = typeof node === 'string' ? { id: node } : node;
    const out: NonNullable<Bootstrap['node']> = { id: n.id };
    if (n.cluster) out.cluster = n.cluster;
    if (n.locality) {
      out.locality = {};
      if (n.locality.region) out.locality.region = n.locality.region;
      if (n.locality.zone) out.locality.zone = n.locality.zone;
      if (n.locality.subZone) out.locality.subZone = n.locality.subZone;
    }
    if (n.metadata) out.metadata = deepCopy(n.metadata);
    this.draft.node = out;
    return this;
  }

  /**
   * The admin interface, on `address` (keep it on localhost), with an access log.
   * @default no admin interface; access log to stdout when an address is given
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-admin
   */
  admin(address: AddressInput, accessLog: AccessLogMessage | false = AccessLog.stdout()): this {
    this.draft.admin = { address: toAddress(address, 'admin.address'), ...(accessLog ? { accessLog: [deepCopy(accessLog)] } : {}) };
    return this;
  }

  /** Adds static resources of one kind, each name once. */
  private statics<K extends keyof BootstrapBuilder['names']>(
    kind: K,
    what: string,
    Builder: abstract new (...a: never[]) => MessageBuilder<StaticOf<K>>,
    items: (MessageBuilder<StaticOf<K>> | StaticOf<K>)[],
  ): this {
    for (const item of items) {
      const m = item instanceof Builder ? takeMessage(item) : deepCopy(item as StaticOf<K>);
      const name = m.name ?? '';
      if (this.names[kind].has(name)) duplicate(this.label, `static_resources.${kind}`, what, name);
      this.names[kind].add(name);
      const s = (this.draft.staticResources ??= {});
      (s[kind] as StaticOf<K>[] | undefined) = push(s[kind] as StaticOf<K>[] | undefined, m);
    }
    return this;
  }

  /**
   * Adds static listeners (a listener name used twice throws).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#envoy-v3-api-field-config-bootstrap-v3-bootstrap-staticresources-listeners
   */
  listeners(...listeners: (ListenerBuilder | Listener)[]): this {
    return this.statics('listeners', 'listener', ListenerBuilder, listeners);
  }

  /** Adds one static listener (see {@link listeners}). */
  listener(listener: ListenerBuilder | Listener): this {
    return this.listeners(listener);
  }

  /**
   * Adds static clusters (a cluster name used twice throws), e.g. the xDS server's
   * ({@link xdsCluster}).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#envoy-v3-api-field-config-bootstrap-v3-bootstrap-staticresources-clusters
   */
  clusters(...clusters: (ClusterBuilder | Cluster)[]): this {
    return this.statics('clusters', 'cluster', ClusterBuilder, clusters);
  }

  /** Adds one static cluster (see {@link clusters}). */
  cluster(cluster: ClusterBuilder | Cluster): this {
    return this.clusters(cluster);
  }

  /**
   * Adds static secrets (a secret name used twice throws).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#envoy-v3-api-field-config-bootstrap-v3-bootstrap-staticresources-secrets
   */
  secrets(...secrets: (SecretBuilder | Secret)[]): this {
    return this.statics('secrets', 'secret', SecretBuilder, secrets);
  }

  /** Adds one static secret (see {@link secrets}). */
  secret(secret: SecretBuilder | Secret): this {
    return this.secrets(secret);
  }

  /**
   * Fetches listeners and clusters (and through them routes, endpoints, secrets) over one ADS
   * stream to the cluster `clusterName` (add it with {@link clusters}, e.g. {@link xdsCluster}).
   * @default options SotW, with LDS and CDS over ADS
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-bootstrap-dynamicresources
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#aggregated-discovery-service
   */
  ads(clusterName: string, options: AdsOptions = {}): this {
    const d: NonNullable<Bootstrap['dynamicResources']> = {
      adsConfig: apiConfigSource(clusterName, { ads: true, delta: options.delta, setNodeOnFirstMessageOnly: options.setNodeOnFirstMessageOnly }),
    };
    if (options.lds !== false) d.ldsConfig = ConfigSource.ads();
    if (options.cds !== false) d.cdsConfig = ConfigSource.ads();
    this.draft.dynamicResources = d;
    return this;
  }

  /**
   * Fetches listeners from `source` (without ADS, or from another source than ADS).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#envoy-v3-api-field-config-bootstrap-v3-bootstrap-dynamicresources-lds-config
   */
  lds(source: ConfigSourceMessage): this {
    (this.draft.dynamicResources ??= {}).ldsConfig = deepCopy(source);
    return this;
  }

  /**
   * Fetches clusters from `source`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#envoy-v3-api-field-config-bootstrap-v3-bootstrap-dynamicresources-cds-config
   */
  cds(source: ConfigSourceMessage): this {
    (this.draft.dynamicResources ??= {}).cdsConfig = deepCopy(source);
    return this;
  }

  private layer(layer: NonNullable<NonNullable<Bootstrap['layeredRuntime']>['layers']>[number]): this {
    const lr = (this.draft.layeredRuntime ??= {});
    if (lr.layers?.some((l) => l.name === layer.name)) duplicate(this.label, 'layered_runtime.layers', 'runtime layer', layer.name ?? '');
    lr.layers = push(lr.layers, layer);
    return this;
  }

  /**
   * Adds a static runtime layer (`{ 'envoy.reloadable_features.x': false, 'overload.global_downstream_max_connections': 50000 }`).
   * Layers later in the list override earlier ones.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-runtimelayer
   */
  staticRuntime(name: string, values: Record<string, unknown>): this {
    return this.layer({ name, layerSpecifier: { $case: 'staticLayer', staticLayer: deepCopy(values) } });
  }

  /**
   * Adds a disk runtime layer read from `symlinkRoot` (plus `subdirectory`).
   * @default subdirectory none
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-runtimelayer-disklayer
   */
  diskRuntime(name: string, symlinkRoot: string, subdirectory?: string): this {
    return this.layer({ name, layerSpecifier: { $case: 'diskLayer', diskLayer: { symlinkRoot, ...(subdirectory ? { subdirectory } : {}) } } });
  }

  /**
   * Adds the admin runtime layer (values set with `/runtime_modify`); at most one.
   * @default name "admin"
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-runtimelayer-adminlayer
   */
  adminRuntime(name = 'admin'): this {
    return this.layer({ name, layerSpecifier: { $case: 'adminLayer', adminLayer: {} } });
  }

  /**
   * Adds a runtime layer served over RTDS (the Runtime resource `resourceName` from `source`).
   * @default source ConfigSource.ads()
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#config-bootstrap-v3-runtimelayer-rtdslayer
   */
  rtdsRuntime(name: string, resourceName: string, source: ConfigSourceMessage = ConfigSource.ads()): this {
    return this.layer({ name, layerSpecifier: { $case: 'rtdsLayer', rtdsLayer: { name: resourceName, rtdsConfig: deepCopy(source) } } });
  }

  /**
   * Adds a bootstrap extension: its name and typed config (a builder or {@link typed}). An
   * extension name used twice throws.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/bootstrap/v3/bootstrap.proto#envoy-v3-api-field-config-bootstrap-v3-bootstrap-bootstrap-extensions
   */
  bootstrapExtension(name: string, config: TypedConfig): this {
    const list = this.draft.bootstrapExtensions ?? [];
    if (list.some((e) => e.name === name)) duplicate(this.label, 'bootstrap_extensions', 'bootstrap extension', name);
    this.draft.bootstrapExtensions = [...list, { name, typedConfig: packConfig(config) }];
    return this;
  }

  /**
   * Enables internal listeners (`envoy.bootstrap.internal_listener`): listeners made with
   * `listener(name).internal()`, reached by clusters with `Address.internal(name)` endpoints.
   * @default options {} (Envoy's buffer size, 1 MiB)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/bootstrap/internal_listener/v3/internal_listener.proto
   */
  internalListener(options: MessageOf<'envoy.extensions.bootstrap.internal_listener.v3.InternalListener'> = {}): this {
    return this.bootstrapExtension(INTERNAL_LISTENER_EXTENSION, typed('envoy.extensions.bootstrap.internal_listener.v3.InternalListener', options));
  }

  /**
   * Sets the overload manager (resource monitors and the actions they trigger).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/overload/v3/overload.proto
   */
  overloadManager(manager: OverloadManager): this {
    this.draft.overloadManager = deepCopy(manager);
    return this;
  }

  /**
   * The usual overload protection: a fixed heap limit, shrinking the heap and then refusing
   * requests as usage approaches it.
   * @default shrink the heap at 95%, stop accepting requests at 98%
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/operations/overload_manager/overload_manager
   */
  heapLimit(maxHeapSizeBytes: number, options: HeapLimitOptions = {}): this {
    const monitor = 'envoy.resource_monitors.fixed_heap';
    const trigger = (value: number) => [{ name: monitor, triggerOneof: { $case: 'threshold' as const, threshold: { value } } }];
    return this.overloadManager({
      ...(options.refreshInterval !== undefined ? { refreshInterval: parseDuration(options.refreshInterval, 'overload_manager.refresh_interval') } : {}),
      resourceMonitors: [
        {
          name: monitor,
          configType: {
            $case: 'typedConfig',
            typedConfig: pack('envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig', { maxHeapSizeBytes: String(maxHeapSizeBytes) }),
          },
        },
      ],
      actions: [
        { name: 'envoy.overload_actions.shrink_heap', triggers: trigger(options.shrinkHeapAt ?? 0.95) },
        { name: 'envoy.overload_actions.stop_accepting_requests', triggers: trigger(options.stopAcceptingRequestsAt ?? 0.98) },
      ],
    });
  }
}

/**
 * A bootstrap.
 *
 * @example bootstrap().node({ id: 'edge-0', cluster: 'edge' }).admin('127.0.0.1:9901').ads('xds').cluster(xdsCluster('xds', 'xdskit:18000'))
 */
export function bootstrap(props?: Props<BootstrapBuilder>): BootstrapBuilder {
  return new BootstrapBuilder().props(props);
}

/**
 * The static cluster Envoy reaches its xDS server through: HTTP/2 (gRPC), STRICT_DNS for a
 * hostname, STATIC for an IP address.
 *
 * @example xdsCluster('xds', 'xdskit.control-plane:18000')
 */
export function xdsCluster(name: string, address: AddressInput): ClusterBuilder {
  const a = toAddress(address, 'load_assignment');
  const host = a.address?.$case === 'socketAddress' ? (a.address.socketAddress.address ?? '') : '';
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  const c = cluster(name).http2().endpoint(a);
  return isIp || a.address?.$case !== 'socketAddress' ? c : c.strictDns();
}
