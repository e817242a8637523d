/**
 * VHDS (Virtual Host Discovery Service) names and aliases: how a `<route configuration>/<host>`
 * subscription resolves to a VirtualHost resource, with an index per route configuration.
 *
 * Envoy's VHDS subscribes on demand: when a request's host matches no virtual host of a route
 * configuration that has `vhds`, Envoy sends `resource_names_subscribe: ["<rc name>/<host>"]`,
 * where `<host>` is the request's Host (`:authority`) header lower-cased, port included as sent.
 * Such a name is an *alias* (spec: Incremental xDS, "Resource names": "Resources are identified
 * by a resource name or an alias"); the server matches the host against the `domains` of the
 * route configuration's virtual hosts and answers with the VirtualHost resource, named
 * `<rc name>/<virtual host name>`, whose `aliases` list the alias.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#resource-names
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-domains
 */
import type { ResourceView } from './resource-set.js';

/**
 * The VHDS alias of a host under a route configuration: `<route configuration name>/<host>`,
 * the host lower-cased, as Envoy forms it from a request's Host header (port kept as sent).
 *
 * @example vhdsAlias('local', 'API.example.com:8080') // 'local/api.example.com:8080'
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds#virtual-host-resource-naming-convention
 */
export function vhdsAlias(routeConfiguration: string, host: string): string {
  return `${routeConfiguration}/${host.toLowerCase()}`;
}

/**
 * Splits a VHDS name (a VirtualHost resource name or an alias) into its route configuration
 * and its last segment (virtual host name or host), at the **last** `/`: "matching should be
 * done from right to left since a host entry cannot contain slashes while a route
 * configuration name can" (Envoy's VHDS docs). `undefined` for a name without `/`.
 *
 * @example parseVhdsName('ns/rc/api.example.com') // { routeConfiguration: 'ns/rc', last: 'api.example.com' }
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds#virtual-host-resource-naming-convention
 */
export function parseVhdsName(name: string): { readonly routeConfiguration: string; readonly last: string } | undefined {
  const i = name.lastIndexOf('/');
  if (i < 0) return undefined;
  return { routeConfiguration: name.slice(0, i), last: name.slice(i + 1) };
}

/**
 * The route configuration part of a VHDS name (before the last `/`), or undefined.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds#virtual-host-resource-naming-convention
 * @internal
 */
export function routeConfigurationOf(name: string): string | undefined {
  const i = name.lastIndexOf('/');
  return i < 0 ? undefined : name.slice(0, i);
}

/**
 * The host without its port, as Envoy's `ignore_port_in_host_matching` strips it: the text
 * before the last `:`, unless that `:` is inside an IPv6 literal (`[::1]` has no port,
 * `[::1]:80` has one).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route.proto#envoy-v3-api-field-config-route-v3-routeconfiguration-ignore-port-in-host-matching
 */
export function hostWithoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return host;
  const v6End = host.lastIndexOf(']');
  if (v6End >= 0 && v6End > colon) return host;
  if (host.startsWith('[') && v6End < 0) return host;
  return host.slice(0, colon);
}

/** Wildcard domains of one kind (suffix or prefix): length → key → virtual hosts. */
class Wildcards {
  private readonly byLength = new Map<number, Map<string, Set<string>>>();
  /** Lengths, longest first (the longest wildcard wins); recomputed when lengths change. */
  private lengths: number[] | undefined = [];

  get size(): number {
    return this.byLength.size;
  }

  add(key: string, vh: string): void {
    let m = this.byLength.get(key.length);
    if (!m) {
      this.byLength.set(key.length, (m = new Map()));
      this.lengths = undefined;
    }
    let s = m.get(key);
    if (!s) m.set(key, (s = new Set()));
    s.add(vh);
  }

  delete(key: string, vh: string): void {
    const m = this.byLength.get(key.length);
    const s = m?.get(key);
    if (!m || !s) return;
    s.delete(vh);
    if (s.size) return;
    m.delete(key);
    if (m.size) return;
    this.byLength.delete(key.length);
    this.lengths = undefined;
  }

  /** The virtual hosts of the longest wildcard matching `host` (`cut` gives the host's key of a length). */
  find(host: string, cut: (host: string, length: number) => string): Set<string> | undefined {
    const lengths = (this.lengths ??= [...this.byLength.keys()].sort((a, b) => b - a));
    for (const len of lengths) {
      // `>=`: a wildcard never matches the empty string (`*.foo.com` does not match `.foo.com`).
      if (len >= host.length) continue;
      const s = this.byLength.get(len)!.get(cut(host, len));
      if (s) return s;
    }
    return undefined;
  }
}

const suffixOf = (h: string, l: number): string => h.slice(h.length - l);
const prefixOf = (h: string, l: number): string => h.slice(0, l);

/** The smallest name of a set (several virtual hosts claiming one domain: a deterministic pick). */
function pick(s: Set<string> | undefined): string | undefined {
  if (!s || s.size === 0) return undefined;
  let best: string | undefined;
  for (const n of s) if (best === undefined || n < best) best = n;
  return best;
}

/**
 * The domains of the virtual hosts of one route configuration, indexed for Envoy's virtual host
 * selection: exact domains, then suffix wildcards (`*.foo.com`, `*-bar.foo.com`), then prefix
 * wildcards (`foo.*`, `foo-*`), then `*`; among wildcards of one kind the longest wins, and a
 * wildcard never matches the empty string. Domains and hosts compare lower-cased.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-virtualhost-domains
 * @internal
 */
export class DomainTable {
  private readonly exact = new Map<string, Set<string>>();
  private readonly suffixes = new Wildcards();
  private readonly prefixes = new Wildcards();
  private readonly any = new Set<string>();
  /** Virtual hosts indexed. */
  size = 0;

  /** Indexes (`on`) or un-indexes one domain of a virtual host resource. */
  domain(d: string, vh: string, on: boolean): void {
    if (d === '*') {
      if (on) this.any.add(vh);
      else this.any.delete(vh);
    } else if (d.length > 0 && d[0] === '*') {
      if (on) this.suffixes.add(d.slice(1), vh);
      else this.suffixes.delete(d.slice(1), vh);
    } else if (d.length > 0 && d[d.length - 1] === '*') {
      if (on) this.prefixes.add(d.slice(0, -1), vh);
      else this.prefixes.delete(d.slice(0, -1), vh);
    } else {
      let s = this.exact.get(d);
      if (on) {
        if (!s) this.exact.set(d, (s = new Set()));
        s.add(vh);
      } else if (s) {
        s.delete(vh);
        if (!s.size) this.exact.delete(d);
      }
    }
  }

  /** The virtual host resource name a (lower-cased) host selects, or undefined. */
  resolve(host: string): string | undefined {
    return (
      pick(this.exact.get(host)) ??
      (this.suffixes.size ? pick(this.suffixes.find(host, suffixOf)) : undefined) ??
      (this.prefixes.size ? pick(this.prefixes.find(host, prefixOf)) : undefined) ??
      pick(this.any)
    );
  }
}

/** The lower-cased domains of a VirtualHost message. */
function domainsOf(message: unknown): string[] {
  const d = (message as { domains?: readonly string[] } | undefined)?.domains;
  return d ? d.map((x) => x.toLowerCase()) : [];
}

/**
 * The alias index of one VirtualHost view (a node key's snapshot, or a linear cache): a
 * {@link DomainTable} per route configuration, over the virtual hosts named
 * `<rc name>/<vh name>`.
 *
 * Built on first use in one pass over the view, then kept up to date from the names each
 * update changed: O(changed), not a scan of every virtual host per request.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/vhds
 * @internal
 */
export class VhdsIndex {
  private built = false;
  private readonly tables = new Map<string, DomainTable>();
  /** Virtual host resource name → the domains it is indexed under. */
  private readonly indexed = new Map<string, string[]>();
  /**
   * Whether a route configuration ignores the port when matching hosts
   * (`ignore_port_in_host_matching`); set by the cache that knows the route configurations.
   */
  ignorePort: (routeConfiguration: string) => boolean = () => false;

  private put(name: string, message: unknown): void {
    const rc = routeConfigurationOf(name);
    if (rc === undefined) return;
    let t = this.tables.get(rc);
    if (!t) this.tables.set(rc, (t = new DomainTable()));
    const domains = domainsOf(message);
    for (const d of domains) t.domain(d, name, true);
    this.indexed.set(name, domains);
    t.size++;
  }

  private drop(name: string): void {
    const domains = this.indexed.get(name);
    if (!domains) return;
    const rc = routeConfigurationOf(name)!;
    const t = this.tables.get(rc)!;
    for (const d of domains) t.domain(d, name, false);
    this.indexed.delete(name);
    if (--t.size === 0) this.tables.delete(rc);
  }

  /** Follows a change of the view: the named resources were added, modified or removed. */
  apply(view: ResourceView, changed: Iterable<string>): void {
    if (!this.built) return;
    for (const n of changed) {
      this.drop(n);
      const e = view.get(n);
      if (e) this.put(n, e.message);
    }
  }

  /** Forgets everything (the view was replaced without a list of changes). */
  reset(): void {
    this.built = false;
    this.tables.clear();
    this.indexed.clear();
  }

  /**
   * The VirtualHost resource name an alias `<rc>/<host>` resolves to in `view`, or `undefined`
   * when no virtual host of that route configuration matches the host.
   */
  resolve(view: ResourceView, alias: string): string | undefined {
    if (!this.built) {
      view.forEach((e, n) => this.put(n, e.message));
      this.built = true;
    }
    const p = parseVhdsName(alias);
    if (!p) return undefined;
    const t = this.tables.get(p.routeConfiguration);
    if (!t) return undefined;
    let host = p.last.toLowerCase();
    if (this.ignorePort(p.routeConfiguration)) host = hostWithoutPort(host);
    return t.resolve(host);
  }
}
