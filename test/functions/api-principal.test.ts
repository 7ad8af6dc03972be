import { describe, expect, it } from 'vitest';
import { makeQueries } from '../../functions/api/queries';
import { localTokenBody } from '../../functions/api/schemas';
import type { Deps } from '../../functions/lib/deps';
import { UnauthorizedError } from '../../shared/domain/errors';
import { principalFromClaims, principalSchema } from '../../shared/domain/principal';
import { LAILONGMEN, LAILONGMEN_OFFICE, NANQIAO } from '../helpers/fixtures';

describe('principalFromClaims: local tokens and Cognito ID tokens give the same principal', () => {
  it('maps local claims', () => {
    expect(principalFromClaims({ sub: 'u1', role: 'unit', unitId: LAILONGMEN_OFFICE, iss: 'x' })).toEqual({
      sub: 'u1',
      role: 'unit',
      unitId: LAILONGMEN_OFFICE,
      via: 'token',
    });
    expect(principalFromClaims({ sub: 's1', role: 'supervisor', streetId: LAILONGMEN })).toMatchObject({
      role: 'supervisor',
      streetId: LAILONGMEN,
    });
  });

  it('maps Cognito claims as jose sees them (groups as an array) and as API Gateway passes them (a string)', () => {
    const asArray = {
      sub: '8f0c1e2a-0000-4000-8000-000000000001',
      'cognito:groups': ['reporter'],
      'custom:communityId': NANQIAO,
      token_use: 'id',
    };
    const asString = { ...asArray, 'cognito:groups': '[reporter]' };
    const expected = { sub: asArray.sub, role: 'reporter', communityId: NANQIAO, via: 'token' };
    expect(principalFromClaims(asArray)).toEqual(expected);
    expect(principalFromClaims(asString)).toEqual(expected);
    // Several groups: the most capable role wins; unknown groups are ignored.
    expect(
      principalFromClaims({ sub: 'a', 'cognito:groups': '[ops unit admin]', 'custom:unitId': 'u-x' }).role,
    ).toBe('admin');
    expect(
      principalFromClaims({ sub: 'b', 'cognito:groups': ['unit'], 'custom:unitId': LAILONGMEN_OFFICE }),
    ).toEqual({ sub: 'b', role: 'unit', unitId: LAILONGMEN_OFFICE, via: 'token' });
  });

  it('refuses claims without a usable role and scope (401, never a guess)', () => {
    for (const claims of [
      undefined,
      {},
      { sub: 'x' },
      { sub: 'x', role: 'root' },
      { sub: 'x', role: 'unit' },
      { sub: 'x', role: 'reporter' },
      { sub: 'x', 'cognito:groups': ['unit'] },
      { sub: 'x', 'cognito:groups': '[]' },
      { sub: 'x', role: 'unit', unitId: 'Not A Slug' },
      { role: 'admin' },
    ]) {
      expect(() => principalFromClaims(claims as Record<string, unknown> | undefined)).toThrow(
        UnauthorizedError,
      );
    }
  });

  it('empty scope attributes count as absent', () => {
    expect(principalFromClaims({ sub: 's', role: 'supervisor', streetId: '' })).toEqual({
      sub: 's',
      role: 'supervisor',
      via: 'token',
    });
  });
});

describe('handlers read the principal from the authorizer only', () => {
  const event = (extra: Record<string, unknown>) => ({
    version: '2.0',
    routeKey: 'GET /v1/units',
    rawPath: '/v1/units',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET', path: '/v1/units' }, requestId: 'r', routeKey: 'GET /v1/units' },
    ...extra,
  });
  const context = { awsRequestId: 'r', functionName: 'queries', getRemainingTimeInMillis: () => 1000 };
  // Both answers come before any dependency is touched: the handler is made with none.
  const queries = makeQueries({} as Deps);

  it('an unverified bearer header is not an identity: 401 problem+json', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'x', role: 'admin' }),
    ).toString('base64url')}.`;
    const res = (await queries(
      event({ headers: { authorization: `Bearer ${unsigned}` } }) as never,
      context as never,
    )) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('authorizer claims of a Cognito user without a role group: 401', async () => {
    const res = (await queries(
      event({
        requestContext: {
          http: { method: 'GET', path: '/v1/units' },
          requestId: 'r',
          routeKey: 'GET /v1/units',
          authorizer: { jwt: { claims: { sub: 'x', 'cognito:groups': '[visitors]' }, scopes: null } },
        },
      }) as never,
      context as never,
    )) as { statusCode: number };
    expect(res.statusCode).toBe(401);
  });
});

describe('a scoped role without its scope', () => {
  it('is refused on the field it lacks, as a principal and as a dev-token request', () => {
    const principal = principalSchema.safeParse({ sub: 'u1', role: 'dispatcher' });
    expect(principal.error?.issues).toMatchObject([
      { path: ['streetId'], message: 'dispatcher role needs streetId' },
    ]);
    const token = localTokenBody.safeParse({ role: 'reporter' });
    expect(token.error?.issues).toMatchObject([
      { path: ['communityId'], message: 'required for role reporter' },
    ]);
    expect(principalSchema.safeParse({ sub: 'a1', role: 'admin' }).success).toBe(true);
    expect(localTokenBody.safeParse({ role: 'unit', unitId: 'u-xfjy' }).success).toBe(true);
  });
});
