import { describe, expect, it } from 'vitest';
import { isXdsValidationError } from 'xdskit';
import { compileRbac, evaluateRbac, explain, type RbacModel } from 'xdskit/mesh';

const shop: RbacModel = {
  users: {
    web: { principals: { spiffe: 'cluster.local/ns/shop/sa/web' }, roles: ['reader'] },
    ops: { principals: [{ spiffe: 'spiffe://cluster.local/ns/ops/*' }, { sourceIp: '10.10.0.0/16' }], roles: ['admin'] },
    alice: { principals: { jwt: { claim: 'sub', value: 'alice' } }, roles: ['writer'] },
    bots: { principals: { header: { name: 'x-bot', regex: 'bot-[0-9]+' } }, roles: ['reader'] },
  },
  roles: {
    reader: { permissions: [{ methods: ['GET', 'HEAD'], paths: ['/api/*'] }] },
    writer: { inherits: ['reader'], permissions: [{ methods: ['POST'], paths: ['/api/items'], hosts: ['shop.example.com'] }] },
    admin: { inherits: ['writer'], permissions: [{ ports: [9090] }, { paths: [{ suffix: '.json' }], destinationIps: ['10.0.0.0/8'] }] },
  },
};

describe('explain', () => {
  it('allows a request by the role and policy whose rule matches', () => {
    const r = explain(shop, { principal: 'spiffe://cluster.local/ns/shop/sa/web', method: 'GET', path: '/api/items?page=2' });
    expect(r.decision).toBe('ALLOW');
    expect(r.allowedBy).toMatchObject({ policy: 'role[reader]-rule[0]', role: 'reader', rule: 0, from: 'reader', users: ['web'] });
    expect(r.reason).toContain("user 'web' has role 'reader'");
  });

  it('denies a request no role permits', () => {
    const r = explain(shop, { principal: 'spiffe://cluster.local/ns/shop/sa/web', method: 'DELETE', path: '/api/items' });
    expect(r).toMatchObject({ decision: 'DENY', effect: 'DENY', matched: { deny: [], allow: [] } });
    expect(r.allowedBy).toBeUndefined();
  });

  it('grants inherited permissions through the hierarchy and names the role that declared them', () => {
    const r = explain(shop, { jwt: { sub: 'alice' }, method: 'GET', path: '/api/x' });
    expect(r.allowedBy).toMatchObject({ role: 'writer', policy: 'role[writer]-rule[0]', from: 'reader', fromIndex: 0, users: ['alice'] });
    const post = explain(shop, { jwt: { sub: 'alice' }, method: 'POST', path: '/api/items', host: 'SHOP.example.com' });
    expect(post.allowedBy).toMatchObject({ role: 'writer', policy: 'role[writer]-rule[1]', from: 'writer' });
    const wrongHost = explain(shop, { jwt: { sub: 'alice' }, method: 'POST', path: '/api/items', host: 'evil.example.com' });
    expect(wrongHost.decision).toBe('DENY');
  });

  it('matches SPIFFE prefixes, source CIDRs, ports, destination CIDRs and path suffixes', () => {
    expect(explain(shop, { principal: 'spiffe://cluster.local/ns/ops/sa/any', destinationPort: 9090 }).allowedBy?.policy).toBe('role[admin]-rule[2]');
    expect(explain(shop, { sourceIp: '10.10.3.4', destinationPort: 9090 }).allowedBy?.users).toEqual(['ops']);
    expect(explain(shop, { sourceIp: '10.11.3.4', destinationPort: 9090 }).decision).toBe('DENY');
    expect(explain(shop, { sourceIp: '10.10.3.4', path: '/x/y.json', destinationIp: '10.1.2.3' }).allowedBy?.policy).toBe('role[admin]-rule[3]');
    expect(explain(shop, { sourceIp: '10.10.3.4', path: '/x/y.json', destinationIp: '192.168.1.1' }).decision).toBe('DENY');
  });

  it('matches JWT claims that hold lists, and header regexes in full', () => {
    const groups: RbacModel = {
      users: { admins: { principals: { jwt: { claim: ['realm', 'groups'], value: ['admin', 'root'] } }, roles: ['all'] } },
      roles: { all: { permissions: [{ any: true }] } },
    };
    expect(explain(groups, { jwt: { realm: { groups: ['dev', 'root'] } } }).decision).toBe('ALLOW');
    expect(explain(groups, { jwt: { realm: { groups: 'admin' } } }).decision).toBe('ALLOW');
    expect(explain(groups, { jwt: { realm: { groups: ['dev'] } } }).decision).toBe('DENY');
    expect(explain(shop, { headers: { 'X-Bot': 'bot-42' }, method: 'GET', path: '/api/' }).allowedBy?.users).toEqual(['bots']);
    expect(explain(shop, { headers: { 'x-bot': 'bot-42x' }, method: 'GET', path: '/api/' }).decision).toBe('DENY');
  });

  it('denies requests that activate two dynamically separated roles, before any ALLOW policy', () => {
    const model: RbacModel = {
      model: 'RBAC2',
      users: {
        initiator: { principals: { spiffe: 'cluster.local/ns/pay/sa/initiator' }, roles: ['initiate'] },
        approver: { principals: { jwt: { claim: 'groups', value: 'approvers' } }, roles: ['approve'] },
      },
      roles: { initiate: { permissions: [{ paths: ['/pay/*'] }] }, approve: { permissions: [{ paths: ['/pay/*'] }] } },
      constraints: { dynamicSeparation: [{ name: 'payments', roles: ['initiate', 'approve'] }] },
    };
    const both = explain(model, { principal: 'spiffe://cluster.local/ns/pay/sa/initiator', jwt: { groups: ['approvers'] }, path: '/pay/1' });
    expect(both).toMatchObject({ decision: 'DENY', deniedBy: { policy: 'dsd[payments]-rule[0]', constraint: 'payments', roles: ['initiate', 'approve'] } });
    expect(both.matched.allow).toEqual(['role[approve]-rule[0]', 'role[initiate]-rule[0]']);
    expect(explain(model, { principal: 'spiffe://cluster.local/ns/pay/sa/initiator', path: '/pay/1' }).allowedBy?.role).toBe('initiate');
  });

  it('reports shadow rules without enforcing them', () => {
    const r = explain(shop, { method: 'GET', path: '/api/x' }, { shadow: true });
    expect(r).toMatchObject({ decision: 'DENY', effect: 'ALLOW', enforced: false });
  });

  it('evaluates a TCP chain without HTTP attributes', () => {
    const tcp: RbacModel = {
      users: { db: { principals: { spiffe: 'cluster.local/ns/db/sa/client' }, roles: ['sql'] } },
      roles: { sql: { permissions: [{ ports: [5432] }] } },
    };
    const compiled = compileRbac(tcp, { protocol: 'tcp' });
    expect(explain(compiled, { principal: 'spiffe://cluster.local/ns/db/sa/client', destinationPort: 5432 }).decision).toBe('ALLOW');
    expect(explain(compiled, { principal: 'spiffe://cluster.local/ns/db/sa/other', destinationPort: 5432 }).decision).toBe('DENY');
  });
});

describe('evaluateRbac', () => {
  it('follows Envoy header matching: joined values, absent headers, invert, present', () => {
    const policy = (header: object) => ({
      action: 0,
      policies: { p: { permissions: [{ rule: { $case: 'header' as const, header } }], principals: [{ identifier: { $case: 'any' as const, any: true } }] } },
    });
    const ex = { name: 'x-a', headerMatchSpecifier: { $case: 'exactMatch', exactMatch: '1,2' } };
    expect(evaluateRbac(policy(ex) as never, { headers: { 'x-a': ['1', '2'] } }).allowed).toBe(true);
    expect(evaluateRbac(policy({ ...ex, invertMatch: true }) as never, {}).allowed).toBe(true);
    expect(evaluateRbac(policy(ex) as never, {}).allowed).toBe(false);
    const absent = { name: 'x-a', headerMatchSpecifier: { $case: 'presentMatch', presentMatch: false } };
    expect(evaluateRbac(policy(absent) as never, {}).allowed).toBe(true);
    expect(evaluateRbac(policy(absent) as never, { headers: { 'x-a': '' } }).allowed).toBe(false);
  });

  it('matches principals: and/or/not ids, certificate names in Envoy’s order, and the three IP kinds', () => {
    const allow = (principal: object) => ({
      action: 0,
      policies: { p: { permissions: [{ rule: { $case: 'any' as const, any: true } }], principals: [principal] } },
    });
    const exact = (s: string) => ({ matchPattern: { $case: 'exact', exact: s } });
    const authn = (s: string) => ({ identifier: { $case: 'authenticated', authenticated: { principalName: exact(s) } } });
    const cidr = (kind: string, prefix: string, len: number) => ({ identifier: { $case: kind, [kind]: { addressPrefix: prefix, prefixLen: len } } });
    const ok = (p: object, req: object) => evaluateRbac(allow(p) as never, req).allowed;

    // URI SANs first; DNS SANs only without URI SANs; the subject only without SANs.
    expect(ok(authn('spiffe://td/a'), { principal: ['spiffe://td/x', 'spiffe://td/a'] })).toBe(true);
    expect(ok(authn('a.example.com'), { principal: 'spiffe://td/a', dnsSans: ['a.example.com'] })).toBe(false);
    expect(ok(authn('a.example.com'), { dnsSans: ['a.example.com'] })).toBe(true);
    expect(ok(authn('CN=a'), { subject: 'CN=a' })).toBe(true);
    expect(ok({ identifier: { $case: 'authenticated', authenticated: {} } }, { subject: 'CN=a' })).toBe(true);
    expect(ok({ identifier: { $case: 'authenticated', authenticated: {} } }, {})).toBe(false);

    // direct_remote_ip and source_ip: the connection; remote_ip: the client after XFF.
    expect(ok(cidr('directRemoteIp', '10.0.0.0', 8), { sourceIp: '10.1.1.1', remoteIp: '192.168.0.1' })).toBe(true);
    expect(ok(cidr('sourceIp', '10.0.0.0', 8), { sourceIp: '10.1.1.1' })).toBe(true);
    expect(ok(cidr('remoteIp', '10.0.0.0', 8), { sourceIp: '10.1.1.1', remoteIp: '192.168.0.1' })).toBe(false);
    expect(ok(cidr('remoteIp', '10.0.0.0', 8), { sourceIp: '10.1.1.1' })).toBe(true);
    expect(ok(cidr('directRemoteIp', '2001:db8::', 32), { sourceIp: '2001:db8:1::5' })).toBe(true);
    expect(ok(cidr('directRemoteIp', '2001:db8::', 32), { sourceIp: '10.1.1.1' })).toBe(false);

    const and = { identifier: { $case: 'andIds', andIds: { ids: [authn('spiffe://td/a'), cidr('directRemoteIp', '10.0.0.0', 8)] } } };
    expect(ok(and, { principal: 'spiffe://td/a', sourceIp: '10.0.0.1' })).toBe(true);
    expect(ok(and, { principal: 'spiffe://td/a', sourceIp: '11.0.0.1' })).toBe(false);
    const or = { identifier: { $case: 'orIds', orIds: { ids: [authn('spiffe://td/a'), cidr('directRemoteIp', '10.0.0.0', 8)] } } };
    expect(ok(or, { sourceIp: '10.0.0.1' })).toBe(true);
    expect(ok({ identifier: { $case: 'notId', notId: or } }, { sourceIp: '10.0.0.1' })).toBe(false);
    expect(ok({ identifier: { $case: 'notId', notId: or } }, { sourceIp: '11.0.0.1' })).toBe(true);
  });

  it('matches permissions: header string matchers, url_path without the query, ports and port ranges, destination CIDRs', () => {
    const allow = (permission: object) => ({
      action: 0,
      policies: { p: { permissions: [permission], principals: [{ identifier: { $case: 'any' as const, any: true } }] } },
    });
    const ok = (p: object, req: object, protocol: 'http' | 'tcp' = 'http') => evaluateRbac(allow(p) as never, req, { protocol }).allowed;
    const header = (m: object) => ({ rule: { $case: 'header', header: { name: 'x-a', headerMatchSpecifier: { $case: 'stringMatch', stringMatch: m } } } });
    expect(ok(header({ matchPattern: { $case: 'contains', contains: 'mid' } }), { headers: { 'x-a': 'a-mid-b' } })).toBe(true);
    expect(ok(header({ matchPattern: { $case: 'suffix', suffix: 'B' }, ignoreCase: true }), { headers: { 'x-a': 'a-mid-b' } })).toBe(true);
    expect(ok(header({ matchPattern: { $case: 'safeRegex', safeRegex: { regex: 'a-[a-z]+' } } }), { headers: { 'x-a': 'a-mid-b' } })).toBe(false);
    expect(ok(header({ matchPattern: { $case: 'safeRegex', safeRegex: { regex: 'a-[a-z]+-b' } } }), { headers: { 'x-a': 'a-mid-b' } })).toBe(true);
    // Headers do not exist on a TCP chain.
    expect(ok(header({ matchPattern: { $case: 'prefix', prefix: '' } }), { headers: { 'x-a': 'v' } }, 'tcp')).toBe(false);

    const path = { rule: { $case: 'urlPath', urlPath: { rule: { $case: 'path', path: { matchPattern: { $case: 'exact', exact: '/a/b' } } } } } };
    expect(ok(path, { path: '/a/b?x=1#f' })).toBe(true);
    const rawPath = { rule: { $case: 'header', header: { name: ':path', headerMatchSpecifier: { $case: 'exactMatch', exactMatch: '/a/b' } } } };
    expect(ok(rawPath, { path: '/a/b?x=1' })).toBe(false);

    expect(ok({ rule: { $case: 'destinationPort', destinationPort: 443 } }, { destinationPort: 443 })).toBe(true);
    expect(ok({ rule: { $case: 'destinationPortRange', destinationPortRange: { start: 8000, end: 8080 } } }, { destinationPort: 8080 })).toBe(false);
    expect(ok({ rule: { $case: 'destinationPortRange', destinationPortRange: { start: 8000, end: 8080 } } }, { destinationPort: 8079 }, 'tcp')).toBe(true);
    expect(ok({ rule: { $case: 'destinationIp', destinationIp: { addressPrefix: '10.1.0.0', prefixLen: 16 } } }, { destinationIp: '10.1.200.3' })).toBe(true);
    expect(ok({ rule: { $case: 'notRule', notRule: path } }, { path: '/a/c' })).toBe(true);
  });

  it('reports the first matching policy in name order, as Envoy does', () => {
    const any = { permissions: [{ rule: { $case: 'any' as const, any: true } }], principals: [{ identifier: { $case: 'any' as const, any: true } }] };
    const d = evaluateRbac({ action: 1, policies: { b: any, a: any } }, {});
    expect(d).toEqual({ allowed: false, policy: 'a', matched: ['a', 'b'] });
  });
});

describe('compileRbac', () => {
  it('names policies role[NAME]-rule[i] with inherited rules first', () => {
    const c = compileRbac(shop);
    expect(Object.keys(c.allow.policies!)).toEqual([
      'role[admin]-rule[0]',
      'role[admin]-rule[1]',
      'role[admin]-rule[2]',
      'role[admin]-rule[3]',
      'role[reader]-rule[0]',
      'role[writer]-rule[0]',
      'role[writer]-rule[1]',
    ]);
    expect(c.model).toBe('RBAC1');
    expect(c.users.ops).toEqual({ assigned: ['admin'], authorized: ['admin', 'writer', 'reader'] });
  });

  it('rejects a hierarchy cycle, naming the cycle', () => {
    const m: RbacModel = { users: {}, roles: { a: { inherits: ['b'] }, b: { inherits: ['c'] }, c: { inherits: ['a'] } } };
    expect(() => compileRbac(m)).toThrow("role hierarchy has a cycle: 'a' → 'b' → 'c' → 'a'");
  });

  it('rejects a static separation conflict, naming both roles and the user', () => {
    const m: RbacModel = {
      users: { bob: { principals: { spiffe: 'x/y' }, roles: ['senior', 'audit'] } },
      roles: { pay: {}, audit: {}, senior: { inherits: ['pay'] } },
      constraints: { staticSeparation: [{ name: 'sod', roles: ['pay', 'audit'] }] },
    };
    try {
      compileRbac(m);
      expect.unreachable();
    } catch (e) {
      expect(isXdsValidationError(e)).toBe(true);
      expect((e as Error).message).toContain("static separation of duty 'sod': user 'bob' is assigned both 'pay' (inherited through 'senior') and 'audit'");
    }
  });

  it('rejects HTTP-only conditions on a TCP chain unless Istio behaviour is asked for', () => {
    expect(() => compileRbac(shop, { protocol: 'tcp' })).toThrow(/HTTP-only/);
    const c = compileRbac(shop, { protocol: 'tcp', tcpHttpFields: 'istio' });
    expect(Object.keys(c.allow.policies!)).toEqual(['role[admin]-rule[2]']);
    expect(c.dropped.filter((d) => d.kind === 'policy').map((d) => d.policy)).toContain('role[reader]-rule[0]');
  });
});

describe('compileRbac output', () => {
  it('validates for every permission and principal kind, including the any-path and any-host forms', async () => {
    const { validate } = await import('xdskit/validate');
    const { rbacHttpFilters } = await import('xdskit/mesh');
    const c = compileRbac({
      users: {
        u: {
          principals: [
            { spiffe: ['ns/a/sa/b', 'spiffe://td/x/*'], sourceIp: '10.0.0.0/8', remoteIp: ['::1/128'] },
            { authenticated: true, header: [{ name: 'x-a', suffix: 'z' }, { name: 'x-b', present: false, invert: true }] },
            { jwt: [{ claim: 'sub', value: ['a', 'b'] }], not: { any: true } },
          ],
          roles: ['r'],
        },
      },
      roles: {
        r: {
          permissions: [
            { paths: ['*', { contains: 'x', ignoreCase: true }, { regex: '/v[0-9]+/.*' }], hosts: ['*', 'a.example.com'] },
            { headers: [{ name: 'x-c', contains: 'y' }], destinationIps: ['2001:db8::/32'], not: { ports: [22] } },
          ],
        },
      },
    });
    for (const f of rbacHttpFilters(c)) {
      expect(validate('envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter', f.toFilter()).errors).toEqual([]);
    }
    expect(explain(c, { path: '/anything', host: 'whatever', principal: 'spiffe://td/x/y', sourceIp: '10.1.1.1', remoteIp: '::1' }).allowedBy?.policy).toBe('role[r]-rule[0]');
  });

  it('rejects empty prefixes and suffixes, which Envoy would reject', () => {
    expect(() =>
      compileRbac({ users: {}, roles: { r: { permissions: [{ paths: [{ prefix: '' }], headers: [{ name: 'x', suffix: '' }] }] } } }),
    ).toThrow(/paths\[0\]\.prefix: prefix cannot be empty[\s\S]*headers\[0\]\.suffix: suffix cannot be empty/);
  });
});
