/**
 * xdskit: the TypeScript toolkit for Envoy's xDS API.
 *
 * The generated Envoy API is exported by proto package (`envoy`, `xds`, `udpa`, `google`, and
 * `pgv` for protoc-gen-validate's `validate` package): message names repeat across packages, so
 * there are no flat type exports. Each capability is also its own entry point:
 * `xdskit/registry`, `xdskit/validate`, `xdskit/builders`, `xdskit/cache`, `xdskit/server`
 * (the gRPC server, not re-exported here so that importing xdskit does not load gRPC),
 * `xdskit/mesh` and `xdskit/vitest`.
 *
 * @module
 */
export { envoy, xds, udpa, google, validate as pgv, io, opencensus, opentelemetry } from './gen/namespaces.js';
export * from './registry/index.js';
export * from './validate/index.js';
export * from './builders/index.js';
export * from './cache/index.js';
export * from './mesh/index.js';
// Names two capabilities both export: the root picks one, the subpaths keep their own.
export type { SnapshotOptions } from './cache/index.js';
export type { SnapshotOptions as ValidateSnapshotOptions } from './validate/index.js';
