/**
 * The type registry and codecs: type URLs, encode/decode, Any pack/unpack, proto3 JSON with
 * `@type`, Envoy YAML, resource names and config loading.
 *
 * @module
 */
export * from './errors.js';
export * from './type-urls.js';
export * from './codec.js';
export * from './json.js';
export * from './yaml.js';
export {
  findMessageSchema,
  findEnumSchema,
  messageSchema,
  messageNames,
  enumNames,
  type FieldSchema,
  type MessageSchema,
  type EnumSchema,
  type OneofSchema,
  type ScalarKind,
} from './schema.js';
export * from './load.js';
export * from './duration.js';
export { WRAPPERS as WRAPPER_TYPES } from './well-known.js';
