/**
 * The embedded runtime's authorizer: verifies bearer JWTs (HS256, a key kept in the data
 * directory) with jose, exactly as API Gateway's JWT authorizer does before a Lambda sees claims.
 * The dev token endpoint signs tokens with the same key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { bearerToken } from '../../shared/domain/principal';

export const LOCAL_ISSUER = 'whistle-dispatch-local';
export const LOCAL_AUDIENCE = 'whistle-dispatch-api';

export class LocalAuth {
  constructor(private readonly key: Uint8Array) {}

  static forDataDir(dir: string | undefined): LocalAuth {
    if (!dir) return new LocalAuth(randomBytes(32));
    const file = join(dir, 'jwt-signing.key');
    if (!existsSync(file)) {
      // Aside, then renamed: a kill mid-write must not leave an empty key (every token refused).
      writeFileSync(`${file}.tmp`, randomBytes(32).toString('base64'), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    }
    return new LocalAuth(Buffer.from(readFileSync(file, 'utf8'), 'base64'));
  }

  async sign(claims: Record<string, unknown>, sub: string, ttlSeconds = 12 * 3600): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** Verified claims, or undefined for a missing, forged, expired or foreign token. */
  async verify(authorization: string | undefined): Promise<Record<string, unknown> | undefined> {
    const token = bearerToken(authorization);
    if (!token || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return undefined;
    try {
      // A token without an expiry would work forever once leaked: exp is required, as Cognito's have.
      const { payload } = await jwtVerify(token, this.key, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
      });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}
