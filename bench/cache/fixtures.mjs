// Seeded fixtures of bench/cache: EDS clusters and their ClusterLoadAssignments, as the plain
// message objects ts-proto gives (what builders and loadEnvoyConfig return).

/** mulberry32: a small seeded PRNG. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ads = { configSourceSpecifier: { $case: 'ads', ads: {} }, resourceApiVersion: 2 };

/** An EDS cluster. */
export function cluster(name, rand) {
  return {
    name,
    clusterDiscoveryType: { $case: 'type', type: 3 },
    connectTimeout: { seconds: String(1 + Math.floor(rand() * 5)), nanos: 0 },
    lbPolicy: Math.floor(rand() * 3),
    edsClusterConfig: { serviceName: '', edsConfig: ads },
    commonLbConfig: { healthyPanicThreshold: { value: 50 } },
    metadata: { filterMetadata: { 'envoy.lb': { canary: rand() < 0.1, tier: rand() < 0.5 ? 'a' : 'b' } }, typedFilterMetadata: {} },
  };
}

/** A ClusterLoadAssignment with 1–4 endpoints in one zone. */
export function assignment(name, rand, generation = 0) {
  const n = 1 + Math.floor(rand() * 4);
  const lbEndpoints = [];
  for (let i = 0; i < n; i++) {
    lbEndpoints.push({
      hostIdentifier: {
        $case: 'endpoint',
        endpoint: {
          address: {
            address: {
              $case: 'socketAddress',
              socketAddress: { address: `10.${(generation + i) & 255}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`, portSpecifier: { $case: 'portValue', portValue: 8080 + i } },
            },
          },
        },
      },
      loadBalancingWeight: 1 + Math.floor(rand() * 10),
    });
  }
  return { clusterName: name, endpoints: [{ locality: { region: 'eu', zone: `eu-${Math.floor(rand() * 3)}`, subZone: '' }, loadBalancingWeight: 1, lbEndpoints }] };
}

/** `count` resources: half clusters, half their assignments. Returns { clusters, endpoints }. */
export function resources(count, seed) {
  const rand = rng(seed);
  const half = Math.floor(count / 2);
  const clusters = [];
  const endpoints = [];
  for (let i = 0; i < half; i++) {
    const name = `svc-${i}.ns-${i % 97}`;
    clusters.push(cluster(name, rand));
    endpoints.push(assignment(name, rand));
  }
  return { clusters, endpoints };
}
