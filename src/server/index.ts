/**
 * The xDS server on `@grpc/grpc-js`: ADS and the per-type discovery services, state of the
 * world and delta, CSDS, status, events, ordering, TLS/mTLS with node authorisation, and
 * optional Prometheus metrics.
 *
 * @module
 */
export { createXdsServer, type XdsServer, type XdsServerOptions, type XdsServerStats } from './server.js';
export type { StreamLimits } from './stream.js';
export { EVENT_NAMES, type XdsServerEvents, type StreamInfo, type StreamKind, type RequestEvent, type ResponseEvent, type AckEvent, type NackEvent } from './events.js';
export type { NodeStatus, TypeStatus, NackStatus } from './status.js';
export { ADS_ORDER, FULL_STATE_TYPES, orderRank, compareTypeOrder, type OrderingOptions } from './ordering.js';
export { STAGED_VERSION_SUFFIX } from './sotw-stream.js';
export {
  serverCredentials,
  spiffeNodeAuthorizer,
  subjectAltNames,
  peerOf,
  type ServerTlsOptions,
  type Peer,
  type AuthorizeNode,
  type AuthorizeResult,
} from './auth.js';
export { clientStatus, type AuthorizeCsds } from './csds.js';
export { xdsMetrics, type MetricsOptions, type PromClientLike, type PromRegistryLike } from './metrics.js';
export {
  readResourceTree,
  resourcesForNode,
  validateResources,
  watchConfig,
  byType,
  formatFileProblem,
  ConfigReadError,
  type ResourceTree,
  type FileResource,
  type FileProblem,
} from './files.js';
export * from './wire.js';
export * from './services.js';
export { serveFiles, type FileServer, type FileServerOptions, type ReloadResult } from './file-server.js';
