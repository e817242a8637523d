/**
 * The xDS server on `@grpc/grpc-js`: ADS and the per-type discovery services, state of the
 * world and delta, CSDS, status and events.
 *
 * @module
 */
export * from './wire.js';
export * from './services.js';
