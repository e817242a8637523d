/**
 * The unary `Fetch*` RPCs (`FetchClusters`, `FetchEndpoints`...): one `DiscoveryRequest`, one
 * `DiscoveryResponse` with the node's current resources of the type — the REST-JSON polling
 * variant of xDS, over gRPC.
 *
 * Each fetch opens a watch, takes the current state and closes it: nothing stays behind.
 * When the node has no snapshot yet, the fetch waits for one up to `fetchTimeoutMs`, then ends
 * with UNAVAILABLE.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#rest-json-polling-subscriptions
 * @internal
 */
import * as grpc from '@grpc/grpc-js';
import type { DiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery.js';
import type { SotwUpdate } from '../cache/watch.js';
import { checkNode, peerOf } from './auth.js';
import type { XdsMethod } from './services.js';
import { StreamError, openWatchOrFail, type ServerContext } from './stream.js';
import { encodeDiscoveryResponse, isUndecodable } from './wire.js';

/** Answers one fetch. */
export async function fetchOnce(ctx: ServerContext, method: XdsMethod, request: unknown, peerCall: Parameters<typeof peerOf>[0], timeoutMs: number): Promise<Buffer> {
  if (isUndecodable(request)) throw new StreamError(grpc.status.INVALID_ARGUMENT, request.undecodable);
  const req = request as DiscoveryRequest;
  const typeUrl = method.typeUrl!;
  if (req.typeUrl && req.typeUrl !== typeUrl) {
    throw new StreamError(grpc.status.INVALID_ARGUMENT, `type URL "${req.typeUrl}" on ${method.service}, which serves only ${typeUrl}`);
  }
  const names = req.resourceNames ?? [];
  if (names.length > ctx.limits.maxResourceNames) {
    throw new StreamError(grpc.status.RESOURCE_EXHAUSTED, `request lists ${names.length} resource names; the limit is ${ctx.limits.maxResourceNames}`);
  }
  const node = req.node ?? {};
  if (ctx.authorize) {
    const refusal = await checkNode(ctx.authorize, node, peerOf(peerCall));
    if (refusal !== undefined) throw new StreamError(grpc.status.PERMISSION_DENIED, refusal);
  }
  let ready: () => void = () => {};
  const watch = openWatchOrFail(typeUrl, () => ctx.cache.watchSotw({ typeUrl, node, onReady: () => ready() }));
  try {
    watch.request({ resourceNames: names });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const u: SotwUpdate | undefined = watch.take();
      const view = watch.view;
      if (u || view) {
        return encodeDiscoveryResponse({
          typeUrl,
          versionInfo: u?.versionInfo ?? view!.version,
          nonce: '',
          resources: u?.resources ?? [],
          ...(ctx.controlPlane ? { controlPlane: ctx.controlPlane } : {}),
        });
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new StreamError(grpc.status.UNAVAILABLE, `no configuration for node "${ctx.nodeKey(node)}" yet`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        ready = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    watch.close();
  }
}
