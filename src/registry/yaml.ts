/**
 * Envoy YAML: the proto3 JSON mapping written as YAML, snake_case keys by default.
 *
 * Integers are read exactly (64-bit values never pass through a float), merge keys (`<<`) and
 * anchors work, and a key repeated in one mapping is an error, as in Envoy.
 */
import YAML from 'yaml';
import { XdsValidationError } from './errors.js';
import { fromJson, toJson, type ReadOptions, type WriteOptions } from './json.js';
import type { MessageOf, TypeRef } from './codec.js';

/** Parses YAML text into plain data (objects, lists, strings, bigints for integers). */
export function parseYaml(text: string, path = ''): unknown {
  const doc = YAML.parseDocument(text, { intAsBigInt: true, merge: true, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new XdsValidationError(
      doc.errors.map((e) => ({ path, rule: 'yaml', message: e.message.split('\n')[0]!.toLowerCase() })),
      `invalid yaml${path ? ` in ${path}` : ''}`,
    );
  }
  return doc.toJS({ maxAliasCount: 10000 });
}

/**
 * Reads an Envoy YAML document into a message of the given type.
 *
 * @example fromYaml('envoy.config.cluster.v3.Cluster', 'name: api\nconnect_timeout: 1s')
 */
export function fromYaml<R extends TypeRef>(type: R, text: string, options: ReadOptions = {}): MessageOf<R> {
  return fromJson(type, parseYaml(text, options.path), options);
}

/** Writes a message as Envoy YAML (snake_case keys unless `keys: 'json'`). */
export function toYaml<R extends TypeRef>(type: R, message: MessageOf<R>, options: WriteOptions = {}): string {
  return stringifyYaml(toJson(type, message, { keys: options.keys ?? 'proto' }));
}

/** Writes plain data as YAML the way xdskit writes every file: no line folding. */
export function stringifyYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
