/**
 * The compiled `(validate.rules)` of protoc-gen-validate: one check per field, shared by the
 * fast validator (`validateFields`) and the zod schemas (`schemaFor`).
 *
 * @module
 */
export * from './types.js';
export * from './string.js';
export * from './number.js';
export * from './time.js';
export * from './field.js';
export * from './range.js';
