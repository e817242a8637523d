import { describe, expect, it } from 'vitest';
import { TypeUrl, type envoy } from 'xdskit';
import { LinearCache, MuxCache, Snapshot, SnapshotCache, hostWithoutPort, parseVhdsName, vhdsAlias, type DeltaUpdate } from 'xdskit/cache';
import { namesOf, open } from './clients.js';

type VirtualHost = envoy.config.route.v3.VirtualHost;
type RouteConfiguration = envoy.config.route.v3.RouteConfiguration;

const VHDS = TypeUrl.VirtualHost;
const CDS = TypeUrl.Cluster;

/** A VHDS virtual host: resource name `<rc>/<vh>` (its `name`), with domains. */
function vh(rc: string, name: string, domains: string[], cluster = 'api'): VirtualHost {
  return {
    name: `${rc}/${name}`,
    domains,
    routes: [{ match: { pathSpecifier: { $case: 'prefix', prefix: '/' } }, action: { $case: 'route', route: { clusterSpecifier: { $case: 'cluster', cluster } } } }],
  };
}

function routeConfig(name: string, extra: Partial<RouteConfiguration> = {}): RouteConfiguration {
  return { name, vhds: { configSource: { configSourceSpecifier: { $case: 'ads', ads: {} } } }, ...extra };
}

const hosts = [
  vh('local', 'exact', ['api.example.com']),
  vh('local', 'port', ['api.example.com:8080']),
  vh('local', 'star-dot', ['*.example.com']),
  vh('local', 'star-dash', ['*-bar.example.com']),
  vh('local', 'prefix', ['api.*']),
  vh('local', 'prefix-long', ['api.example.*']),
  vh('local', 'any', ['*']),
  vh('other', 'exact', ['api.example.com']),
];

function setup(virtualHosts: VirtualHost[] = hosts, routes: RouteConfiguration[] = [routeConfig('local'), routeConfig('other')]) {
  const cache = new SnapshotCache();
  cache.setSnapshot('n1', Snapshot.create({ virtual_hosts: virtualHosts, routes }));
  const { watch, ready } = open(cache, 'delta', VHDS);
  return { cache, watch, ready };
}

/** The target a single alias resolves to in an update (the resource listing it among its aliases). */
function resolvedBy(u: DeltaUpdate | undefined, alias: string): string | undefined {
  const r = u?.resources.find((x) => x.aliases?.includes(alias));
  if (!r) return undefined;
  return r.absent ? 'NOT FOUND' : r.name;
}

describe('VHDS alias names', () => {
  it('forms an alias from a route configuration name and a host, lower-cased like Envoy', () => {
    expect(vhdsAlias('local', 'API.Example.com:8080')).toBe('local/api.example.com:8080');
  });

  it('splits a name at the last slash, since route configuration names may contain slashes', () => {
    expect(parseVhdsName('ns/rc/api.example.com')).toEqual({ routeConfiguration: 'ns/rc', last: 'api.example.com' });
    expect(parseVhdsName('nothing')).toBeUndefined();
  });

  it('strips a port the way ignore_port_in_host_matching does, IPv6 literals included', () => {
    expect(hostWithoutPort('a.com:80')).toBe('a.com');
    expect(hostWithoutPort('a.com')).toBe('a.com');
    expect(hostWithoutPort('[::1]:8080')).toBe('[::1]');
    expect(hostWithoutPort('[::1]')).toBe('[::1]');
  });
});

describe('VHDS aliases resolve like Envoy picks a virtual host (domains search order)', () => {
  const cases: [host: string, expected: string][] = [
    ['api.example.com', 'local/exact'],
    ['API.EXAMPLE.COM', 'local/exact'],
    ['api.example.com:8080', 'local/port'],
    ['foo-bar.example.com', 'local/star-dash'],
    ['www.example.com', 'local/star-dot'],
    ['api.example.org', 'local/prefix-long'],
    ['api.other.net', 'local/prefix'],
    ['unknown.net', 'local/any'],
    // The port is part of the host unless ignore_port_in_host_matching: `*.example.com` does
    // not match `www.example.com:9090`, a prefix wildcard can.
    ['api.example.com:9090', 'local/prefix-long'],
    ['www.example.com:9090', 'local/any'],
  ];
  for (const [host, expected] of cases) {
    it(`given the host ${host}, then the alias resolves to ${expected}`, () => {
      const { watch } = setup();
      const alias = `local/${host}`;
      watch.request({ resourceNamesSubscribe: [alias] });
      const u = watch.take()!;
      expect(u.resources).toHaveLength(1);
      expect(u.resources[0]).toMatchObject({ name: expected, aliases: [alias] });
      expect(u.resources[0]!.bytes.length).toBeGreaterThan(0);
      expect(watch.aliases().get(alias)).toBe(expected);
    });
  }

  it('prefers the longest suffix wildcard and never lets a wildcard match the empty string', () => {
    const { watch } = setup([vh('rc', 'dot', ['*.foo.com']), vh('rc', 'dash', ['*-bar.foo.com']), vh('rc', 'exact', ['-bar.foo.com:1'])]);
    watch.request({ resourceNamesSubscribe: ['rc/x-bar.foo.com', 'rc/-bar.foo.com', 'rc/.foo.com', 'rc/y.foo.com'] });
    const u = watch.take();
    expect(resolvedBy(u, 'rc/x-bar.foo.com')).toBe('rc/dash');
    expect(resolvedBy(u, 'rc/-bar.foo.com')).toBe('rc/dot');
    expect(resolvedBy(u, 'rc/.foo.com')).toBe('NOT FOUND');
    expect(resolvedBy(u, 'rc/y.foo.com')).toBe('rc/dot');
  });

  it('resolves within the alias route configuration only', () => {
    const { watch } = setup();
    watch.request({ resourceNamesSubscribe: ['other/api.example.com', 'other/www.example.com'] });
    const u = watch.take();
    expect(resolvedBy(u, 'other/api.example.com')).toBe('other/exact');
    expect(resolvedBy(u, 'other/www.example.com')).toBe('NOT FOUND');
  });

  it('sends a virtual host once, listing every alias that resolved to it', () => {
    const { watch } = setup();
    watch.request({ resourceNamesSubscribe: ['local/a.example.com', 'local/b.example.com'] });
    const u = watch.take()!;
    expect(u.resources).toEqual([expect.objectContaining({ name: 'local/star-dot', aliases: ['local/a.example.com', 'local/b.example.com'] })]);
  });

  it('treats a subscribed name that is a virtual host resource as a name, not an alias', () => {
    const { watch } = setup();
    watch.request({ resourceNamesSubscribe: ['local/exact'] });
    const u = watch.take()!;
    expect(u.resources).toHaveLength(1);
    expect(u.resources[0]!.name).toBe('local/exact');
    expect(u.resources[0]!.aliases).toBeUndefined();
    expect(watch.aliases().size).toBe(0);
  });

  it('matches without the port when the route configuration sets ignore_port_in_host_matching', () => {
    const { watch } = setup([vh('rc', 'exact', ['api.example.com'])], [routeConfig('rc', { ignorePortInHostMatching: true })]);
    watch.request({ resourceNamesSubscribe: ['rc/api.example.com:8443'] });
    expect(resolvedBy(watch.take(), 'rc/api.example.com:8443')).toBe('rc/exact');
  });

  it('matches with the port when the route configuration does not ignore it', () => {
    const { watch } = setup([vh('rc', 'exact', ['api.example.com'])], [routeConfig('rc')]);
    watch.request({ resourceNamesSubscribe: ['rc/api.example.com:8443'] });
    expect(resolvedBy(watch.take(), 'rc/api.example.com:8443')).toBe('NOT FOUND');
  });
});

describe('VHDS aliases nothing matches', () => {
  it('are answered with a Resource named after the alias, the alias in aliases, and no resource', () => {
    const { watch } = setup([vh('rc', 'exact', ['api.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/nowhere.example.com'] });
    const u = watch.take()!;
    expect(u.removed).toEqual([]);
    expect(u.resources).toEqual([{ name: 'rc/nowhere.example.com', version: '', bytes: new Uint8Array(0), aliases: ['rc/nowhere.example.com'], absent: true }]);
    expect(watch.aliases().get('rc/nowhere.example.com')).toBeNull();
    expect(watch.sentVersions().size).toBe(0);
  });

  it('are answered again when subscribed again (Envoy waits for the alias in a response)', () => {
    const { watch } = setup([vh('rc', 'exact', ['api.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/nowhere.example.com'] });
    watch.take();
    expect(watch.take()).toBeUndefined();
    watch.request({ resourceNamesSubscribe: ['rc/nowhere.example.com'] });
    expect(resolvedBy(watch.take(), 'rc/nowhere.example.com')).toBe('NOT FOUND');
  });

  it('for an unknown route configuration are answered the same way', () => {
    const { watch } = setup();
    watch.request({ resourceNamesSubscribe: ['missing-rc/api.example.com'] });
    expect(resolvedBy(watch.take(), 'missing-rc/api.example.com')).toBe('NOT FOUND');
  });

  it('keeps the usual removed_resources answer for a missing name without a slash', () => {
    const { watch } = setup();
    watch.request({ resourceNamesSubscribe: ['local'] });
    expect(watch.take()).toMatchObject({ resources: [], removed: ['local'] });
  });
});

describe('VHDS aliases follow snapshot changes', () => {
  it('given an unmatched alias, when a matching virtual host appears, then it is sent with the alias', () => {
    const { cache, watch, ready } = setup([vh('rc', 'exact', ['api.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    watch.take();
    const before = ready.count;
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'web', ['web.example.com'])] } });
    expect(ready.count).toBe(before + 1);
    const u = watch.take()!;
    expect(u.resources).toEqual([expect.objectContaining({ name: 'rc/web', aliases: ['rc/web.example.com'] })]);
    expect(u.removed).toEqual([]);
  });

  it('given a resolved alias, when a more specific virtual host appears, then it is sent and the old one removed', () => {
    const { cache, watch } = setup([vh('rc', 'wild', ['*.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    expect(namesOf(watch.take())).toEqual(['rc/wild']);
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'web', ['web.example.com'])] } });
    const u = watch.take()!;
    expect(u.resources).toEqual([expect.objectContaining({ name: 'rc/web', aliases: ['rc/web.example.com'] })]);
    expect(u.removed).toEqual(['rc/wild']);
    expect([...watch.sentVersions().keys()]).toEqual(['rc/web']);
  });

  it('given a resolved alias, when its virtual host changes its content, then the update carries the alias', () => {
    const { cache, watch } = setup([vh('rc', 'web', ['web.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    watch.take();
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'web', ['web.example.com'], 'api-v2')] } });
    const u = watch.take()!;
    expect(u.resources).toEqual([expect.objectContaining({ name: 'rc/web', aliases: ['rc/web.example.com'] })]);
    expect(u.removed).toEqual([]);
  });

  it('given a resolved alias, when its virtual host stops matching, then it is removed and the alias answered as not found', () => {
    const { cache, watch } = setup([vh('rc', 'web', ['web.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    watch.take();
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'web', ['www.example.com'])] } });
    const u = watch.take()!;
    expect(u.removed).toEqual(['rc/web']);
    expect(resolvedBy(u, 'rc/web.example.com')).toBe('NOT FOUND');
  });

  it('given a resolved alias, when its virtual host is deleted, then it is removed and the alias answered as not found', () => {
    const { cache, watch } = setup([vh('rc', 'web', ['web.example.com']), vh('rc', 'api', ['api.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    watch.take();
    cache.patch('n1', { remove: { virtual_hosts: ['rc/web'] } });
    const u = watch.take()!;
    expect(u.removed).toEqual(['rc/web']);
    expect(resolvedBy(u, 'rc/web.example.com')).toBe('NOT FOUND');
  });

  it('does not wake a stream when virtual hosts of another route configuration change', () => {
    const { cache, watch, ready } = setup();
    watch.request({ resourceNamesSubscribe: ['local/api.example.com'] });
    watch.take();
    const before = ready.count;
    cache.patch('n1', { set: { virtual_hosts: [vh('other', 'new', ['new.example.com'])] } });
    expect(ready.count).toBe(before);
    expect(watch.pending).toBe(false);
  });

  it('sends nothing when a change in its route configuration leaves the resolution as it was', () => {
    const { cache, watch } = setup();
    watch.request({ resourceNamesSubscribe: ['local/api.example.com'] });
    watch.take();
    cache.patch('n1', { set: { virtual_hosts: [vh('local', 'unrelated', ['zzz.net'])] } });
    expect(watch.take()).toBeUndefined();
  });

  it('re-resolves when the route configuration starts ignoring the port', () => {
    const { cache, watch } = setup([vh('rc', 'exact', ['api.example.com'])], [routeConfig('rc')]);
    watch.request({ resourceNamesSubscribe: ['rc/api.example.com:8443'] });
    expect(resolvedBy(watch.take(), 'rc/api.example.com:8443')).toBe('NOT FOUND');
    cache.patch('n1', { set: { routes: [routeConfig('rc', { ignorePortInHostMatching: true })] } });
    expect(resolvedBy(watch.take(), 'rc/api.example.com:8443')).toBe('rc/exact');
  });

  it('given a whole new snapshot (no shared structure), then aliases resolve against it', () => {
    const { cache, watch } = setup([vh('rc', 'wild', ['*.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    watch.take();
    cache.setSnapshot('n1', Snapshot.create({ virtual_hosts: [vh('rc', 'wild', ['*.example.com']), vh('rc', 'web', ['web.example.com'])] }));
    const u = watch.take()!;
    expect(resolvedBy(u, 'rc/web.example.com')).toBe('rc/web');
    expect(u.removed).toEqual(['rc/wild']);
  });
});

describe('VHDS unsubscription', () => {
  it('stops updates for an unsubscribed alias and forgets what only it wanted, without a response', () => {
    const { cache, watch } = setup([vh('rc', 'web', ['web.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    watch.take();
    watch.request({ resourceNamesUnsubscribe: ['rc/web.example.com'] });
    expect(watch.take()).toBeUndefined();
    expect(watch.sentVersions().size).toBe(0);
    expect(watch.aliases().size).toBe(0);
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'web', ['web.example.com'], 'api-v2')] } });
    expect(watch.pending).toBe(false);
    expect(watch.take()).toBeUndefined();
  });

  it('keeps a virtual host another alias still resolves to, with the remaining alias', () => {
    const { cache, watch } = setup([vh('rc', 'wild', ['*.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/a.example.com', 'rc/b.example.com'] });
    watch.take();
    watch.request({ resourceNamesUnsubscribe: ['rc/a.example.com'] });
    expect(watch.take()).toBeUndefined();
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'wild', ['*.example.com'], 'api-v2')] } });
    expect(watch.take()!.resources).toEqual([expect.objectContaining({ name: 'rc/wild', aliases: ['rc/b.example.com'] })]);
  });

  it('keeps a virtual host subscribed by name when an alias to it is unsubscribed', () => {
    const { cache, watch } = setup([vh('rc', 'web', ['web.example.com'])]);
    watch.request({ resourceNamesSubscribe: ['rc/web', 'rc/web.example.com'] });
    const first = watch.take()!;
    expect(first.resources).toEqual([expect.objectContaining({ name: 'rc/web', aliases: ['rc/web.example.com'] })]);
    watch.request({ resourceNamesUnsubscribe: ['rc/web.example.com'] });
    cache.patch('n1', { set: { virtual_hosts: [vh('rc', 'web', ['web.example.com'], 'api-v2')] } });
    const u = watch.take()!;
    expect(u.resources).toHaveLength(1);
    expect(u.resources[0]).toMatchObject({ name: 'rc/web' });
    expect(u.resources[0]!.aliases).toBeUndefined();
  });

  it('leaves the channel index clean when the watch closes', () => {
    const { cache, watch } = setup();
    watch.request({ resourceNamesSubscribe: ['local/a.example.com', 'local/api.example.com', 'local/nowhere'] });
    watch.take();
    watch.close();
    expect(cache.status('n1')!.watches).toBe(0);
    const again = open(cache, 'delta', VHDS).watch;
    cache.patch('n1', { set: { virtual_hosts: [vh('local', 'exact', ['api.example.com'], 'v2')] } });
    expect(again.pending).toBe(false);
  });
});

describe('VHDS does not change other types or caches', () => {
  it('keeps plain delta semantics for other types, whatever their names look like', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('n1', Snapshot.create({ clusters: [{ name: 'a/b' }] }));
    const { watch } = open(cache, 'delta', CDS);
    watch.request({ resourceNamesSubscribe: ['a/b', 'a/c'] });
    const u = watch.take()!;
    expect(namesOf(u)).toEqual(['a/b']);
    expect(u.resources[0]!.aliases).toBeUndefined();
    expect(u.removed).toEqual(['a/c']);
    expect(watch.aliases().size).toBe(0);
  });

  it('resolves aliases in a linear cache of virtual hosts too, and through a MuxCache', () => {
    const vhds = new LinearCache(VHDS, { resources: [vh('rc', 'wild', ['*.example.com'])] });
    const mux = new MuxCache({ [VHDS]: vhds }, new SnapshotCache());
    const { watch } = open(mux, 'delta', VHDS);
    watch.request({ resourceNamesSubscribe: ['rc/web.example.com'] });
    expect(resolvedBy(watch.take(), 'rc/web.example.com')).toBe('rc/wild');
    vhds.update(vh('rc', 'web', ['web.example.com']));
    const u = watch.take()!;
    expect(resolvedBy(u, 'rc/web.example.com')).toBe('rc/web');
    expect(u.removed).toEqual(['rc/wild']);
  });
});
