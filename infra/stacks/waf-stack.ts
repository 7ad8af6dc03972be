/**
 * The web ACL in front of CloudFront. A CloudFront-scoped WAF lives in us-east-1 whatever region
 * the rest of the app runs in, so it is a stack of its own there; the Edge stack attaches it by
 * ARN, given as context (`-c webAclArn=<this stack's WebAclArn output>`): a cross-region reference
 * would need a lookup or a custom resource at deploy time, and the synth must stay offline.
 *
 * Rules, in order: AWS's managed common rule set and known-bad-inputs set (blocking), then three
 * rate-based rules per client IP over 5 minutes (every request, the intake POSTs, the signed-link
 * pages). API Gateway's route throttles cap each route's total; these cap one client, so a single
 * address can no longer answer 429 to a whole city.
 */
import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';

/** The region a CloudFront web ACL must be created in. */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

export interface WafStackProps extends StackProps {
  config: StageConfig;
}

/** A rule's metric and sampling, named after the rule. */
const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName: name,
  sampledRequestsEnabled: true,
});

const byteMatch = (
  field: wafv2.CfnWebACL.FieldToMatchProperty,
  searchString: string,
  positionalConstraint: 'EXACTLY' | 'STARTS_WITH',
): wafv2.CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: field,
    searchString,
    positionalConstraint,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

export class WafStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WafStackProps) {
    super(scope, id, props);
    const { config } = props;
    const limits = config.wafRateLimits;
    const managed = (
      priority: number,
      name: string,
      countOnly: string[] = [],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(countOnly.length > 0
            ? { ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    });
    const rate = (
      priority: number,
      name: string,
      limit: number,
      scopeDown?: wafv2.CfnWebACL.StatementProperty,
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit,
          evaluationWindowSec: 300,
          aggregateKeyType: 'IP',
          ...(scopeDown ? { scopeDownStatement: scopeDown } : {}),
        },
      },
      visibilityConfig: visibility(name),
    });
    const post = byteMatch({ method: {} }, 'POST', 'EXACTLY');

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `whistle-dispatch-${config.stage}`,
      description: 'Whistle Dispatch: managed rules and per-client rate limits in front of CloudFront',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`whistle-dispatch-${config.stage}`),
      rules: [
        // Counted, not blocked: admin configuration PUTs (a calendar year, a duty list) exceed the
        // set's 8 KB body limit, and SMS gateways post receipts without a User-Agent.
        managed(0, 'AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY', 'NoUserAgent_HEADER']),
        managed(1, 'AWSManagedRulesKnownBadInputsRuleSet'),
        rate(10, 'RatePerClient', limits.all),
        rate(11, 'RateIntakePerClient', limits.intake, {
          andStatement: {
            statements: [
              post,
              {
                orStatement: {
                  statements: [
                    byteMatch({ uriPath: {} }, '/v1/tickets', 'EXACTLY'),
                    byteMatch({ uriPath: {} }, '/open311/v2/requests', 'STARTS_WITH'),
                  ],
                },
              },
            ],
          },
        }),
        rate(12, 'RateLinksPerClient', limits.links, byteMatch({ uriPath: {} }, '/l/', 'STARTS_WITH')),
      ],
    });

    // The log group's name must start with aws-waf-logs-. Paths are redacted: a signed link's code
    // is its credential, and Open311's api_key travels in the query.
    const logs = new LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-whistle-dispatch-${config.stage}`,
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { uriPath: {} }, { queryString: {} }],
    });
    new CfnOutput(this, 'WebAclArn', {
      value: this.webAcl.attrArn,
      description: 'Pass to the other stacks: cdk deploy -c webAclArn=<this value>',
    });
  }
}
