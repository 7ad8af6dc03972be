/**
 * The prod templates after the security review (issue 18): they pass cdk-nag and the AWS Control
 * Tower guard rules at synth, every function has only the grants it uses, the link secret never
 * sits in a function's configuration, SMS publishing is fenced, MFA is required, evidence is
 * write-once and versioned, and the edge runs TLS 1.2 with a custom domain.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type WhistleApp } from '../../infra/app';
import { substitutionKeys } from '../../workflows/contract';
import { lifecycleTasks } from '../../workflows/tasks';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const task = (key: string, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${key}}` },
  ...(next ? { Next: next } : { End: true }),
});
/** One Task state per placeholder of the contract, in a chain. */
const fixtureAsl = JSON.stringify({
  StartAt: 'S0',
  States: Object.fromEntries(
    substitutionKeys.map((key, i) => [
      `S${i}`,
      task(key, i + 1 < substitutionKeys.length ? `S${i + 1}` : undefined),
    ]),
  ),
});

let built: WhistleApp;
let report: { pluginReports?: { pluginName?: string; summary?: { status?: string } }[] } | undefined;
const template = (name: keyof WhistleApp['stacks']) => Template.fromStack(built.stacks[name]);
const statements = (t: Template): Statement[] =>
  Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
const functions = (t: Template) =>
  Object.values(t.findResources('AWS::Lambda::Function')) as {
    Properties: { Description?: string; Environment?: { Variables?: Record<string, unknown> } };
  }[];

beforeAll(() => {
  built = buildApp({
    stage: 'prod',
    definition: fixtureAsl,
    context: {
      'aws:cdk:bundling-stacks': [],
      alarmEmail: 'ops@example.org',
      consoleDomain: 'whistle.example.gov.cn',
      consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
      cognitoEmailFrom: 'noreply@liling.gov.cn',
      cognitoSesRegion: 'ap-southeast-1',
    },
  });
  // cdk-nag and the Control Tower guard rules: any unacknowledged finding throws here.
  const assembly = built.app.synth();
  try {
    report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
  } catch {
    report = undefined;
  }
}, 300_000);

describe('prod synth', () => {
  it('runs both rule sets and passes', () => {
    const names = (report?.pluginReports ?? []).map((r) => r.pluginName);
    expect(names).toContain('cdk-validator-cfnguard');
    for (const r of report?.pluginReports ?? []) expect(r.summary?.status, r.pluginName).not.toBe('failure');
  });

  it('keeps the link key out of every function configuration, readable by the functions that sign', () => {
    for (const name of ['workflow', 'api'] as const) {
      const t = template(name);
      expect(JSON.stringify(t.toJSON())).not.toContain('resolve:secretsmanager');
      for (const fn of functions(t))
        expect(fn.Properties.Environment?.Variables?.LINK_SECRET).toBeUndefined();
      const reads = statements(t).filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      // The link key, or the origin-verify value CloudFront adds (every API function checks it).
      for (const s of reads) expect(JSON.stringify(s.Resource)).toMatch(/LinkSecret|OriginVerifySecret/);
    }
  });

  it('lets only the sender publish: tasks and API functions queue notices and never call SNS', () => {
    for (const name of ['workflow', 'api', 'data'] as const) {
      const publish = statements(template(name)).filter((s) =>
        [s.Action].flat().some((a) => typeof a === 'string' && a.startsWith('sns:Publish')),
      );
      expect(publish, name).toEqual([]);
    }
  });

  it('fences SMS publishing: phone numbers in this region only, no other topic or endpoint', () => {
    const all = statements(template('notifications'));
    const star = all.filter(
      (s) => s.Effect === 'Allow' && [s.Action].flat().includes('sns:Publish') && s.Resource === '*',
    );
    expect(star.length).toBeGreaterThan(0);
    for (const s of star) expect(s.Condition?.StringEquals?.['aws:RequestedRegion']).toBeDefined();
    const deny = all.filter((s) => s.Effect === 'Deny' && [s.Action].flat().includes('sns:Publish'));
    expect(deny).toHaveLength(star.length);
    for (const s of deny) {
      expect(JSON.stringify(s.NotResource)).toMatch(/DispatchTopic/);
      expect(s.Condition?.Null?.['aws:ResourceAccount']).toBe('false');
    }
  });

  it('gives Advance read access to the table and its own task tokens, nothing else', () => {
    const t = template('workflow');
    const finish = Object.entries(t.findResources('AWS::Lambda::Function')).find(
      ([, r]) => r.Properties.Description === lifecycleTasks.advance.entry,
    );
    if (!finish) throw new Error('no Advance function');
    const role = (finish[1].Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const own = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((s) => [s.Action].flat());
    expect(own).toContain('dynamodb:GetItem');
    expect(
      own.filter((a) =>
        /^(sns|sqs|secretsmanager):|^states:(Start|Stop)|dynamodb:(Put|Update|Delete|BatchWrite)/.test(a),
      ),
    ).toEqual([]);
  });

  it('requires MFA and sends Cognito mail through SES', () => {
    template('api').hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      EmailConfiguration: Match.objectLike({
        EmailSendingAccount: 'DEVELOPER',
        From: Match.stringLikeRegexp('noreply@liling.gov.cn'),
      }),
    });
  });

  it('keeps evidence write-once, versioned, cleaned up and locked', () => {
    const edge = template('edge');
    edge.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 400 } },
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        ]),
      },
    });
    edge.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'EvidenceIsWriteOnce',
            Effect: 'Deny',
            Action: 's3:PutObject',
            Condition: { Null: { 's3:if-none-match': 'true' } },
          }),
        ]),
      },
    });
  });

  it('serves TLS 1.2 with SNI and sends the console’s security headers', () => {
    const edge = template('edge');
    edge.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
      }),
    });
    const [policy] = Object.values(edge.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const headers = JSON.stringify(policy?.Properties);
    expect(headers).toContain("frame-ancestors 'none'");
    expect(headers).toContain("script-src 'self'");
    expect(headers).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('throttles every route by its class: intake alike on every facade, links, Open311 and reads apart', () => {
    const [stage] = Object.values(template('api').findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;
    const { routeThrottles } = built.config;
    for (const key of ['POST /v1/tickets', 'POST /open311/v2/requests.json', 'POST /open311/v2/requests.xml'])
      expect(settings[key]?.ThrottlingRateLimit, key).toBe(routeThrottles.intake.rateLimit);
    expect(settings['GET /l/{code}']?.ThrottlingRateLimit).toBe(routeThrottles.links.rateLimit);
    expect(settings['POST /v1/tickets/{id}/acknowledge']?.ThrottlingRateLimit).toBe(
      routeThrottles.actions.rateLimit,
    );
    expect(settings['GET /v1/board']?.ThrottlingRateLimit).toBe(routeThrottles.reads.rateLimit);
    expect(settings['GET /open311/v2/requests.json']?.ThrottlingRateLimit).toBe(
      routeThrottles.open311.rateLimit,
    );
  });
});
