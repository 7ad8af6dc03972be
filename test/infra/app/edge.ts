/** The EdgeStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../functions/api/routes';
import { ORIGIN_VERIFY_HEADER } from '../../../functions/lib/origin-verify';
import type { DeployStage } from '../../../infra/config';
import { apiPathPatterns } from '../../../infra/stacks/edge-stack';
import { get, type Resource, resources } from './synth';

export function edgeStack(stage: DeployStage): void {
  describe('EdgeStack', () => {
    it("holds the bare HTTP API resource: no stage, routes or integrations (those are the Api stack's)", () => {
      const t = get(stage).t.edge;
      t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        Name: `whistle-dispatch-${stage}`,
      });
      for (const type of [
        'AWS::ApiGatewayV2::Stage',
        'AWS::ApiGatewayV2::Route',
        'AWS::ApiGatewayV2::Integration',
        'AWS::ApiGatewayV2::Authorizer',
      ])
        t.resourceCountIs(type, 0);
      const [[, api]] = resources(t, 'AWS::ApiGatewayV2::Api') as [[string, Resource]];
      if (stage === 'dev') {
        expect(api.Properties.CorsConfiguration).toMatchObject({
          AllowOrigins: get(stage).config.corsOrigins,
          AllowHeaders: expect.arrayContaining(['authorization', 'idempotency-key']),
        });
      } else {
        // The console is same-origin behind CloudFront: prod allows no other browser origin.
        expect(api.Properties.CorsConfiguration).toBeUndefined();
      }
    });

    it('keeps the site bucket private, TLS-only, access-logged and named for the Console stack', () => {
      const t = get(stage).t.edge;
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: {
          'Fn::Join': [
            '',
            [`whistle-dispatch-${stage}-console-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: Match.anyValue(),
        LoggingConfiguration: { DestinationBucketName: Match.anyValue() },
      });
      for (const [, policy] of resources(t, 'AWS::S3::BucketPolicy')) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('serves it through CloudFront with origin access control, HTTPS and security headers', () => {
      const t = get(stage).t.edge;
      t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
        OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
      });
      t.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: {
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: {
            ViewerProtocolPolicy: 'redirect-to-https',
            ResponseHeadersPolicyId: Match.anyValue(),
            FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
          },
          Origins: Match.arrayWith([
            Match.objectLike({ OriginAccessControlId: { 'Fn::GetAtt': [Match.anyValue(), 'Id'] } }),
          ]),
          Logging: Match.objectLike({ Bucket: Match.anyValue() }),
        },
      });
      t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: Match.objectLike({
            StrictTransportSecurity: Match.objectLike({ Override: true }),
            ContentSecurityPolicy: Match.objectLike({ Override: true }),
          }),
        },
      });
      t.hasResourceProperties('AWS::CloudFront::Function', {
        FunctionCode: Match.stringLikeRegexp('index.html'),
      });
    });

    it('forwards every API path to the HTTP API, uncached', () => {
      const [[, distribution]] = resources(get(stage).t.edge, 'AWS::CloudFront::Distribution') as [
        [string, Resource],
      ];
      const behaviors = (
        distribution.Properties.DistributionConfig as { CacheBehaviors: Record<string, unknown>[] }
      ).CacheBehaviors;
      expect(behaviors.map((b) => b.PathPattern).sort()).toEqual(apiPathPatterns().sort());
      for (const route of routes) {
        const matched = apiPathPatterns().some((p) =>
          p.endsWith('/*') ? route.path.startsWith(p.slice(0, -1)) : route.path === p,
        );
        expect(matched, route.path).toBe(true);
      }
    });

    it('adds the origin-verify secret to every request it forwards to the API, and none to S3', () => {
      const t = get(stage).t.edge;
      const [secretId] = resources(t, 'AWS::SecretsManager::Secret')[0] ?? [];
      const [[, distribution]] = resources(t, 'AWS::CloudFront::Distribution') as [[string, Resource]];
      const origins = (
        distribution.Properties.DistributionConfig as {
          Origins: {
            S3OriginConfig?: unknown;
            OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
          }[];
        }
      ).Origins;
      const api = origins.filter((o) => !o.S3OriginConfig && o.OriginCustomHeaders);
      expect(api).toHaveLength(1);
      const [header] = api[0]?.OriginCustomHeaders ?? [];
      expect(header?.HeaderName).toBe(ORIGIN_VERIFY_HEADER);
      // A dynamic reference resolved at deploy time: the template never holds the value.
      expect(JSON.stringify(header?.HeaderValue)).toContain('{{resolve:secretsmanager:');
      expect(JSON.stringify(header?.HeaderValue)).toContain(secretId);
      for (const o of origins.filter((x) => x.S3OriginConfig)) expect(o.OriginCustomHeaders).toBeUndefined();
    });

    it('takes resolution photos in a private bucket the console origin may PUT to', () => {
      const t = get(stage).t.edge;
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: {
          'Fn::Join': [
            '',
            [`whistle-dispatch-${stage}-evidence-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
        PublicAccessBlockConfiguration: Match.objectLike({
          BlockPublicAcls: true,
          RestrictPublicBuckets: true,
        }),
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'evidence-bucket/' },
        CorsConfiguration: {
          CorsRules: [
            {
              AllowedMethods: ['PUT', 'GET'],
              AllowedHeaders: ['content-type', 'if-none-match'],
              AllowedOrigins: [
                {
                  'Fn::Join': [
                    '',
                    ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Distribution'), 'DomainName'] }],
                  ],
                },
              ],
              MaxAge: 3600,
            },
          ],
        },
      });
    });

    it(stage === 'prod' ? "keeps the buckets' objects on delete" : 'empties the buckets on delete', () => {
      const t = get(stage).t.edge;
      t.resourceCountIs('Custom::S3AutoDeleteObjects', stage === 'prod' ? 0 : 3);
      // The auto-delete provider is CDK's; nothing else in this stack runs code.
      t.resourceCountIs('AWS::Lambda::Function', stage === 'prod' ? 0 : 1);
    });

    it('gives the functions the distribution address as the public base URL', () => {
      const { edge } = get(stage).stacks;
      expect(edge.resolve(edge.publicBaseUrl)).toEqual({
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^Distribution/), 'DomainName'] }],
        ],
      });
    });
  });
}
