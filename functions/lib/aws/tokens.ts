/** Cognito ID tokens verified inside a function (Open311's api_key), against the pool's keys. */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Deps } from '../deps';
import type { FunctionEnv } from '../env';

/** Keys fetched once and cached by jose; an invalid token is undefined, never an exception. */
export function tokenDeps(env: FunctionEnv): Pick<Deps, 'verifyToken'> {
  if (!env.TOKEN_ISSUER) return {};
  const issuer = env.TOKEN_ISSUER;
  const audience = env.TOKEN_AUDIENCE;
  const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  return {
    verifyToken: async (token: string) => {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer,
          requiredClaims: ['exp'],
          ...(audience ? { audience } : {}),
        });
        return payload as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
  };
}
