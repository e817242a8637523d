import { describe, expect, it } from 'vitest';
import { fromYaml } from 'xdskit';
import { validate } from 'xdskit/validate';

const listener = (chains: string, onNoMatch = 'b') =>
  fromYaml(
    'envoy.config.listener.v3.Listener',
    `
name: sni
address: { socket_address: { address: 0.0.0.0, port_value: 443 } }
filter_chain_matcher:
  matcher_tree:
    input: { name: sni, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.ServerNameInput } }
    exact_match_map:
      map:
        a.example.com: { action: { name: a, typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: a } } }
  on_no_match: { action: { name: fallback, typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: ${onNoMatch} } } }
filter_chains:
${chains}
`,
  );

const tcp = (cluster: string) =>
  `filters: [{ name: tcp, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: ${cluster}, cluster: ${cluster} } }]`;

describe('a listener whose filter chains a matcher picks', () => {
  it('is valid when every chain is named and every action names one', () => {
    const l = listener(`- { name: a, ${tcp('a')} }\n- { name: b, ${tcp('b')} }`);
    expect(validate('envoy.config.listener.v3.Listener', l).errors).toEqual([]);
  });

  it('fails for an unnamed chain, a chain with a filter_chain_match, and an action naming no chain', () => {
    const l = listener(`- { name: a, ${tcp('a')} }\n- { filter_chain_match: { destination_port: 443 }, ${tcp('b')} }`, 'missing');
    const problems = validate('envoy.config.listener.v3.Listener', l).errors.filter((p) => p.rule === 'listener.filter_chain_matcher');
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'filter_chains[1].name: a filter chain needs a name when a filter_chain_matcher picks the chains',
      'filter_chains[1].filter_chain_match: is ignored when a filter_chain_matcher picks the chains: remove it, or match in the matcher',
      'filter_chain_matcher.on_no_match.action: selects filter chain "missing", which the listener does not have',
    ]);
  });

  it('fails for a chain name used twice: the matcher picks chains by name (listener.filter_chain_name)', () => {
    const l = listener(`- { name: a, ${tcp('a')} }\n- { name: b, ${tcp('b')} }\n- { name: a, ${tcp('c')} }`);
    expect(validate('envoy.config.listener.v3.Listener', l).errors).toEqual([
      {
        path: 'filter_chains[2].name',
        rule: 'listener.filter_chain_name',
        message: 'filter chain name "a" is already used by filter_chains[0]; the filter_chain_matcher picks chains by name',
        value: 'a',
      },
    ]);
  });

  it('fails for an action that is not a chain name', () => {
    const l = listener(`- { name: a, ${tcp('a')} }\n- { name: b, ${tcp('b')} }`);
    l.filterChainMatcher!.onNoMatch = {
      onMatch: { $case: 'action', action: { name: 'x', typedConfig: { typeUrl: 'type.googleapis.com/google.protobuf.UInt32Value', value: Buffer.from([8, 1]) } } },
    };
    const problems = validate('envoy.config.listener.v3.Listener', l).errors.filter((p) => p.rule === 'listener.filter_chain_matcher');
    expect(problems).toEqual([
      {
        path: 'filter_chain_matcher.on_no_match.action.typed_config',
        rule: 'listener.filter_chain_matcher',
        message: 'a filter chain matcher action must be a google.protobuf.StringValue naming a filter chain, got "type.googleapis.com/google.protobuf.UInt32Value"',
        value: 'type.googleapis.com/google.protobuf.UInt32Value',
      },
    ]);
  });
});
