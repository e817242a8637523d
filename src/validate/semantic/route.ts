/**
 * Route configuration rules: virtual host domains unique and well-formed, weighted clusters
 * with a positive total, one kind of path rewrite per route.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-virtualhost
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-weightedcluster
 */
import { at, error, show } from './util.js';
import type { RuleTable, SemanticProblem, SemanticRule } from './types.js';

/**
 * `virtual_host.domain_unique`: a domain appears once in a route configuration (compared
 * lower-case, as Envoy does), so `*` too.
 */
const routeConfiguration: SemanticRule = (rc: { virtualHosts?: { name?: string; domains?: string[] }[] }, path) => {
  const out: SemanticProblem[] = [];
  const seen = new Map<string, { vh: number; name: string }>();
  (rc.virtualHosts ?? []).forEach((vh, i) => {
    (vh.domains ?? []).forEach((d, j) => {
      const key = d.toLowerCase();
      const prev = seen.get(key);
      if (prev) {
        const where = prev.vh === i ? 'this virtual host' : `virtual host ${show(prev.name)} (virtual_hosts[${prev.vh}])`;
        out.push(
          error(
            at(path, `virtual_hosts[${i}].domains[${j}]`),
            'virtual_host.domain_unique',
            key === '*'
              ? `only one virtual host may match every domain with "*"; ${where} already does`
              : `domain ${show(d)} is already used by ${where}: a domain must be unique across a route configuration`,
            d,
          ),
        );
      } else seen.set(key, { vh: i, name: vh.name ?? '' });
    });
  });
  return out;
};

/**
 * `virtual_host.domain_wildcard`: `*` alone, as a prefix (`*.example.com`, `*-bar.example.com`)
 * or as a suffix (`example.*`, `example-*`), once.
 */
const virtualHost: SemanticRule = (vh: { domains?: string[] }, path) =>
  (vh.domains ?? []).flatMap((d, j) => {
    const stars = d.split('*').length - 1;
    if (stars === 0 || d === '*' || (stars === 1 && (d.startsWith('*') || d.endsWith('*')))) return [];
    return [
      error(
        at(path, `domains[${j}]`),
        'virtual_host.domain_wildcard',
        `domain ${show(d)} has a wildcard envoy does not support: use "*" alone, once at the start ("*.example.com") or once at the end ("example.*")`,
        d,
      ),
    ];
  });

interface WeightedCluster {
  clusters?: { name?: string; clusterHeader?: string; weight?: number }[];
  totalWeight?: number;
}

/**
 * `route.weighted_clusters`: the weights add up to more than 0 and, when the (deprecated)
 * total_weight is set, to exactly it; every entry names a cluster or a cluster header.
 */
const weightedCluster: SemanticRule = (wc: WeightedCluster, path) => {
  const out: SemanticProblem[] = [];
  const clusters = wc.clusters ?? [];
  let sum = 0;
  clusters.forEach((c, i) => {
    sum += c.weight ?? 0;
    if (!c.name && !c.clusterHeader) {
      out.push(error(at(path, `clusters[${i}]`), 'route.weighted_clusters', 'a weighted cluster entry needs a name or a cluster_header'));
    }
  });
  if (clusters.length && sum === 0) {
    out.push(error(at(path, 'clusters'), 'route.weighted_clusters', `the weights of the weighted clusters add up to 0: at least one must be positive`, 0));
  }
  if (wc.totalWeight !== undefined && wc.totalWeight !== null && wc.totalWeight !== sum) {
    out.push(
      error(at(path, 'total_weight'), 'route.weighted_clusters', `the weights add up to ${sum} but total_weight is ${wc.totalWeight}: they must be equal (or leave total_weight out)`, wc.totalWeight),
    );
  }
  return out;
};

/** `route.rewrite`: at most one of prefix_rewrite, regex_rewrite and path_rewrite_policy. */
const routeAction: SemanticRule = (ra: { prefixRewrite?: string; regexRewrite?: unknown; pathRewritePolicy?: unknown }, path) => {
  const set = [ra.prefixRewrite ? 'prefix_rewrite' : '', ra.regexRewrite ? 'regex_rewrite' : '', ra.pathRewritePolicy ? 'path_rewrite_policy' : ''].filter(Boolean);
  if (set.length < 2) return [];
  return [error(at(path, set[1]!), 'route.rewrite', `a route may rewrite the path one way only; it sets ${set.join(' and ')}`)];
};

/** Rules by message type. */
export const routeRules: RuleTable = {
  'envoy.config.route.v3.RouteConfiguration': [routeConfiguration],
  'envoy.config.route.v3.VirtualHost': [virtualHost],
  'envoy.config.route.v3.WeightedCluster': [weightedCluster],
  'envoy.config.route.v3.RouteAction': [routeAction],
};
