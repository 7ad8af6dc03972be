/** The ApiStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { apiFunctions, routes } from '../../../functions/api/routes';
import type { DeployStage } from '../../../infra/config';
import { routeThrottleClass } from '../../../infra/stacks/api-stack';
import { roles } from '../../../shared/domain/model';
import { fnByEntry, get, type Resource, resources } from './synth';

export function apiStack(stage: DeployStage): void {
  describe('ApiStack', () => {
    it('has one route per entry of routes.ts with the right key, target and authorization', () => {
      const t = get(stage).t.api;
      const routeResources = resources(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      expect(routeResources).toHaveLength(routes.length);
      const authorizers = resources(t, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      const authorizerId = authorizers[0]![0];
      const integrations = Object.fromEntries(resources(t, 'AWS::ApiGatewayV2::Integration'));
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        const found = routeResources.filter((r) => r.RouteKey === key);
        expect(found, key).toHaveLength(1);
        const props = found[0]!;
        if (route.public) {
          expect(props.AuthorizationType, key).toBe('NONE');
          expect(props.AuthorizerId, key).toBeUndefined();
        } else {
          expect(props.AuthorizationType, key).toBe('JWT');
          expect(props.AuthorizerId, key).toEqual({ Ref: authorizerId });
        }
        const integrationId = JSON.stringify(props.Target).match(/"Ref":"(\w+)"/)?.[1] ?? '';
        const integration = integrations[integrationId]!.Properties;
        expect(integration.PayloadFormatVersion, key).toBe('2.0');
        const [fnId] = fnByEntry(t, apiFunctions[route.fn]);
        expect(integration.IntegrationUri, key).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      }
    });

    it('gives every route its own throttle by class', () => {
      const { config } = get(stage);
      const [[, apiStage]] = resources(get(stage).t.api, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
      const settings = apiStage.Properties.RouteSettings as Record<
        string,
        { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
      >;
      expect(Object.keys(settings).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
      for (const route of routes) {
        const t = config.routeThrottles[routeThrottleClass(route)];
        expect(settings[`${route.method} ${route.path}`], `${route.method} ${route.path}`).toEqual({
          ThrottlingRateLimit: t.rateLimit,
          ThrottlingBurstLimit: t.burstLimit,
        });
      }
    });

    it('lets every API function read the origin-verify secret, and only that one', () => {
      const t = get(stage).t.api;
      for (const entry of Object.values(apiFunctions)) {
        const [, fn] = fnByEntry(t, entry);
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(JSON.stringify(variables.ORIGIN_VERIFY_SECRET_ARN), entry).toMatch(/OriginVerifySecret/);
      }
    });

    it('uses a Cognito JWT authorizer bound to the console client', () => {
      get(stage).t.api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Audience: [{ Ref: Match.stringLikeRegexp('ConsoleClient') }] },
      });
    });

    it('throttles and access-logs the $default stage', () => {
      const { config } = get(stage);
      get(stage).t.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
        },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      });
    });

    it('has a user pool with a strong password policy, the four role groups and scope attributes', () => {
      const t = get(stage).t.api;
      t.hasResourceProperties('AWS::Cognito::UserPool', {
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          },
        },
        // Prod: a second factor for every account, admins and supervisors included.
        MfaConfiguration: stage === 'prod' ? 'ON' : 'OPTIONAL',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UserPoolTier: stage === 'prod' ? 'PLUS' : 'ESSENTIALS',
        Schema: Match.arrayWith(
          ['unitId', 'communityId', 'streetId'].map((name) =>
            Match.objectLike({ Name: name, AttributeDataType: 'String' }),
          ),
        ),
      });
      const groups = resources(t, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
      expect(groups.sort()).toEqual([...roles].sort());
    });

    it('keeps scope attributes out of what users may write, and has no OAuth flows', () => {
      const [[, client]] = resources(get(stage).t.api, 'AWS::Cognito::UserPoolClient') as [
        [string, Resource],
      ];
      expect(client.Properties.GenerateSecret).toBe(false);
      expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
      const writable = client.Properties.WriteAttributes as string[];
      expect(writable.filter((a) => a.startsWith('custom:'))).toEqual([]);
    });
  });
}
