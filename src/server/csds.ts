/**
 * CSDS, the Client Status Discovery Service: what each connected node was sent, and whether it
 * ACKed or NACKed it, per resource.
 *
 * The status is the server's view of its streams (it is not asked of the clients): a resource
 * of the last response of its type is `SYNCED`/`ACKED` once that response is ACKed, `STALE`
 * while it is unanswered, `ERROR`/`NACKED` after a NACK (with the client's error in
 * `error_state`); a subscribed name the server has not sent (it does not exist, or the
 * stream is slow) is `NOT_SENT`/`REQUESTED`. `xds_config` holds the resource as sent (the
 * store's bytes, not re-encoded) unless `exclude_resource_contents` is set — except SDS
 * secrets, whose contents (private keys) CSDS never returns.
 *
 * CSDS shows every node's config to whoever may call it: restrict it with `authorizeCsds`
 * (the caller's peer, e.g. its SPIFFE ID under mTLS) or leave it out of `services`.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/service/status/v3/csds.proto
 */
import * as grpc from '@grpc/grpc-js';
import type { ClientConfig, ClientConfig_GenericXdsConfig, ClientStatusRequest, ClientStatusResponse } from '../gen/envoy/service/status/v3/csds.js';
import type { Node } from '../gen/envoy/config/core/v3/base.js';
import type { StringMatcher } from '../gen/envoy/type/matcher/v3/string.js';
import type { ValueMatcher } from '../gen/envoy/type/matcher/v3/value.js';
import type { DeltaWatch, SotwWatch } from '../cache/watch.js';
import { TypeUrl } from '../registry/type-urls.js';
import { matchString, matchValue, structValueAt } from '../registry/matchers.js';
import { checkNode, peerOf, type AuthorizeResult, type Peer } from './auth.js';
import { StreamError, type ServerContext, type TypeSlot, type XdsStream } from './stream.js';

/** Decides whether a peer may read CSDS (every node's config). */
export type AuthorizeCsds = (peer: Peer) => AuthorizeResult | Promise<AuthorizeResult>;

/** `envoy.service.status.v3.ConfigStatus` values. */
const ConfigStatus = { SYNCED: 1, NOT_SENT: 2, STALE: 3, ERROR: 4 } as const;
/** `envoy.admin.v3.ClientResourceStatus` values. */
const ClientResourceStatus = { REQUESTED: 1, DOES_NOT_EXIST: 2, ACKED: 3, NACKED: 4 } as const;

/** A CSDS request's string matcher on a value; a matcher xdskit cannot run is INVALID_ARGUMENT. */
function stringMatch(m: StringMatcher, value: string): boolean {
  try {
    return matchString(m, value);
  } catch (e) {
    const p = m.matchPattern;
    const what = p?.$case === 'safeRegex' ? `invalid regex ${JSON.stringify(p.safeRegex.regex)}` : `string matcher ${p?.$case}`;
    throw new StreamError(grpc.status.INVALID_ARGUMENT, `node_matchers: ${what}: ${(e as Error).message}`);
  }
}

/**
 * Refuses a request's value matcher that matches nothing by construction (no pattern, a double
 * matcher without range or exact, a list matcher without one_of), anywhere inside it.
 */
function checkValueMatcher(m: ValueMatcher | undefined): void {
  const bad = (what: string): never => {
    throw new StreamError(grpc.status.INVALID_ARGUMENT, `node_matchers: node_metadatas: ${what}`);
  };
  const p = m?.matchPattern;
  if (!p) bad('a value matcher needs one of null_match, double_match, string_match, bool_match, present_match, list_match, or_match');
  else if (p.$case === 'doubleMatch' && !p.doubleMatch.matchPattern) bad('a double matcher needs range or exact');
  else if (p.$case === 'listMatch') {
    if (!p.listMatch.matchPattern) bad('a list matcher needs one_of');
    else checkValueMatcher(p.listMatch.matchPattern.oneOf);
  } else if (p.$case === 'orMatch') for (const x of p.orMatch.valueMatchers ?? []) checkValueMatcher(x);
}

/**
 * Whether a request's `node_matchers` select a node: any matcher may (none given: every node);
 * a matcher selects a node when its `node_id` matches the node's id and every one of its
 * `node_metadatas` matches the node's metadata (Envoy's StructMatcher: a path of keys into the
 * Struct, and a ValueMatcher on what it leads to).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/node.proto
 */
function nodeMatches(req: ClientStatusRequest, node: Node): boolean {
  const matchers = req.nodeMatchers ?? [];
  if (!matchers.length) return true;
  for (const m of matchers) for (const sm of m.nodeMetadatas ?? []) checkValueMatcher(sm.value);
  return matchers.some(
    (m) =>
      (!m.nodeId || stringMatch(m.nodeId, node.id ?? '')) &&
      (m.nodeMetadatas ?? []).every((sm) => {
        try {
          return matchValue(sm.value!, structValueAt(node.metadata, sm.path ?? []));
        } catch (e) {
          throw new StreamError(grpc.status.INVALID_ARGUMENT, `node_matchers: node_metadatas: ${(e as Error).message}`);
        }
      }),
  );
}

function timestamp(ms: number | undefined): { seconds: string; nanos: number } | undefined {
  if (ms === undefined) return undefined;
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function configsOf(slot: TypeSlot<SotwWatch | DeltaWatch>, withContents: boolean): ClientConfig_GenericXdsConfig[] {
  const out: ClientConfig_GenericXdsConfig[] = [];
  const r = slot.record;
  const watch = slot.watch;
  const view = watch.view;
  const acked = slot.lastNonce !== undefined && r.ackedNonce === slot.lastNonce;
  const nack = r.lastNack && r.lastNack.nonce === slot.lastNonce ? r.lastNack : undefined;
  const sent = watch.sentVersions();
  for (const [name, version] of sent) {
    const entry = view?.get(name);
    const c: ClientConfig_GenericXdsConfig = {
      typeUrl: slot.typeUrl,
      name,
      versionInfo: version,
      configStatus: acked ? ConfigStatus.SYNCED : nack ? ConfigStatus.ERROR : ConfigStatus.STALE,
      clientStatus: acked ? ClientResourceStatus.ACKED : nack ? ClientResourceStatus.NACKED : ClientResourceStatus.REQUESTED,
      lastUpdated: timestamp(r.sentAt),
    };
    if (withContents && entry && entry.version === version && slot.typeUrl !== TypeUrl.Secret) c.xdsConfig = { typeUrl: slot.typeUrl, value: Buffer.from(entry.bytes) };
    if (nack) c.errorState = { details: nack.error, versionInfo: nack.version, lastUpdateAttempt: timestamp(nack.at.getTime()) };
    out.push(c);
  }
  // VHDS aliases (`<route config>/<host>`) were answered with the virtual host they resolve to,
  // listed above under its own name, or with a "does not exist" answer.
  const aliases = 'aliases' in watch ? watch.aliases() : undefined;
  for (const name of watch.subscription.names()) {
    if (sent.has(name)) continue;
    const target = aliases?.get(name);
    if (target !== undefined && target !== null && sent.has(target)) continue;
    const clientStatus = target === null ? ClientResourceStatus.DOES_NOT_EXIST : ClientResourceStatus.REQUESTED;
    out.push({ typeUrl: slot.typeUrl, name, configStatus: ConfigStatus.NOT_SENT, clientStatus });
  }
  return out;
}

/**
 * The CSDS answer: one `ClientConfig` per connected node (node key) the request's
 * `node_matchers` select (by node id and node metadata).
 */
export function clientStatus(streams: Iterable<XdsStream<SotwWatch | DeltaWatch>>, req: ClientStatusRequest): ClientStatusResponse {
  const byKey = new Map<string, { config: ClientConfig; types: Map<string, ClientConfig_GenericXdsConfig[]> }>();
  const withContents = !req.excludeResourceContents;
  for (const s of streams) {
    const node = s.info.node;
    if (!node || s.closed) continue;
    if (!nodeMatches(req, node)) continue;
    const key = s.info.nodeKey ?? '';
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { config: { node, genericXdsConfigs: [] }, types: new Map() }));
    for (const slot of s.typeSlots()) entry.types.set(slot.typeUrl, configsOf(slot, withContents));
  }
  const config: ClientConfig[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const e = byKey.get(key)!;
    for (const t of [...e.types.keys()].sort()) e.config.genericXdsConfigs!.push(...e.types.get(t)!);
    config.push(e.config);
  }
  return { config };
}

/** The CSDS handlers: `FetchClientStatus` (unary) and `StreamClientStatus` (one answer per request). */
export function csdsHandlers(ctx: ServerContext, authorize?: AuthorizeCsds): grpc.UntypedServiceImplementation {
  const answer = async (req: unknown, call: Parameters<typeof peerOf>[0]): Promise<ClientStatusResponse> => {
    if (authorize) {
      const refusal = await checkNode((_node, peer) => authorize(peer), {}, peerOf(call));
      if (refusal !== undefined) throw new StreamError(grpc.status.PERMISSION_DENIED, refusal);
    }
    if (req && typeof (req as { undecodable?: unknown }).undecodable === 'string') {
      throw new StreamError(grpc.status.INVALID_ARGUMENT, (req as { undecodable: string }).undecodable);
    }
    return clientStatus(ctx.streams, req as ClientStatusRequest);
  };
  const toStatus = (e: unknown) =>
    e instanceof StreamError ? { code: e.code, details: e.message } : { code: grpc.status.INTERNAL, details: String((e as Error)?.message ?? e) };
  return {
    FetchClientStatus(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      answer(call.request, call as never).then(
        (r) => callback(null, r),
        (e) => callback(toStatus(e) as grpc.ServiceError),
      );
    },
    StreamClientStatus(call: grpc.ServerDuplexStream<unknown, unknown>) {
      let chain = Promise.resolve();
      call.on('data', (req: unknown) => {
        chain = chain.then(() =>
          answer(req, call as never).then(
            (r) => void call.write(r),
            (e) => void call.emit('error', toStatus(e)),
          ),
        );
      });
      call.on('end', () => void chain.then(() => call.end()));
      call.on('error', () => {});
    },
  };
}
