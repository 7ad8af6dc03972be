/**
 * Origin verification on AWS: an API function refuses a request that did not come through
 * CloudFront (no secret header, or a wrong one) with a 403 problem+json, reads the secret from
 * Secrets Manager once, accepts the previous value during a rotation, and is off where the
 * variable is not set (the embedded runtime).
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretsManagerReader } from '../../functions/lib/aws/secrets';
import { type ApiEvent, httpHandler, json } from '../../functions/lib/http';
import {
  ORIGIN_VERIFY_HEADER,
  ORIGIN_VERIFY_SECRET_VARIABLE,
  originVerifier,
  REFRESH_MS,
} from '../../functions/lib/origin-verify';
import { type SecretsEndpoint, startSecretsEndpoint } from '../helpers/secrets-endpoint';

const ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:OriginVerify-AbCdEf';
const CURRENT = 'c'.repeat(48);
const PREVIOUS = 'p'.repeat(48);

let secrets: SecretsEndpoint;
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

beforeAll(async () => {
  secrets = await startSecretsEndpoint();
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.endpoint;
});

beforeEach(() => {
  secrets.reset();
  // No previous version (never rotated): the endpoint answers ResourceNotFoundException.
  secrets.set(ARN, CURRENT);
});

afterAll(async () => {
  delete process.env[ORIGIN_VERIFY_SECRET_VARIABLE];
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  await secrets.close();
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
    expect(secrets.calls).toHaveLength(2);
  });

  it('is off without the variable: the embedded runtime has no CloudFront', async () => {
    delete process.env[ORIGIN_VERIFY_SECRET_VARIABLE];
    expect((await call({})).statusCode).toBe(200);
  });
});

describe('originVerifier', () => {
  it('accepts the previous value during a rotation and a new value after a throttled re-read', async () => {
    let now = 1_000_000;
    secrets.set(ARN, PREVIOUS, 'AWSPREVIOUS');
    const verifier = originVerifier(secretsManagerReader(), ARN, () => now);
    expect(await verifier.check(CURRENT)).toBe(true);
    expect(await verifier.check(PREVIOUS)).toBe(true);
    expect(await verifier.check(undefined)).toBe(false);
    expect(secrets.calls).toHaveLength(2);

    // Rotated: a new current value. Within the refresh window a forged value costs no read.
    const NEXT = 'n'.repeat(48);
    secrets.set(ARN, NEXT);
    secrets.set(ARN, CURRENT, 'AWSPREVIOUS');
    expect(await verifier.check(NEXT)).toBe(false);
    expect(secrets.calls).toHaveLength(2);
    now += REFRESH_MS;
    expect(await verifier.check(NEXT)).toBe(true);
    expect(await verifier.check(CURRENT)).toBe(true);
    expect(await verifier.check(PREVIOUS)).toBe(false);
  });

  it('refuses to run on an empty or short secret', async () => {
    secrets.set(ARN, 'short');
    const verifier = originVerifier(secretsManagerReader(), ARN);
    await expect(verifier.check(CURRENT)).rejects.toThrow(/no usable origin-verify value/);
  });
});
