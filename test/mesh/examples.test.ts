import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validate, validateSnapshot } from 'xdskit/validate';
import { compileRbac, explain, type RbacModel } from 'xdskit/mesh';
import { parseYaml } from 'xdskit';
import { bookinfoReviews, reviewsAuthz } from '../../examples/mesh/bookinfo.js';

describe('mesh examples', () => {
  it('bookinfo reviews: the bootstrap validates, the resources form a consistent snapshot with it', () => {
    const { iptables, bootstrap, resources } = bookinfoReviews();
    expect(validate('envoy.config.bootstrap.v3.Bootstrap', bootstrap).errors).toEqual([]);
    expect(validateSnapshot(resources as never, { bootstrap }).errors).toEqual([]);
    expect(iptables).toContain('-A ISTIO_OUTPUT -d 169.254.169.254/32 -j RETURN');
  });

  it('bookinfo reviews: explain allows productpage reads and ops on the admin port, nothing else', () => {
    const pp = 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage';
    expect(explain(reviewsAuthz, { principal: pp, method: 'GET', path: '/reviews/0' }).allowedBy?.role).toBe('reader');
    expect(explain(reviewsAuthz, { principal: pp, method: 'DELETE', path: '/reviews/0' }).decision).toBe('DENY');
    expect(explain(reviewsAuthz, { principal: pp, destinationPort: 9901 }).decision).toBe('DENY');
    expect(explain(reviewsAuthz, { principal: 'spiffe://cluster.local/ns/ops/sa/oncall', destinationPort: 9901 }).allowedBy).toMatchObject({
      role: 'operator',
      from: 'operator',
    });
  });

  it('the RBAC model in docs/mesh.md compiles as RBAC3 with one DENY policy', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/mesh.md', import.meta.url)), 'utf8');
    const yaml = /## RBAC model\n\n```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const model = JSON.parse(JSON.stringify(parseYaml(yaml), (_, v) => (typeof v === 'bigint' ? Number(v) : v))) as RbacModel;
    const c = compileRbac(model);
    expect(c.model).toBe('RBAC3');
    expect(Object.keys(c.deny!.policies!)).toEqual(['dsd[four-eyes]-rule[0]']);
    expect(explain(c, { principal: 'spiffe://cluster.local/ns/pay/sa/payments-api', method: 'POST', path: '/payments' }).reason).toBe(
      "allowed by role[requester]-rule[0]: user 'payments-api' has role 'requester' (rule 0)",
    );
  });
});
