/**
 * xdskit: the TypeScript toolkit for Envoy's xDS API.
 *
 * The generated Envoy API is exported by proto package (`envoy`, `xds`, `udpa`, `google`,
 * `validate`): message names repeat across packages, so there are no flat type exports.
 *
 * @module
 */
export * as envoy from './gen/index.envoy.js';
export * as xds from './gen/index.xds.js';
export * as udpa from './gen/index.udpa.js';
export * as google from './gen/index.google.js';
export * as validate from './gen/index.validate.js';
export * as io from './gen/index.io.js';
export * as opencensus from './gen/index.opencensus.js';
export * as opentelemetry from './gen/index.opentelemetry.js';
export * from './registry/index.js';
