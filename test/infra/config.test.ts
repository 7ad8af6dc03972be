import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../infra/config';

const context =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('loadStageConfig', () => {
  it('defaults to dev and tears dev down on delete', () => {
    const config = loadStageConfig(context({}));
    expect(config.stage).toBe('dev');
    expect(config.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(config.deletionProtection).toBe(false);
  });

  it('retains and protects prod', () => {
    const config = loadStageConfig(context({ stage: 'prod' }));
    expect(config.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(config.deletionProtection).toBe(true);
    expect(config.userPoolFeaturePlan).toBe('plus');
  });

  it('rejects an unknown stage and names the allowed values', () => {
    expect(() => loadStageConfig(context({ stage: 'production' }))).toThrow(/stage=<dev\|prod>/);
  });

  it('applies valid overrides from context', () => {
    const config = loadStageConfig(
      context({
        stage: 'prod',
        alarmEmail: 'ops@example.org',
        smsMaxPrice: '0.2',
        consoleDomain: 'whistle.example.org',
        consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
      }),
    );
    expect(config.alarmEmail).toBe('ops@example.org');
    expect(config.smsMaxPrice).toBe('0.2');
    expect(config.corsOrigins).toContain('https://whistle.example.org');
  });

  it('reads the SMS spend cap and an explicit public base URL', () => {
    const config = loadStageConfig(
      context({ smsMonthlySpendLimit: '250', publicBaseUrl: 'https://gw.example.gov.cn/whistle' }),
    );
    expect(config.smsMonthlySpendLimit).toBe(250);
    expect(config.publicBaseUrl).toBe('https://gw.example.gov.cn/whistle');
    expect(loadStageConfig(context({})).smsMonthlySpendLimit).toBeUndefined();
  });

  it('rejects a plain-http or slash-terminated base URL and a fractional spend cap', () => {
    expect(() => loadStageConfig(context({ publicBaseUrl: 'http://gw.example.gov.cn' }))).toThrow(
      /publicBaseUrl/,
    );
    expect(() => loadStageConfig(context({ publicBaseUrl: 'https://gw.example.gov.cn/' }))).toThrow(
      /publicBaseUrl/,
    );
    expect(() => loadStageConfig(context({ smsMonthlySpendLimit: '12.5' }))).toThrow(/smsMonthlySpendLimit/);
  });

  it('rejects a bad alarm e-mail, a bad price and a domain without certificate', () => {
    expect(() => loadStageConfig(context({ alarmEmail: 'not-an-email' }))).toThrow(/alarmEmail/);
    expect(() => loadStageConfig(context({ smsMaxPrice: 'cheap' }))).toThrow(/smsMaxPrice/);
    expect(() => loadStageConfig(context({ consoleDomain: 'whistle.example.org' }))).toThrow(/go together/);
  });
});
