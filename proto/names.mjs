// Property names as ts-proto writes them (its `snakeToCamel=keys` default), taken from ts-proto
// itself so that the runtime schema can never disagree with the generated types.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { maybeSnakeToCamel } = require('ts-proto/build/case.js');
const options = { snakeToCamel: ['keys', 'json'] };

/** The TypeScript property name ts-proto gives a proto field or oneof named `name`. */
export function snakeToCamelTsProto(name) {
  return maybeSnakeToCamel(name, options);
}
