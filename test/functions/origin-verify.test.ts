/**
 * Origin verification on AWS: an API function refuses a request that did not come through
 * CloudFront (no secret header, or a wrong one) with a 403 problem+json, reads the secret from
 * Secrets Manager once, accepts the previous value during a rotation, and is off where the
 * variable is not set (the embedded runtime).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiEvent, httpHandler, json } from '../../functions/lib/http';
import {
  ORIGIN_VERIFY_HEADER,
  ORIGIN_VERIFY_SECRET_VARIABLE,
  originVerifier,
  REFRESH_MS,
} from '../../functions/lib/origin-verify';

const ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:OriginVerify-AbCdEf';
const CURRENT = 'c'.repeat(48);
const PREVIOUS = 'p'.repeat(48);

const sm = mockClient(SecretsManagerClient);
let served = 0;
const handler = httpHandler(undefined, {
  'GET /v1/board': async () => {
    served += 1;
    return json(200, { ok: true });
  },
});

function event(headers: Record<string, string>): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'GET /v1/board',
    rawPath: '/v1/board',
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims: {}, scopes: null } } },
  } as unknown as ApiEvent;
}

const call = (headers: Record<string, string>) =>
  handler(event(headers), { functionName: 'test' } as Context) as Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }>;

beforeEach(() => {
  sm.reset();
  sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: CURRENT });
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSPREVIOUS' }).rejects(
    Object.assign(new Error('no previous version'), { name: 'ResourceNotFoundException' }),
  );
});

afterAll(() => {
  delete process.env[ORIGIN_VERIFY_SECRET_VARIABLE];
  sm.restore();
});

describe('an API function on AWS (ORIGIN_VERIFY_SECRET_ARN set)', () => {
  it('refuses a request without the header with 403 problem+json, before any route runs', async () => {
    process.env[ORIGIN_VERIFY_SECRET_VARIABLE] = ARN;
    const res = await call({});
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 403,
      title: 'Forbidden',
      reason: 'origin_not_verified',
    });
    expect(served).toBe(0);
  });

  it('refuses a wrong value, serves the right one, and read the secret only once', async () => {
    process.env[ORIGIN_VERIFY_SECRET_VARIABLE] = ARN;
    expect((await call({ [ORIGIN_VERIFY_HEADER]: 'x'.repeat(48) })).statusCode).toBe(403);
    for (let i = 0; i < 5; i++)
      expect((await call({ [ORIGIN_VERIFY_HEADER]: CURRENT })).statusCode).toBe(200);
    expect(served).toBe(5);
    // Read once (the current and the previous version) at the first request that carried a value.
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('is off without the variable: the embedded runtime has no CloudFront', async () => {
    delete process.env[ORIGIN_VERIFY_SECRET_VARIABLE];
    expect((await call({})).statusCode).toBe(200);
  });
});

describe('originVerifier', () => {
  it('accepts the previous value during a rotation and a new value after a throttled re-read', async () => {
    let now = 1_000_000;
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: PREVIOUS,
    });
    const verifier = originVerifier(new SecretsManagerClient({ region: 'ap-southeast-1' }), ARN, () => now);
    expect(await verifier.check(CURRENT)).toBe(true);
    expect(await verifier.check(PREVIOUS)).toBe(true);
    expect(await verifier.check(undefined)).toBe(false);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);

    // Rotated: a new current value. Within the refresh window a forged value costs no read.
    const NEXT = 'n'.repeat(48);
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: NEXT });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: CURRENT,
    });
    expect(await verifier.check(NEXT)).toBe(false);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    now += REFRESH_MS;
    expect(await verifier.check(NEXT)).toBe(true);
    expect(await verifier.check(CURRENT)).toBe(true);
    expect(await verifier.check(PREVIOUS)).toBe(false);
  });

  it('refuses to run on an empty or short secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'short' });
    const verifier = originVerifier(new SecretsManagerClient({ region: 'ap-southeast-1' }), ARN);
    await expect(verifier.check(CURRENT)).rejects.toThrow(/no usable origin-verify value/);
  });
});
