/**
 * The references one resource makes to others, found anywhere inside it (Anys unpacked): the
 * route configurations an HCM loads by RDS, the clusters routes and filters send to, the
 * endpoints an EDS cluster loads, the secrets a TLS context loads by SDS, the extension
 * configs a filter loads by ECDS.
 *
 * Dispatch is by message type, never by filter name: the table below lists, per message type,
 * the fields that name a cluster.
 */
import { findMessageSchema, type FieldSchema, type MessageSchema } from '../registry/schema.js';
import { ancestor, fieldValue, walk, type Visit } from './semantic/walk.js';
import { at, oneof } from './semantic/util.js';
import { discoveryType } from './semantic/cluster.js';
import { Unpacker } from './unpack.js';

/** What a reference points at. */
export type ReferenceKind = 'cluster' | 'route' | 'scoped_routes' | 'endpoints' | 'secret' | 'extension_config';

/**
 * How the referenced resource is obtained: over xDS (`ads`, `api`, `self`), from a file
 * (`path`, never checked), from the bootstrap's static resources (`static`), or, for a cluster,
 * as the transport of a config source (`transport`: a bootstrap cluster).
 */
export type ReferenceSource = 'ads' | 'api' | 'self' | 'path' | 'static' | 'transport';

/** One reference from a resource to another. */
export interface Reference {
  kind: ReferenceKind;
  /** The referenced resource's name. */
  name: string;
  /** Where the name is written. */
  path: string;
  source: ReferenceSource;
}

/** The fields, per message type, that name a cluster (cluster_header and plugins excluded). */
export const CLUSTER_REFERENCE_FIELDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'envoy.config.route.v3.RouteAction': ['cluster'],
  'envoy.config.route.v3.WeightedCluster.ClusterWeight': ['name'],
  'envoy.config.route.v3.RouteAction.RequestMirrorPolicy': ['cluster'],
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy': ['cluster'],
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.WeightedCluster.ClusterWeight': ['name'],
  'envoy.config.core.v3.GrpcService.EnvoyGrpc': ['cluster_name'],
  'envoy.config.core.v3.HttpUri': ['cluster'],
  'envoy.config.core.v3.ApiConfigSource': ['cluster_names'],
  'envoy.config.trace.v3.ZipkinConfig': ['collector_cluster'],
  'envoy.config.trace.v3.DatadogConfig': ['collector_cluster'],
  'envoy.config.trace.v3.LightstepConfig': ['collector_cluster'],
  'envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig': ['cluster'],
  'envoy.extensions.clusters.aggregate.v3.ClusterConfig': ['clusters'],
  'envoy.extensions.filters.http.gcp_authn.v3.GcpAuthnFilterConfig': ['cluster'],
  'envoy.extensions.filters.network.dubbo_proxy.v3.RouteAction': ['cluster'],
  'envoy.extensions.filters.network.thrift_proxy.v3.RouteAction': ['cluster'],
  'envoy.extensions.filters.network.thrift_proxy.v3.RouteAction.RequestMirrorPolicy': ['cluster'],
  'envoy.extensions.filters.network.thrift_proxy.v3.WeightedCluster.ClusterWeight': ['name'],
  'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy.PrefixRoutes.Route': ['cluster'],
  'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy.PrefixRoutes.Route.ReadCommandPolicy': ['cluster'],
  'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy.PrefixRoutes.Route.RequestMirrorPolicy': ['cluster'],
  'envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig': ['cluster'],
  'envoy.extensions.filters.udp.udp_proxy.v3.Route': ['cluster'],
  'envoy.config.bootstrap.v3.ClusterManager': ['local_cluster_name'],
});

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const SCOPED_ROUTES = 'envoy.extensions.filters.network.http_connection_manager.v3.ScopedRoutes';
const SCOPED_ROUTE_CONFIGURATION = 'envoy.config.route.v3.ScopedRouteConfiguration';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const SDS_SECRET_CONFIG = 'envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig';
const API_CONFIG_SOURCE = 'envoy.config.core.v3.ApiConfigSource';
const FILTERS: readonly string[] = [
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  'envoy.config.listener.v3.Filter',
  'envoy.config.listener.v3.ListenerFilter',
];

const TARGETS = [...Object.keys(CLUSTER_REFERENCE_FIELDS), HCM, SCOPED_ROUTE_CONFIGURATION, CLUSTER, SDS_SECRET_CONFIG, ...FILTERS];

/** How a ConfigSource delivers: `ads`, `api`, `self`, `path`, or `static` when there is none. */
export function sourceOf(configSource: unknown): ReferenceSource {
  const c = (configSource as { configSourceSpecifier?: { $case?: string } } | undefined)?.configSourceSpecifier?.$case;
  switch (c) {
    case 'ads':
      return 'ads';
    case 'apiConfigSource':
      return 'api';
    case 'self':
      return 'self';
    case 'path':
    case 'pathConfigSource':
      return 'path';
    default:
      return configSource ? 'api' : 'static';
  }
}

/** The cluster-naming fields of a type, resolved against its schema once. */
const clusterFieldPlans = new Map<string, { name: string; field: FieldSchema; schema: MessageSchema }[]>();

function clusterFieldsOf(type: string): { name: string; field: FieldSchema; schema: MessageSchema }[] {
  let plan = clusterFieldPlans.get(type);
  if (plan) return plan;
  const schema = findMessageSchema(type);
  plan = [];
  for (const name of CLUSTER_REFERENCE_FIELDS[type] ?? []) {
    const field = schema?.fields.find((x) => x.name === name);
    if (schema && field) plan.push({ name, field, schema });
  }
  clusterFieldPlans.set(type, plan);
  return plan;
}

function clusterRefs(v: Visit, out: Reference[]): void {
  if (!(v.type in CLUSTER_REFERENCE_FIELDS)) return;
  const transport = v.type === API_CONFIG_SOURCE || ancestor(v, API_CONFIG_SOURCE) !== undefined;
  const source: ReferenceSource = transport ? 'transport' : 'api';
  for (const { name, field, schema } of clusterFieldsOf(v.type)) {
    const value = fieldValue(schema, field, v.message as Record<string, unknown>);
    if (Array.isArray(value)) {
      value.forEach((n, i) => typeof n === 'string' && n && out.push({ kind: 'cluster', name: n, path: `${at(v.path, name)}[${i}]`, source }));
    } else if (typeof value === 'string' && value) {
      out.push({ kind: 'cluster', name: value, path: at(v.path, name), source });
    }
  }
}

/**
 * Every reference `message` (of type `type`, at `path`) makes to another resource, at any
 * depth, in the order found.
 *
 * @param anys the Anys already unpacked by the other passes of the same validation call
 *   (`validateSnapshot` shares one per resource); a new one by default
 */
export function collectReferences(type: string, message: unknown, path: string, anys = new Unpacker()): Reference[] {
  const out: Reference[] = [];
  walk(
    type,
    message,
    path,
    (v) => {
      const m = v.message as Record<string, any>;
      switch (v.type) {
        case HCM: {
          const rds = oneof<{ routeConfigName?: string; configSource?: unknown }>(m.routeSpecifier, 'rds');
          if (rds?.routeConfigName) {
            out.push({ kind: 'route', name: rds.routeConfigName, path: at(v.path, 'rds.route_config_name'), source: sourceOf(rds.configSource) });
          }
          const scoped = oneof<{ name?: string; configSpecifier?: unknown; rdsConfigSource?: unknown }>(m.routeSpecifier, 'scopedRoutes');
          const srds = oneof<{ scopedRdsConfigSource?: unknown }>(scoped?.configSpecifier, 'scopedRds');
          if (scoped && srds) {
            out.push({ kind: 'scoped_routes', name: scoped.name ?? '', path: at(v.path, 'scoped_routes.scoped_rds'), source: sourceOf(srds.scopedRdsConfigSource) });
          }
          break;
        }
        case SCOPED_ROUTE_CONFIGURATION: {
          if (m.routeConfigurationName) {
            const holder = ancestor(v, SCOPED_ROUTES);
            const source = holder ? sourceOf((holder.message as { rdsConfigSource?: unknown }).rdsConfigSource) : 'api';
            out.push({ kind: 'route', name: m.routeConfigurationName, path: at(v.path, 'route_configuration_name'), source });
          }
          break;
        }
        case CLUSTER: {
          if (discoveryType(m) === 'EDS') {
            const eds = m.edsClusterConfig as { serviceName?: string; edsConfig?: unknown } | undefined;
            const name = eds?.serviceName || m.name || '';
            if (name) out.push({ kind: 'endpoints', name, path: eds?.serviceName ? at(v.path, 'eds_cluster_config.service_name') : at(v.path, 'name'), source: eds?.edsConfig ? sourceOf(eds.edsConfig) : 'api' });
          }
          break;
        }
        case SDS_SECRET_CONFIG:
          if (m.name) out.push({ kind: 'secret', name: m.name, path: at(v.path, 'name'), source: sourceOf(m.sdsConfig) });
          break;
        default:
          if (FILTERS.includes(v.type)) {
            const d = oneof<{ configSource?: unknown }>(m.configType, 'configDiscovery');
            if (d && m.name) out.push({ kind: 'extension_config', name: m.name, path: at(v.path, 'name'), source: sourceOf(d.configSource) });
          }
          break;
      }
      clusterRefs(v, out);
    },
    TARGETS,
    anys,
  );
  return out;
}
