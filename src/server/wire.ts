/**
 * The bytes of xDS responses, written around resources that are already encoded.
 *
 * A control plane serving many clients sends the same resource to every one of them. xdskit's
 * store encodes each distinct resource once (its canonical bytes); this module writes the
 * `DiscoveryResponse` / `DeltaDiscoveryResponse` framing around those bytes — the `Any`
 * (`type_url`, `value`), the delta `Resource` envelope (`name`, `version`, `resource`, `ttl`)
 * and the response fields (`version_info`, `nonce`, `type_url`...) — with protobufjs' `Writer`.
 * The resources themselves are never re-encoded, whatever the number of streams: a response
 * costs one memory copy of each resource's bytes, not a walk of its message tree.
 *
 * Field numbers are read from the schema of the generated API (not hard-coded), so the framing
 * follows `envoy/service/discovery/v3/discovery.proto` and `google/protobuf/any.proto`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/service/discovery/v3/discovery.proto
 */
import protobuf from 'protobufjs/minimal.js';
import { decode } from '../registry/codec.js';
import { findMessageSchema } from '../registry/schema.js';
import { TYPE_URL_PREFIX } from '../registry/type-urls.js';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery.js';
import type { Duration } from '../gen/google/protobuf/duration.js';

const { Writer } = protobuf;
type Writer = protobuf.Writer;

/** Wire type of a length-delimited field (strings, bytes, messages). */
const LDELIM = 2;
/** Wire type of a varint field (bools, ints). */
const VARINT = 0;

/** The field numbers of one message, by proto (snake_case) name, read from the schema. */
function fieldNumbers<const K extends string>(fullName: string, names: readonly K[]): Record<K, number> {
  const schema = findMessageSchema(fullName);
  if (!schema) throw new Error(`xdskit server: ${fullName} is not in the generated schema`);
  const out = {} as Record<K, number>;
  for (const n of names) {
    const f = schema.fields.find((x) => x.name === n);
    if (!f) throw new Error(`xdskit server: ${fullName} has no field ${n}`);
    out[n] = f.no;
  }
  return out;
}

let numbers:
  | {
      any: Record<'type_url' | 'value', number>;
      duration: Record<'seconds' | 'nanos', number>;
      controlPlane: Record<'identifier', number>;
      response: Record<'version_info' | 'resources' | 'canary' | 'type_url' | 'nonce' | 'control_plane', number>;
      delta: Record<'system_version_info' | 'resources' | 'type_url' | 'removed_resources' | 'nonce' | 'control_plane', number>;
      resource: Record<'name' | 'aliases' | 'version' | 'resource' | 'ttl', number>;
    }
  | undefined;

/** Field numbers, resolved once from the schema on first use. */
function fields(): NonNullable<typeof numbers> {
  numbers ??= {
    any: fieldNumbers('google.protobuf.Any', ['type_url', 'value']),
    duration: fieldNumbers('google.protobuf.Duration', ['seconds', 'nanos']),
    controlPlane: fieldNumbers('envoy.config.core.v3.ControlPlane', ['identifier']),
    response: fieldNumbers('envoy.service.discovery.v3.DiscoveryResponse', ['version_info', 'resources', 'canary', 'type_url', 'nonce', 'control_plane']),
    delta: fieldNumbers('envoy.service.discovery.v3.DeltaDiscoveryResponse', ['system_version_info', 'resources', 'type_url', 'removed_resources', 'nonce', 'control_plane']),
    resource: fieldNumbers('envoy.service.discovery.v3.Resource', ['name', 'aliases', 'version', 'resource', 'ttl']),
  };
  return numbers;
}

/** The type URL of the `discovery.v3.Resource` envelope (SotW resources with a TTL). */
export const RESOURCE_ENVELOPE_TYPE_URL = `${TYPE_URL_PREFIX}envoy.service.discovery.v3.Resource`;

/**
 * One resource as the server sends it: its xDS name, its version and its encoded bytes.
 *
 * `bytes` is the canonical encoding of the resource message itself (a `Cluster`, not an `Any`),
 * as the store computed it once; `version` is its content hash (the delta `Resource.version`).
 */
export interface WireResource {
  /** The xDS resource name (`name`, or `cluster_name` for a ClusterLoadAssignment). */
  readonly name: string;
  /** The resource version: its content hash in xdskit's store. */
  readonly version: string;
  /** The canonical encoding of the resource message (not wrapped in an Any). */
  readonly bytes: Uint8Array;
  /**
   * Time to live: the client drops the resource when no update or heartbeat arrives within it.
   *
   * In SotW the resource is then wrapped in a `discovery.v3.Resource` (the only way SotW can
   * carry a TTL); in delta the TTL is a field of the `Resource` every delta response uses.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
   * @default undefined (no TTL)
   */
  readonly ttl?: Duration;
  /**
   * A heartbeat: the envelope is sent without the resource, which refreshes the client's TTL
   * without re-sending the content.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
   * @default false
   */
  readonly heartbeat?: boolean;
  /**
   * Delta only: `Resource.aliases`, the other names the resource goes by (VHDS: the
   * `<rc name>/<host>` aliases the client subscribed to that resolved to this virtual host).
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-names
   * @default undefined (none)
   */
  readonly aliases?: readonly string[];
  /**
   * Delta only: the `Resource` has no `resource` field. VHDS answers an alias no virtual host
   * matches this way, with `name` and `aliases` set to the alias.
   *
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds#subscribing-to-resources
   * @default false
   */
  readonly absent?: boolean;
}

/** A state-of-the-world `DiscoveryResponse` before framing. */
export interface SotwResponse {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly resources: readonly WireResource[];
  /** `control_plane.identifier`, so a client's config dump says who served it. @default undefined */
  readonly controlPlane?: string;
}

/** A `DeltaDiscoveryResponse` before framing. */
export interface DeltaResponse {
  readonly typeUrl: string;
  readonly systemVersionInfo: string;
  readonly nonce: string;
  readonly resources: readonly WireResource[];
  /** Names the client holds that no longer exist (or that it may drop). */
  readonly removed: readonly string[];
  /** `control_plane.identifier`. @default undefined */
  readonly controlPlane?: string;
}

function tag(w: Writer, no: number, wireType: number): Writer {
  return w.uint32((no << 3) | wireType);
}

function str(w: Writer, no: number, value: string | undefined): void {
  if (value) tag(w, no, LDELIM).string(value);
}

function writeAny(w: Writer, no: number, typeUrl: string, bytes: Uint8Array): void {
  const f = fields().any;
  tag(w, no, LDELIM).fork();
  str(w, f.type_url, typeUrl);
  if (bytes.length) tag(w, f.value, LDELIM).bytes(bytes);
  w.ldelim();
}

function writeDuration(w: Writer, no: number, d: Duration): void {
  const f = fields().duration;
  tag(w, no, LDELIM).fork();
  const seconds = Number(d.seconds ?? 0);
  if (seconds) tag(w, f.seconds, VARINT).int64(seconds);
  if (d.nanos) tag(w, f.nanos, VARINT).int32(d.nanos);
  w.ldelim();
}

function writeControlPlane(w: Writer, no: number, identifier: string | undefined): void {
  if (!identifier) return;
  tag(w, no, LDELIM).fork();
  str(w, fields().controlPlane.identifier, identifier);
  w.ldelim();
}

/** The body of a `discovery.v3.Resource` envelope (without its own tag and length). */
function writeEnvelopeBody(w: Writer, typeUrl: string, r: WireResource): void {
  const f = fields().resource;
  str(w, f.name, r.name);
  if (r.aliases) for (const a of r.aliases) tag(w, f.aliases, LDELIM).string(a);
  str(w, f.version, r.version);
  if (!r.heartbeat && !r.absent) writeAny(w, f.resource, typeUrl, r.bytes);
  if (r.ttl) writeDuration(w, f.ttl, r.ttl);
}

function finish(w: Writer): Buffer {
  const u8 = w.finish();
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/**
 * Writes a `DiscoveryResponse` around pre-encoded resources.
 *
 * Each resource becomes an `Any` of the response's type URL whose `value` is the resource's
 * bytes, copied as they are. A resource with a TTL (or a heartbeat) is wrapped in a
 * `discovery.v3.Resource` envelope, itself in an `Any`, as the protocol's TTL section requires
 * for SotW.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ttl
 */
export function encodeDiscoveryResponse(r: SotwResponse): Buffer {
  const f = fields().response;
  const w = Writer.create();
  str(w, f.version_info, r.versionInfo);
  for (const res of r.resources) {
    if (res.ttl || res.heartbeat) {
      tag(w, f.resources, LDELIM).fork();
      str(w, fields().any.type_url, RESOURCE_ENVELOPE_TYPE_URL);
      tag(w, fields().any.value, LDELIM).fork();
      writeEnvelopeBody(w, r.typeUrl, res);
      w.ldelim();
      w.ldelim();
    } else {
      writeAny(w, f.resources, r.typeUrl, res.bytes);
    }
  }
  str(w, f.type_url, r.typeUrl);
  str(w, f.nonce, r.nonce);
  writeControlPlane(w, f.control_plane, r.controlPlane);
  return finish(w);
}

/**
 * Writes a `DeltaDiscoveryResponse` around pre-encoded resources.
 *
 * Every resource goes in a `discovery.v3.Resource` with its `name` and `version` (the content
 * hash the client echoes back in `initial_resource_versions` on reconnect), its bytes as the
 * `value` of the inner `Any`, its TTL if it has one, and its `aliases` (VHDS) if it has any; a
 * resource marked `absent` (a VHDS alias nothing matches) goes without the `resource` field.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#incremental-xds
 */
export function encodeDeltaDiscoveryResponse(r: DeltaResponse): Buffer {
  const f = fields().delta;
  const w = Writer.create();
  str(w, f.system_version_info, r.systemVersionInfo);
  for (const res of r.resources) {
    tag(w, f.resources, LDELIM).fork();
    writeEnvelopeBody(w, r.typeUrl, res);
    w.ldelim();
  }
  str(w, f.type_url, r.typeUrl);
  str(w, f.nonce, r.nonce);
  for (const name of r.removed) tag(w, f.removed_resources, LDELIM).string(name);
  writeControlPlane(w, f.control_plane, r.controlPlane);
  return finish(w);
}

/**
 * A request the server could not decode: kept as a value (not thrown) so the stream ends with
 * a status that names the problem instead of grpc-js' generic "Error deserializing request".
 */
export interface UndecodableRequest {
  readonly undecodable: string;
}

/** True for the marker {@link decodeRequest} returns on bytes it cannot decode. */
export function isUndecodable(x: unknown): x is UndecodableRequest {
  return typeof x === 'object' && x !== null && typeof (x as UndecodableRequest).undecodable === 'string';
}

/** Decodes a request of the given message type, or returns an {@link UndecodableRequest}. */
export function decodeRequest<T>(fullName: string, bytes: Uint8Array): T | UndecodableRequest {
  try {
    return decode(fullName, bytes) as T;
  } catch (e) {
    return { undecodable: `cannot decode ${fullName}: ${String((e as Error)?.message ?? e).toLowerCase()}` };
  }
}

/** Decodes a `DiscoveryRequest` (SotW), or returns an {@link UndecodableRequest}. */
export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest | UndecodableRequest {
  return decodeRequest<DiscoveryRequest>('envoy.service.discovery.v3.DiscoveryRequest', bytes);
}

/** Decodes a `DeltaDiscoveryRequest`, or returns an {@link UndecodableRequest}. */
export function decodeDeltaDiscoveryRequest(bytes: Uint8Array): DeltaDiscoveryRequest | UndecodableRequest {
  return decodeRequest<DeltaDiscoveryRequest>('envoy.service.discovery.v3.DeltaDiscoveryRequest', bytes);
}
