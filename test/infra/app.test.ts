/**
 * Template assertions for the whole CDK app, both stages, each synthesized once with bundling
 * skipped. The workflow gets a small ASL fixture that uses the contract's three placeholders, so
 * these tests do not depend on the real definition or the handler files.
 */

import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { apiStack } from './app/api';
import { cdkNag } from './app/cdk-nag';
import { consoleStack } from './app/console';
import { dataStack } from './app/data';
import { edgeStack } from './app/edge';
import { everyResource } from './app/every-resource';
import { functions } from './app/functions';
import { notificationsStack } from './app/notifications';
import { observabilityStack } from './app/observability';
import { advanceEntry, env, fixtureAsl, type Resource, resources, synthBothStages } from './app/synth';
import { wafStack } from './app/waf';
import { workflowStack } from './app/workflow';

beforeAll(() => {
  synthBothStages();
});

describe.each(['dev', 'prod'] as const)('%s stage', (stage) => {
  dataStack(stage);
  functions(stage);
  workflowStack(stage);
  apiStack(stage);
  notificationsStack(stage);
  observabilityStack(stage);
  edgeStack(stage);
  consoleStack(stage);
  wafStack(stage);
  everyResource(stage);
  cdkNag(stage);
});

describe('stage context', () => {
  it('links to the custom console domain and caps the SMS spend when configured', () => {
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'prod',
      definition: fixtureAsl,
      context: {
        'aws:cdk:bundling-stacks': [],
        consoleDomain: 'whistle.example.gov.cn',
        consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
        smsMonthlySpendLimit: '300',
      },
    });
    app.synth();
    const workflow = Template.fromStack(stacks.workflow);
    // Every function that sends messages (Finish sends none and gets no address).
    const senders = resources(workflow, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties.Description !== advanceEntry,
    );
    expect(senders.length).toBeGreaterThan(0);
    for (const [, fn] of senders) expect(env(fn).PUBLIC_BASE_URL).toBe('https://whistle.example.gov.cn');
    Template.fromStack(stacks.edge).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Aliases: ['whistle.example.gov.cn'],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }),
      },
    });
    const [[, settings]] = resources(
      Template.fromStack(stacks.notifications),
      'Custom::SnsSmsAttributes',
    ) as [[string, Resource]];
    expect(JSON.stringify(settings.Properties.Update)).toContain('MonthlySpendLimit\\":\\"300');
  });

  it("attaches the Waf stack's web ACL to the distribution when its ARN is given", () => {
    const webAclArn =
      'arn:aws:wafv2:us-east-1:123456789012:global/webacl/whistle-dispatch-prod/1a2b3c4d-5e6f';
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'prod',
      definition: fixtureAsl,
      context: { 'aws:cdk:bundling-stacks': [], webAclArn },
    });
    app.synth();
    Template.fromStack(stacks.edge).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: webAclArn }),
    });
  });

  it('refuses a web ACL ARN that is not of CloudFront scope', () => {
    expect(() =>
      buildApp({
        guardRules: false,
        stage: 'prod',
        definition: fixtureAsl,
        context: {
          'aws:cdk:bundling-stacks': [],
          webAclArn: 'arn:aws:wafv2:ap-east-1:123456789012:regional/webacl/x/1a2b',
        },
      }),
    ).toThrow(/webAclArn/);
  });

  it('takes an explicit public base URL over the console address', () => {
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'dev',
      definition: fixtureAsl,
      context: { 'aws:cdk:bundling-stacks': [], publicBaseUrl: 'https://gw.example.gov.cn/whistle' },
    });
    app.synth();
    for (const stack of [stacks.workflow, stacks.api]) {
      for (const [, fn] of resources(Template.fromStack(stack), 'AWS::Lambda::Function')) {
        if (fn.Properties.Description === advanceEntry) continue;
        expect(env(fn).PUBLIC_BASE_URL).toBe('https://gw.example.gov.cn/whistle');
      }
    }
  });
});

describe('cdk-nag wiring', () => {
  it('fails the synth on an unacknowledged finding', () => {
    const { app, stacks } = buildApp({
      guardRules: false,
      stage: 'dev',
      definition: fixtureAsl,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    new sqs.Queue(stacks.notifications, 'Plaintext', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
