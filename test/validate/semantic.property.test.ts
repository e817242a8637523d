/**
 * Properties of Envoy's semantic rules over generated configs: filter chain matches
 * (`listener.filter_chain_match`) and the terminal HTTP filter (`hcm.terminal_filter`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pack } from 'xdskit';
import { validate } from 'xdskit/validate';

const LISTENER = 'envoy.config.listener.v3.Listener';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';

const shuffled = <T>(xs: readonly T[]) => fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length });

// ---------------------------------------------------------------------------------------------
// Filter chain matches.

interface Match {
  destinationPort: number;
  serverNames?: string[];
  transportProtocol?: string;
  applicationProtocols?: string[];
  prefixRanges?: { addressPrefix: string; prefixLen: number }[];
}

/** A match on one destination port, with any of the other dimensions set at random. */
const matchOn = (port: number) =>
  fc.record(
    {
      destinationPort: fc.constant(port),
      serverNames: fc.uniqueArray(fc.constantFrom('a.example.com', 'b.example.com', '*.example.com', 'c.test'), { minLength: 1, maxLength: 3 }),
      transportProtocol: fc.constantFrom('raw_buffer', 'tls'),
      applicationProtocols: fc.uniqueArray(fc.constantFrom('h2', 'http/1.1'), { minLength: 1, maxLength: 2 }),
      prefixRanges: fc.array(
        fc.record({ addressPrefix: fc.constantFrom('10.0.0.0', '192.168.1.0', '172.16.0.0'), prefixLen: fc.constantFrom(8, 16, 24) }),
        { minLength: 1, maxLength: 2 },
      ),
    },
    { requiredKeys: ['destinationPort'] },
  ) as fc.Arbitrary<Match>;

/** 1 to 8 matches on distinct destination ports: no two of them accept the same connection. */
const distinctMatches = fc
  .uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 8 })
  .chain((ports) => fc.tuple(...ports.map(matchOn)));

const tcpProxy = (i: number) => ({
  name: 'envoy.filters.network.tcp_proxy',
  configType: { $case: 'typedConfig', typedConfig: pack('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', { statPrefix: `tcp${i}`, clusterSpecifier: { $case: 'cluster', cluster: 'backend' } }) },
});

const listenerOf = (matches: readonly Match[]) => ({
  name: 'l',
  address: { address: { $case: 'socketAddress', socketAddress: { address: '0.0.0.0', portSpecifier: { $case: 'portValue', portValue: 8080 } } } },
  filterChains: matches.map((m, i) => ({ filterChainMatch: m, filters: [tcpProxy(i)] })),
});

/** The same match with its lists reordered and with repeated values: the same set of connections. */
const sameMatch = (m: Match, reorder: (xs: unknown[]) => unknown[]): Match => ({
  ...m,
  ...(m.serverNames && { serverNames: reorder([...m.serverNames, m.serverNames[0]!]) as string[] }),
  ...(m.applicationProtocols && { applicationProtocols: reorder([...m.applicationProtocols]) as string[] }),
  ...(m.prefixRanges && { prefixRanges: reorder(m.prefixRanges.map((r) => ({ ...r }))) as Match['prefixRanges'] }),
});

const chainMatchErrors = (listener: unknown) => validate(LISTENER, listener).errors.filter((p) => p.rule === 'listener.filter_chain_match');

describe('filter chain matches (listener.filter_chain_match)', () => {
  it('a listener whose filter chains match distinct destination ports never reports listener.filter_chain_match, and is valid', () => {
    fc.assert(
      fc.property(distinctMatches, (matches) => {
        const r = validate(LISTENER, listenerOf(matches));
        expect(r.errors).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('duplicating one chain\'s match (lists reordered, values repeated) reports exactly one problem, at the later chain', () => {
    fc.assert(
      fc.property(
        distinctMatches,
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        (matches, a, b, reverse) => {
          const from = a % matches.length;
          // Insert the copy anywhere after the original: it is the second chain with that match.
          const to = from + 1 + (b % (matches.length - from));
          const copy = sameMatch(matches[from]!, (xs) => (reverse ? xs.reverse() : xs));
          const list = [...matches.slice(0, to), copy, ...matches.slice(to)];
          const errors = chainMatchErrors(listenerOf(list));
          expect(errors).toHaveLength(1);
          expect(errors[0]!.path).toBe(`filter_chains[${to}].filter_chain_match`);
          expect(errors[0]!.message).toContain(`filter chains ${from} and ${to} have the same match`);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The terminal HTTP filter.

/** HTTP filters that are valid with an empty config and are not terminal. */
const OTHERS = [
  ['envoy.filters.http.cors', 'envoy.extensions.filters.http.cors.v3.Cors'],
  ['envoy.filters.http.grpc_web', 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb'],
  ['envoy.filters.http.fault', 'envoy.extensions.filters.http.fault.v3.HTTPFault'],
  ['envoy.filters.http.buffer', 'envoy.extensions.filters.http.buffer.v3.Buffer'],
] as const;

const httpFilter = (name: string, type: string, init: object = {}) => ({ name, configType: { $case: 'typedConfig', typedConfig: pack(type as typeof ROUTER, init) } });

/** The router, packed directly or as a TypedStruct naming its type (as many control planes write it). */
const router = (typedStruct: boolean) =>
  typedStruct
    ? httpFilter('envoy.filters.http.router', 'udpa.type.v1.TypedStruct', { typeUrl: `type.googleapis.com/${ROUTER}`, value: {} })
    : httpFilter('envoy.filters.http.router', ROUTER);

const hcmWith = (httpFilters: unknown[]) => ({
  statPrefix: 'in',
  routeSpecifier: { $case: 'rds', rds: { routeConfigName: 'r', configSource: { configSourceSpecifier: { $case: 'ads', ads: {} } } } },
  httpFilters,
});

describe('the terminal HTTP filter (hcm.terminal_filter)', () => {
  const buffer = { maxRequestBytes: 1024 };
  const filters = (typedStruct: boolean) => [router(typedStruct), ...OTHERS.map(([n, t]) => httpFilter(n, t, t.endsWith('Buffer') ? buffer : {}))];

  it('the HTTP filters of the fixture are valid in the usual order (router last)', () => {
    for (const typedStruct of [false, true]) {
      const [r, ...rest] = filters(typedStruct);
      expect(validate(HCM, hcmWith([...rest, r]))).toEqual({ ok: true, errors: [], warnings: [] });
    }
  });

  it('a random permutation of HTTP filters reports hcm.terminal_filter iff the router is not last: at the router and at the last filter', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((typedStruct) => fc.tuple(fc.constant(typedStruct), fc.integer({ min: 0, max: OTHERS.length }))).chain(([typedStruct, others]) =>
          shuffled(filters(typedStruct).slice(0, others + 1)),
        ),
        (list) => {
          const at = list.findIndex((f) => f.name === 'envoy.filters.http.router');
          const last = list.length - 1;
          const r = validate(HCM, hcmWith(list));
          const terminal = r.errors.filter((p) => p.rule === 'hcm.terminal_filter').map((p) => p.path);
          expect(r.errors.length).toBe(terminal.length);
          if (at === last) expect(terminal).toEqual([]);
          else expect(terminal).toEqual([`http_filters[${at}]`, `http_filters[${last}]`]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
