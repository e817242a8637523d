import { describe, expect, it } from 'vitest';
import { decode, encode, envoy, pack, typeUrlOf, unpack, UnknownTypeError, resourceName, TypeUrl, create, equals, canonicalize } from 'xdskit';

describe('the type registry', () => {
  it('gives the type URL of a message by codec, name or URL', () => {
    const url = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
    expect(typeUrlOf(envoy.config.cluster.v3.Cluster)).toBe(url);
    expect(typeUrlOf('envoy.config.cluster.v3.Cluster')).toBe(url);
    expect(typeUrlOf(url)).toBe(url);
    expect(TypeUrl.Cluster).toBe(url);
  });

  it('packs and unpacks an Any for a typed_config', () => {
    const hcm = create(envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, {
      statPrefix: 'ingress',
      routeSpecifier: { $case: 'rds', rds: { routeConfigName: 'local', configSource: { configSourceSpecifier: { $case: 'ads', ads: {} } } } },
    });
    const any = pack('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', hcm);
    expect(any.typeUrl).toBe('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    const back = unpack(any, envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager);
    expect(back.statPrefix).toBe('ingress');
    expect(back.routeSpecifier?.$case).toBe('rds');
    expect(unpack(any)).toEqual(back);
  });

  it('rejects an Any whose type URL is not registered', () => {
    expect(() => unpack({ typeUrl: 'type.googleapis.com/acme.Widget', value: Buffer.alloc(0) })).toThrow(UnknownTypeError);
    expect(() => unpack({ typeUrl: 'type.googleapis.com/acme.Widget', value: Buffer.alloc(0) })).toThrow(/unknown type "type.googleapis.com\/acme.Widget"/);
  });

  it('rejects an Any of another type than the one asked for', () => {
    const any = pack('envoy.extensions.filters.http.router.v3.Router', {});
    expect(() => unpack(any, 'envoy.config.cluster.v3.Cluster')).toThrow(
      'any holds envoy.extensions.filters.http.router.v3.Router, expected envoy.config.cluster.v3.Cluster',
    );
  });

  it('encodes maps canonically, whatever the insertion order', () => {
    const a = create('envoy.config.core.v3.Metadata', { filterMetadata: { b: { y: 1, x: 2 }, a: { k: 'v' } } });
    const b = create('envoy.config.core.v3.Metadata', { filterMetadata: { a: { k: 'v' }, b: { x: 2, y: 1 } } });
    expect(Buffer.from(encode('envoy.config.core.v3.Metadata', a))).toEqual(Buffer.from(encode('envoy.config.core.v3.Metadata', b)));
    expect(equals('envoy.config.core.v3.Metadata', a, b)).toBe(true);
    expect(Object.keys(canonicalize('envoy.config.core.v3.Metadata', a).filterMetadata!)).toEqual(['a', 'b']);
  });

  it('leaves an already canonical message as it is, without copying it', () => {
    const md = create('envoy.config.core.v3.Metadata', { filterMetadata: { a: { k: 'v', z: [1, { b: 1, c: 2 }] }, b: {} } });
    expect(canonicalize('envoy.config.core.v3.Metadata', md)).toBe(md);
    const vh = create('envoy.config.route.v3.VirtualHost', {
      name: 'v',
      typedPerFilterConfig: { a: pack('envoy.extensions.filters.http.router.v3.Router', {}) },
    });
    expect(canonicalize('envoy.config.route.v3.VirtualHost', vh)).toBe(vh);
  });

  it('copies only the path to what it sorts', () => {
    const vh = create('envoy.config.route.v3.VirtualHost', {
      name: 'v',
      routes: [create('envoy.config.route.v3.Route', { name: 'r' })],
      metadata: { filterMetadata: { b: {}, a: {} } },
    });
    const c = canonicalize('envoy.config.route.v3.VirtualHost', vh);
    expect(c).not.toBe(vh);
    expect(c.routes).toBe(vh.routes);
    expect(Object.keys(c.metadata!.filterMetadata!)).toEqual(['a', 'b']);
    expect(Object.keys(vh.metadata!.filterMetadata!)).toEqual(['b', 'a']);
  });

  it('decodes what it encodes', () => {
    const cla = create('envoy.config.endpoint.v3.ClusterLoadAssignment', { clusterName: 'api' });
    expect(decode('envoy.config.endpoint.v3.ClusterLoadAssignment', encode('envoy.config.endpoint.v3.ClusterLoadAssignment', cla))).toEqual(cla);
  });

  it('names resources by cluster_name for endpoints and name otherwise', () => {
    expect(resourceName(TypeUrl.ClusterLoadAssignment, { clusterName: 'api' })).toBe('api');
    expect(resourceName(TypeUrl.Cluster, { name: 'api' })).toBe('api');
  });
});
