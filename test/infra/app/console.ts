/** The ConsoleStack assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import { asArray, get, type Resource, resources, type Statement } from './synth';

export function consoleStack(stage: DeployStage): void {
  describe('ConsoleStack', () => {
    it('deploys the console build and its config.json into the Edge bucket, invalidating CloudFront', () => {
      const t = get(stage).t.console;
      t.hasResourceProperties('Custom::CDKBucketDeployment', {
        Prune: true,
        DestinationBucketName: {
          'Fn::Join': [
            '',
            [`whistle-dispatch-${stage}-console-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
          ],
        },
      });
      // The invalidation is its own custom resource, allowed on this one distribution only.
      const [[, invalidation]] = resources(t, 'Custom::ConsoleInvalidation') as [[string, Resource]];
      expect(JSON.stringify(invalidation.Properties)).toContain('CreateInvalidation');
      const policies = resources(t, 'AWS::IAM::Policy').flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );
      const invalidate = policies.filter((st) =>
        asArray(st.Action).includes('cloudfront:CreateInvalidation'),
      );
      expect(invalidate).toHaveLength(1);
      expect(JSON.stringify(invalidate[0]?.Resource)).toMatch(/:distribution\//);
    });

    it('lets browsers and the edge keep the hashed assets a year, and revalidate the shell', () => {
      const t = get(stage).t.console;
      const deployments = resources(t, 'Custom::CDKBucketDeployment').map(([, r]) => r.Properties);
      const assets = deployments.find((p) => JSON.stringify(p.Include) === '["assets/*"]');
      expect(assets?.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
      const shell = deployments.find((p) => JSON.stringify(p.Exclude) === '["assets/*"]');
      expect(shell?.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
      expect(shell?.Prune).toBe(true);
    });
  });
}
