/**
 * Small values shared by the builders: string matchers, header mutations, metadata, percents,
 * data sources, access logs, enum names.
 */
import type { AccessLog as AccessLogMessage } from '../gen/envoy/config/accesslog/v3/accesslog.js';
import { HeaderValueOption_HeaderAppendAction, type HeaderValueOption } from '../gen/envoy/config/core/v3/base.js';
import type { DataSource as DataSourceMessage, Metadata, RuntimeFractionalPercent } from '../gen/envoy/config/core/v3/base.js';
import type { StringMatcher } from '../gen/envoy/type/matcher/v3/string.js';
import type { HeaderMatcher } from '../gen/envoy/config/route/v3/route_components.js';
import { FractionalPercent_DenominatorType, type FractionalPercent } from '../gen/envoy/type/v3/percent.js';
import { deepCopy, fail, packConfig, typed, type TypedConfig } from './builder.js';

export type { StringMatcher, HeaderMatcher, HeaderValueOption, Metadata, FractionalPercent, AccessLogMessage, DataSourceMessage };

/** The names of a numeric TS enum (`'STRICT_DNS' | 'EDS' | ...`). */
export type EnumName<E> = Exclude<keyof E, number>;

/**
 * The number of an enum value given by name or number; throws naming the allowed names.
 */
export function enumValue<E extends Record<string, string | number>>(e: E, input: EnumName<E> | E[keyof E] | string, what: string, path = ''): E[keyof E] {
  const table = e as Record<string | number, string | number>;
  if (typeof input === 'number') {
    if (table[input] !== undefined) return input as E[keyof E];
  } else if (typeof table[input as string] === 'number') {
    return table[input as string] as E[keyof E];
  }
  const names = Object.keys(e).filter((k) => Number.isNaN(Number(k)));
  return fail({ path, rule: 'enum', message: `unknown ${what} ${JSON.stringify(input)}: expected one of ${names.join(', ')}`, value: input });
}

/** Options of a string matcher. */
export interface MatchOptions {
  /**
   * Match regardless of case (not for `regex`).
   * @default false
   */
  ignoreCase?: boolean;
}

/**
 * Static factories for StringMatcher messages (header, query, SAN, CORS origin matching).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/string.proto
 * @example Match.prefix('/api'); Match.regex('^/v[0-9]+/'); Match.exact('a.example.com', { ignoreCase: true })
 */
export const Match = Object.freeze({
  /** Equal to `value`. */
  exact: (value: string, options?: MatchOptions): StringMatcher => withCase({ matchPattern: { $case: 'exact', exact: value } }, options),
  /** Starts with `value`. */
  prefix: (value: string, options?: MatchOptions): StringMatcher => withCase({ matchPattern: { $case: 'prefix', prefix: value } }, options),
  /** Ends with `value`. */
  suffix: (value: string, options?: MatchOptions): StringMatcher => withCase({ matchPattern: { $case: 'suffix', suffix: value } }, options),
  /** Contains `value`. */
  contains: (value: string, options?: MatchOptions): StringMatcher => withCase({ matchPattern: { $case: 'contains', contains: value } }, options),
  /** Matches the RE2 regular expression `regex` (the whole value). */
  regex: (regex: string): StringMatcher => ({ matchPattern: { $case: 'safeRegex', safeRegex: { regex } } }),
});

function withCase(m: StringMatcher, options?: MatchOptions): StringMatcher {
  if (options?.ignoreCase) m.ignoreCase = true;
  return m;
}

/** A string matcher as builders accept it: a StringMatcher message, or a string for an exact match. */
export type StringMatchInput = string | StringMatcher;

/** A StringMatcher from a string (exact) or a message (copied). */
export function toStringMatcher(input: StringMatchInput): StringMatcher {
  return typeof input === 'string' ? Match.exact(input) : deepCopy(input);
}

/**
 * What to do when a header being added already exists.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#envoy-v3-api-enum-config-core-v3-headervalueoption-headerappendaction
 */
export type AppendAction = EnumName<typeof HeaderValueOption_HeaderAppendAction>;

/**
 * A header to add: `{ key, value }` with `append` the action on an existing header.
 *
 * @default append "APPEND_IF_EXISTS_OR_ADD" (Envoy's default)
 */
export function headerValue(key: string, value: string, append?: AppendAction): HeaderValueOption {
  const h: HeaderValueOption = { header: { key, value } };
  if (append !== undefined && append !== 'APPEND_IF_EXISTS_OR_ADD') {
    h.appendAction = enumValue(HeaderValueOption_HeaderAppendAction, append, 'append action');
  }
  return h;
}

/**
 * Headers to add as builders accept them: a record (`{ 'x-env': 'prod' }`, each appended), or a
 * list of HeaderValueOption messages.
 */
export type HeadersInput = Record<string, string> | HeaderValueOption[];

/** HeaderValueOption messages from a {@link HeadersInput}, with `append` for record entries. */
export function toHeaders(input: HeadersInput, append?: AppendAction): HeaderValueOption[] {
  if (Array.isArray(input)) return deepCopy(input);
  return Object.entries(input).map(([k, v]) => headerValue(k, v, append));
}

/**
 * A Metadata message from `{ filterName: { key: value } }` (filter_metadata), e.g.
 * `{ 'envoy.lb': { canary: true } }`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-metadata
 */
export function toMetadata(input: Record<string, Record<string, unknown>> | Metadata): Metadata {
  if ('filterMetadata' in input || 'typedFilterMetadata' in input) return deepCopy(input as Metadata);
  return { filterMetadata: deepCopy(input as Record<string, Record<string, unknown>>) };
}

/** Merges filter metadata into an existing Metadata message (new keys of a filter win). */
export function mergeMetadata(into: Metadata | undefined, add: Record<string, Record<string, unknown>> | Metadata): Metadata {
  const m = into ?? {};
  const a = toMetadata(add);
  if (a.filterMetadata) {
    m.filterMetadata ??= {};
    for (const [k, v] of Object.entries(a.filterMetadata)) m.filterMetadata[k] = { ...(m.filterMetadata[k] ?? {}), ...v };
  }
  if (a.typedFilterMetadata) m.typedFilterMetadata = { ...(m.typedFilterMetadata ?? {}), ...a.typedFilterMetadata };
  return m;
}

/**
 * A FractionalPercent from a percentage (`25` → 25/100, `0.5` → 5000/1000000), or the message.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/percent.proto#type-v3-fractionalpercent
 */
export function toFractionalPercent(percent: number | FractionalPercent, path = ''): FractionalPercent {
  if (typeof percent !== 'number') return { ...percent };
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    fail({ path, rule: 'percent', message: `invalid percentage ${percent}: expected a number from 0 to 100`, value: percent });
  }
  if (Number.isInteger(percent)) return percent === 0 ? { numerator: 0 } : { numerator: percent };
  const tenThousandths = percent * 100;
  if (Math.abs(tenThousandths - Math.round(tenThousandths)) < 1e-9) {
    return { numerator: Math.round(tenThousandths), denominator: FractionalPercent_DenominatorType.TEN_THOUSAND };
  }
  return { numerator: Math.round(percent * 10_000), denominator: FractionalPercent_DenominatorType.MILLION };
}

/**
 * A RuntimeFractionalPercent: `percent` by default, overridable by the runtime key.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-runtimefractionalpercent
 */
export function runtimeFraction(percent: number | FractionalPercent, runtimeKey?: string): RuntimeFractionalPercent {
  const r: RuntimeFractionalPercent = { defaultValue: toFractionalPercent(percent) };
  if (runtimeKey) r.runtimeKey = runtimeKey;
  return r;
}

/**
 * Static factories for DataSource messages (certificates, keys, Lua code, bodies).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/base.proto#config-core-v3-datasource
 */
export const DataSource = Object.freeze({
  /** Read from a file on the Envoy host. */
  file: (filename: string): DataSourceMessage => ({ specifier: { $case: 'filename', filename } }),
  /** Inline text (a PEM certificate, Lua code, a response body). */
  inline: (text: string): DataSourceMessage => ({ specifier: { $case: 'inlineString', inlineString: text } }),
  /** Inline bytes. */
  bytes: (bytes: Uint8Array): DataSourceMessage => ({ specifier: { $case: 'inlineBytes', inlineBytes: Buffer.from(bytes) } }),
  /** The value of an environment variable of the Envoy process. */
  env: (name: string): DataSourceMessage => ({ specifier: { $case: 'environmentVariable', environmentVariable: name } }),
});

/**
 * A data source as builders accept it: a DataSource message, `{ file }`, `{ inline }`, `{ env }`,
 * or a string — a path when it starts with `/` or `.`, inline text otherwise (PEM blocks).
 */
export type DataSourceInput = string | { file: string } | { inline: string } | { env: string } | DataSourceMessage;

/**
 * A DataSource message for text (Lua code, a response body): a string is always inline text,
 * never a path; other inputs as {@link toDataSource}.
 */
export function toTextSource(input: DataSourceInput): DataSourceMessage {
  return typeof input === 'string' ? DataSource.inline(input) : toDataSource(input);
}

/** A DataSource message from a {@link DataSourceInput}. */
export function toDataSource(input: DataSourceInput): DataSourceMessage {
  if (typeof input === 'string') return input.startsWith('/') || input.startsWith('./') || input.startsWith('../') ? DataSource.file(input) : DataSource.inline(input);
  if ('file' in input) return DataSource.file(input.file);
  if ('inline' in input) return DataSource.inline(input.inline);
  if ('env' in input) return DataSource.env(input.env);
  return deepCopy(input);
}

/**
 * Static factories for AccessLog messages (HCM, TCP proxy, listener access logs).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/accesslog/v3/accesslog.proto
 */
export const AccessLog = Object.freeze({
  /**
   * To the Envoy process's standard output, in Envoy's default format or the text `format`
   * (a format string such as `"[%START_TIME%] %REQ(:METHOD)% %RESPONSE_CODE%\n"`).
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/access_loggers/stream/v3/stream.proto
   */
  stdout: (format?: string): AccessLogMessage =>
    accessLog('envoy.access_loggers.stdout', typed('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', format === undefined ? {} : { accessLogFormat: logFormat(format) })),
  /**
   * To standard error.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/access_loggers/stream/v3/stream.proto
   */
  stderr: (format?: string): AccessLogMessage =>
    accessLog('envoy.access_loggers.stderr', typed('envoy.extensions.access_loggers.stream.v3.StderrAccessLog', format === undefined ? {} : { accessLogFormat: logFormat(format) })),
  /**
   * To a file, in Envoy's default format or the text `format`.
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/access_loggers/file/v3/file.proto
   */
  file: (path: string, format?: string): AccessLogMessage =>
    accessLog('envoy.access_loggers.file', typed('envoy.extensions.access_loggers.file.v3.FileAccessLog', format === undefined ? { path } : { path, accessLogFormat: logFormat(format) })),
  /** Any access logger: its extension name and typed config (a builder or {@link typed}). */
  custom: (name: string, config: TypedConfig): AccessLogMessage => accessLog(name, config),
});

function logFormat(format: string) {
  return {
    $case: 'logFormat' as const,
    logFormat: { format: { $case: 'textFormatSource' as const, textFormatSource: DataSource.inline(format) } },
  };
}

function accessLog(name: string, config: TypedConfig): AccessLogMessage {
  return { name, configType: { $case: 'typedConfig', typedConfig: packConfig(config) } };
}

/**
 * How a header is matched, as builders accept it: a string (exact value), a StringMatcher
 * (`Match.prefix('Bearer ')`), `true` (present), `false` (absent), or `{ range: [start, end] }`
 * (an integer value in `[start, end)`).
 */
export type HeaderMatchInput = string | StringMatcher | boolean | { range: [number | string, number | string] };

/**
 * A HeaderMatcher for header `name` (`invert` negates the match).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-headermatcher
 */
export function toHeaderMatcher(name: string, match: HeaderMatchInput, invert = false): HeaderMatcher {
  const h: HeaderMatcher = { name };
  if (typeof match === 'boolean') {
    h.headerMatchSpecifier = { $case: 'presentMatch', presentMatch: match };
  } else if (typeof match === 'object' && 'range' in match) {
    h.headerMatchSpecifier = { $case: 'rangeMatch', rangeMatch: { start: String(match.range[0]), end: String(match.range[1]) } };
  } else {
    h.headerMatchSpecifier = { $case: 'stringMatch', stringMatch: toStringMatcher(match) };
  }
  if (invert) h.invertMatch = true;
  return h;
}
