/** Phone links must open even when the SMS carried them without a scheme. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';

describe('EdgeStack: /l/* phone links', () => {
  it('redirects plain HTTP to HTTPS for /l/* while API paths stay HTTPS-only', () => {
    const { stacks } = buildApp({
      stage: 'dev',
      guardRules: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const template = Template.fromStack(stacks.edge);
    const dist = template.findResources('AWS::CloudFront::Distribution');
    const behaviors = Object.values(dist).flatMap(
      (r) =>
        (
          r as {
            Properties: {
              DistributionConfig: { CacheBehaviors: { PathPattern: string; ViewerProtocolPolicy: string }[] };
            };
          }
        ).Properties.DistributionConfig.CacheBehaviors,
    );
    const links = behaviors.find((b) => b.PathPattern === '/l/*');
    expect(links?.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(behaviors.find((b) => b.PathPattern === '/v1/*')?.ViewerProtocolPolicy).toBe('https-only');
    template.hasResourceProperties('AWS::CloudFront::Distribution', Match.anyValue());
  });
});
