import { describe, expect, it } from 'vitest';
import { toJson } from 'xdskit';
import { ChainMatcher, ListenerPredicate } from 'xdskit/builders';

const M = 'xds.type.matcher.v3.Matcher';
const P = 'envoy.config.listener.v3.ListenerFilterChainMatchPredicate';

describe('filter chain matchers', () => {
  it('read every network input by its canonical extension name and type', () => {
    const inputs = ['destination_ip', 'destination_port', 'source_ip', 'source_port', 'direct_source_ip', 'source_type', 'server_name', 'transport_protocol', 'application_protocol'] as const;
    const types = inputs.map((i) => ChainMatcher.input(i).typedConfig!.typeUrl!.split('.').pop());
    expect(types).toEqual([
      'DestinationIPInput',
      'DestinationPortInput',
      'SourceIPInput',
      'SourcePortInput',
      'DirectSourceIPInput',
      'SourceTypeInput',
      'ServerNameInput',
      'TransportProtocolInput',
      'ApplicationProtocolInput',
    ]);
    expect(ChainMatcher.input('server_name').name).toBe('envoy.matching.inputs.server_name');
  });

  it('build exact and prefix trees ending in chain names, nested, with a fallback', () => {
    const m = ChainMatcher.prefix('server_name', { 'api.': 'api', 'www.': ChainMatcher.exact('transport_protocol', { tls: 'www-tls' }, 'www-plain') });
    expect(toJson(M, m, { keys: 'proto' })).toEqual({
      matcher_tree: {
        input: { name: 'envoy.matching.inputs.server_name', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.ServerNameInput' } },
        prefix_match_map: {
          map: {
            'api.': { action: { name: 'api', typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'api' } } },
            'www.': {
              matcher: {
                matcher_tree: {
                  input: {
                    name: 'envoy.matching.inputs.transport_protocol',
                    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput' },
                  },
                  exact_match_map: { map: { tls: { action: { name: 'www-tls', typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'www-tls' } } } } },
                },
                on_no_match: { action: { name: 'www-plain', typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'www-plain' } } },
              },
            },
          },
        },
      },
    });
  });

  it('rejects an unknown network input', () => {
    expect(() => ChainMatcher.input('pod_name' as never)).toThrow('unknown network input "pod_name": expected one of destination_ip, destination_port');
  });
});

describe('listener filter predicates', () => {
  it('combine port ranges with not, or and and; one rule stands alone (envoy sets need two)', () => {
    const json = (p: unknown) => toJson(P, p as never, { keys: 'proto' });
    expect(json(ListenerPredicate.any())).toEqual({ any_match: true });
    expect(json(ListenerPredicate.destinationPorts(80))).toEqual({ destination_port_range: { start: 80, end: 81 } });
    expect(json(ListenerPredicate.not(ListenerPredicate.destinationPorts(80, 443)))).toEqual({
      not_match: { or_match: { rules: [{ destination_port_range: { start: 80, end: 81 } }, { destination_port_range: { start: 443, end: 444 } }] } },
    });
    expect(json(ListenerPredicate.and(ListenerPredicate.destinationPortRange(1000, 2000), ListenerPredicate.not(ListenerPredicate.destinationPorts(1500))))).toEqual({
      and_match: { rules: [{ destination_port_range: { start: 1000, end: 2000 } }, { not_match: { destination_port_range: { start: 1500, end: 1501 } } }] },
    });
  });

  it('rejects an empty set and a port out of range', () => {
    expect(() => ListenerPredicate.or()).toThrow('or needs at least one predicate (rule: repeated.min_items)');
    expect(() => ListenerPredicate.destinationPorts(70000)).toThrow('invalid port 70000: expected an integer from 0 to 65535 (rule: port)');
  });
});
