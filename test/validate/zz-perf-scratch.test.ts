import { it } from 'vitest';
import { fromYaml, pack } from 'xdskit';
import { validateSnapshot, checkSemantics, validateFields } from 'xdskit/validate';

it('perf', () => {
  const clusters = [], endpoints = [], listeners = [], routes = [];
  for (let i = 0; i < 10000; i++) {
    clusters.push(fromYaml('envoy.config.cluster.v3.Cluster', `name: c${i}\ntype: EDS\nconnect_timeout: 1s\neds_cluster_config: { eds_config: { ads: {} } }\ncircuit_breakers: { thresholds: [{ max_connections: 100 }] }\ntransport_socket: { name: tls, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: c${i}.example.com, common_tls_context: { tls_certificate_sds_secret_configs: [{ name: cert, sds_config: { ads: {} } }] } } }`));
    endpoints.push(fromYaml('envoy.config.endpoint.v3.ClusterLoadAssignment', `cluster_name: c${i}\nendpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.${i % 250}.${i % 200}, port_value: 8080 } } } }, { endpoint: { address: { socket_address: { address: 10.1.${i % 250}.${i % 200}, port_value: 8080 } } } }] }]`));
  }
  const hcmT = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  for (let i = 0; i < 1000; i++) {
    const hcm = fromYaml(hcmT, `stat_prefix: l${i}\nrds: { route_config_name: r${i}, config_source: { ads: {} } }\nhttp_filters: [{ name: router, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } }]`);
    const l = fromYaml('envoy.config.listener.v3.Listener', `name: l${i}\naddress: { socket_address: { address: 0.0.0.0, port_value: ${10000 + i} } }`);
    l.filterChains = [{ filters: [{ name: 'hcm', configType: { $case: 'typedConfig', typedConfig: pack(hcmT, hcm) } }] } as any];
    listeners.push(l);
    routes.push(fromYaml('envoy.config.route.v3.RouteConfiguration', `name: r${i}\nvirtual_hosts: [{ name: v, domains: ["*"], routes: [${Array.from({ length: 10 }, (_, j) => `{ match: { safe_regex: { regex: "^/p${j}/[0-9]+$" } }, route: { cluster: c${i * 10 + j} } }`).join(', ')}] }]`));
  }
  const secrets = [fromYaml('envoy.extensions.transport_sockets.tls.v3.Secret', 'name: cert\ntls_certificate: { certificate_chain: { inline_string: x } }')];
  const snap = { clusters, endpoints, listeners, routes, secrets };
  const mins = { full: 1e9, refs: 1e9, sem: 1e9, fld: 1e9 };
  for (let k = 0; k < 8; k++) {
    let t = performance.now(); const r = validateSnapshot(snap); const full = performance.now() - t;
    t = performance.now(); validateSnapshot(snap, { referencesOnly: true }); const refs = performance.now() - t;
    t = performance.now(); for (const [kind, list] of Object.entries(snap)) for (const m of list) checkSemantics(({clusters:'envoy.config.cluster.v3.Cluster',endpoints:'envoy.config.endpoint.v3.ClusterLoadAssignment',listeners:'envoy.config.listener.v3.Listener',routes:'envoy.config.route.v3.RouteConfiguration',secrets:'envoy.extensions.transport_sockets.tls.v3.Secret'} as any)[kind], m); const sem = performance.now() - t;
    t = performance.now(); for (const [kind, list] of Object.entries(snap)) for (const m of list) validateFields(({clusters:'envoy.config.cluster.v3.Cluster',endpoints:'envoy.config.endpoint.v3.ClusterLoadAssignment',listeners:'envoy.config.listener.v3.Listener',routes:'envoy.config.route.v3.RouteConfiguration',secrets:'envoy.extensions.transport_sockets.tls.v3.Secret'} as any)[kind], m); const fld = performance.now() - t;
    mins.full = Math.min(mins.full, full); mins.refs = Math.min(mins.refs, refs); mins.sem = Math.min(mins.sem, sem); mins.fld = Math.min(mins.fld, fld);
    if (k === 7) console.log(JSON.stringify(mins), `full ${full.toFixed(0)}ms refs ${refs.toFixed(0)}ms semantic ${sem.toFixed(0)}ms fields ${fld.toFixed(0)}ms ok=${r.ok} e=${r.errors.length} w=${r.warnings.length}`, r.errors.slice(0,2), r.warnings.slice(0,2));
  }
  // one resource
  const c = clusters[0]; const N = 2000; const ts: number[] = [];
  for (let i = 0; i < N; i++) { const t = performance.now(); checkSemantics('envoy.config.cluster.v3.Cluster', c); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log('semantic one cluster median ms', ts[N / 2]);
}, 120000);
