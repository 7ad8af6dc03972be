/** The cdk-nag AwsSolutions assertions of one stage (run by test/infra/app.test.ts over its one synth). */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { DeployStage } from '../../../infra/config';
import { get } from './synth';

export function cdkNag(stage: DeployStage): void {
  describe('cdk-nag AwsSolutions', () => {
    it('has no unacknowledged findings', () => {
      const report = new AwsSolutionsChecks(get(stage).app).validateScope(get(stage).app);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
        [],
      );
    });

    it('gives every acknowledgement a real reason', () => {
      const acknowledged = get(stage)
        .app.node.findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.values(m.data as Record<string, string>));
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(40);
    });
  });
}
