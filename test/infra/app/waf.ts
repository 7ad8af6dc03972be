/** The WafStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import { get, type Resource, resources } from './synth';

interface Rule {
  Name: string;
  Action?: Record<string, unknown>;
  OverrideAction?: Record<string, unknown>;
  Statement: {
    RateBasedStatement?: {
      Limit: number;
      AggregateKeyType: string;
      EvaluationWindowSec: number;
      ScopeDownStatement?: unknown;
    };
    ManagedRuleGroupStatement?: { VendorName: string; Name: string };
  };
}

export function wafStack(stage: DeployStage): void {
  describe('WafStack', () => {
    const acl = () => {
      const [[, webAcl]] = resources(get(stage).t.waf, 'AWS::WAFv2::WebACL') as [[string, Resource]];
      return webAcl.Properties as { Scope: string; DefaultAction: unknown; Rules: Rule[] };
    };

    it('is a CloudFront web ACL, so its stack is pinned to us-east-1', () => {
      expect(get(stage).stacks.waf.region).toBe('us-east-1');
      expect(acl().Scope).toBe('CLOUDFRONT');
      expect(acl().DefaultAction).toEqual({ Allow: {} });
    });

    it("blocks with AWS's common and known-bad-inputs rule sets", () => {
      const groups = acl()
        .Rules.filter((r) => r.Statement.ManagedRuleGroupStatement)
        .map((r) => r.Statement.ManagedRuleGroupStatement);
      expect(groups).toEqual([
        expect.objectContaining({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' }),
        expect.objectContaining({ VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' }),
      ]);
    });

    it('limits each client IP over 5 minutes: every request, intake POSTs and the link pages', () => {
      const { wafRateLimits } = get(stage).config;
      const rates = Object.fromEntries(
        acl()
          .Rules.filter((r) => r.Statement.RateBasedStatement)
          .map((r) => [r.Name, r.Statement.RateBasedStatement]),
      );
      expect(Object.keys(rates).sort()).toEqual([
        'RateIntakePerClient',
        'RateLinksPerClient',
        'RatePerClient',
      ]);
      for (const r of Object.values(rates)) {
        expect(r?.AggregateKeyType).toBe('IP');
        expect(r?.EvaluationWindowSec).toBe(300);
      }
      expect(rates.RatePerClient?.Limit).toBe(wafRateLimits.all);
      expect(rates.RatePerClient?.ScopeDownStatement).toBeUndefined();
      expect(rates.RateIntakePerClient?.Limit).toBe(wafRateLimits.intake);
      expect(JSON.stringify(rates.RateIntakePerClient?.ScopeDownStatement)).toContain('/open311/v2/requests');
      expect(rates.RateLinksPerClient?.Limit).toBe(wafRateLimits.links);
      expect(JSON.stringify(rates.RateLinksPerClient?.ScopeDownStatement)).toContain('"/l/"');
      for (const rule of acl().Rules.filter((r) => r.Statement.RateBasedStatement))
        expect(rule.Action, rule.Name).toEqual({ Block: {} });
    });

    it('logs to an aws-waf-logs- group with credentials and link codes redacted', () => {
      const t = get(stage).t.waf;
      t.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `aws-waf-logs-whistle-dispatch-${stage}`,
      });
      const [[, logging]] = resources(t, 'AWS::WAFv2::LoggingConfiguration') as [[string, Resource]];
      expect(logging.Properties.RedactedFields).toEqual(
        expect.arrayContaining([
          { SingleHeader: { Name: 'authorization' } },
          { UriPath: {} },
          { QueryString: {} },
        ]),
      );
    });

    it('leaves the distribution without a web ACL until its ARN is given as context', () => {
      const [[, distribution]] = resources(get(stage).t.edge, 'AWS::CloudFront::Distribution') as [
        [string, Resource],
      ];
      expect((distribution.Properties.DistributionConfig as { WebACLId?: string }).WebACLId).toBeUndefined();
    });
  });
}
