/**
 * `xdskit convert FILE [--type T] --to json|yaml|binary`: one format to another.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Exit, UsageError, formatFileProblem, parseArgs, type CliIo, type Command } from '../command.js';
import { encode, typeInfo } from '../../registry/codec.js';
import { toJson } from '../../registry/json.js';
import { loadEnvoyConfig, type LoadedConfig } from '../../registry/load.js';
import { resourceKindOf } from '../../registry/type-urls.js';
import { stringifyYaml } from '../../registry/yaml.js';
import { isXdsValidationError } from '../../registry/errors.js';

const usage = `usage: xdskit convert FILE [--type T] --to json|yaml|binary [--keys proto|json] [--out FILE] [--lenient]

Reads FILE (YAML, JSON, or binary with --type) and writes it in another format.
  --to json|yaml|binary  output format (binary: the encoded proto; a list of resources of
                         one type is written as a DiscoveryResponse)
  --type T               type of the root when it is a single resource or binary input
                         (full name, type URL, kind like "clusters", or "Cluster")
  --keys proto|json      key style: proto = snake_case (default for yaml), json = camelCase
                         (default for json)
  --out FILE             write there instead of standard output
  --lenient              unknown fields/enums and unknown @type become warnings`;

/** The document to write: the root message, or the resources grouped by kind. */
function document(loaded: LoadedConfig, keys: 'proto' | 'json'): unknown {
  if (loaded.root) return toJson(loaded.root.type, loaded.root.message, { keys });
  const out: Record<string, unknown[]> = {};
  for (const [typeUrl, list] of loaded.resources) {
    const kind = resourceKindOf(typeUrl);
    if (kind && loaded.kind === 'resources') out[kind] = list.map((m) => toJson(typeUrl, m, { keys }));
    else (out['resources'] ??= []).push(...list.map((m) => ({ '@type': typeUrl, ...(toJson(typeUrl, m, { keys }) as object) })));
  }
  return loaded.kind === 'resource_list' ? out['resources'] ?? [] : out;
}

function binary(loaded: LoadedConfig): Uint8Array {
  if (loaded.root) return encode(loaded.root.type, loaded.root.message);
  const types = [...loaded.resources.keys()];
  if (types.length !== 1) {
    throw new UsageError(`binary output needs one message; this file holds ${types.length} resource types (${types.join(', ')})`);
  }
  const typeUrl = types[0]!;
  const resources = loaded.resources.get(typeUrl)!.map((m) => ({ typeUrl, value: Buffer.from(encode(typeUrl, m)) }));
  return encode('envoy.service.discovery.v3.DiscoveryResponse', { typeUrl, resources });
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a config between YAML, JSON and binary protobuf',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { options, positional } = parseArgs(args, { to: 'string', type: 'string', keys: 'string', out: 'string', lenient: 'boolean' });
    if (positional.length !== 1) throw new UsageError('convert takes exactly one FILE');
    const to = options.to as string | undefined;
    if (to !== 'json' && to !== 'yaml' && to !== 'binary') throw new UsageError('--to must be json, yaml or binary');
    const keysOpt = options.keys as string | undefined;
    if (keysOpt !== undefined && keysOpt !== 'proto' && keysOpt !== 'json') throw new UsageError('--keys must be proto or json');
    const keys = (keysOpt ?? (to === 'json' ? 'json' : 'proto')) as 'proto' | 'json';
    const file = path.resolve(io.cwd, positional[0]!);
    let loaded: LoadedConfig;
    try {
      loaded = loadEnvoyConfig({ path: file }, { type: options.type as string | undefined, strict: !options.lenient });
      if (loaded.root) typeInfo(loaded.root.type);
    } catch (e) {
      if (!isXdsValidationError(e)) throw e;
      for (const p of e.problems) io.err(formatFileProblem(positional[0]!, p) + '\n');
      return Exit.usage;
    }
    for (const w of loaded.warnings) io.err(formatFileProblem(positional[0]!, w, true) + '\n');
    let output: string | Uint8Array;
    if (to === 'binary') output = binary(loaded);
    else {
      const doc = document(loaded, keys);
      output = to === 'json' ? JSON.stringify(doc, null, 2) + '\n' : stringifyYaml(doc);
    }
    if (options.out) fs.writeFileSync(path.resolve(io.cwd, options.out as string), output);
    else io.out(output);
    return Exit.ok;
  },
};

