/**
 * Names of the protobuf well-known types whose TypeScript shape or JSON form is special.
 *
 * ts-proto gives wrappers (`UInt32Value`...) as bare primitives, Struct/Value/ListValue as plain
 * JSON, FieldMask as a list of paths; proto3 JSON writes Duration and Timestamp as strings.
 */

/** Wrapper types → the scalar kind they wrap. */
export const WRAPPERS: Readonly<Record<string, string>> = Object.freeze({
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
});

export const ANY = 'google.protobuf.Any';
export const DURATION = 'google.protobuf.Duration';
export const TIMESTAMP = 'google.protobuf.Timestamp';
export const STRUCT = 'google.protobuf.Struct';
export const VALUE = 'google.protobuf.Value';
export const LIST_VALUE = 'google.protobuf.ListValue';
export const FIELD_MASK = 'google.protobuf.FieldMask';
export const EMPTY = 'google.protobuf.Empty';
export const NULL_VALUE = 'google.protobuf.NullValue';

/** Struct, Value and ListValue: plain JSON in TypeScript. */
export const STRUCT_TYPES: ReadonlySet<string> = new Set([STRUCT, VALUE, LIST_VALUE]);
