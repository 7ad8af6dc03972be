/**
 * Origin verification: CloudFront adds a secret header to every request it forwards to the HTTP
 * API, and the API functions refuse a request without it (403 problem+json). The execute-api
 * endpoint stays reachable on the internet (CloudFront needs it), but whoever calls it directly
 * skips the WAF (managed rules, per-client rate limits) and gets nothing for it.
 *
 * The value lives in Secrets Manager (`ORIGIN_VERIFY_SECRET_ARN`, the Edge stack's secret), read
 * once per container on its first request, never in the function's configuration. A request
 * carrying another value makes the container read the secret again, at most once a minute, so a
 * rotation (new value, then a deploy of the Edge stack) reaches warm containers without a deploy
 * of the functions; the previous version stays accepted while CloudFront's edges switch over.
 * Without the variable (the embedded runtime, tests) the check is off: there is no CloudFront.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { type ReadSecret, secretsManagerReader } from './aws/secrets';
import { envNames } from './env';
import { logger } from './observability';
import { PROBLEM_CONTENT_TYPE, problemJson } from './problem';

/** The header CloudFront sets on the API origin (lowercase: API Gateway's payload 2.0 headers are). */
export const ORIGIN_VERIFY_HEADER = 'x-whistle-origin-verify';

/** The variable naming the secret; set by `AppFunction.withOriginVerify` (infra). */
export const ORIGIN_VERIFY_SECRET_VARIABLE = envNames.originVerifySecretArn;

/** Re-reading the secret on a mismatch happens at most this often (a flood of forged values costs one read a minute). */
export const REFRESH_MS = 60_000;

export interface OriginVerifier {
  /** True when the header value is one of the accepted ones. */
  check(presented: string | undefined): Promise<boolean>;
}

/** The versions accepted: the current value, and the previous one during a rotation. */
async function readValues(read: ReadSecret, secretArn: string): Promise<string[]> {
  const current = await read(secretArn);
  if (!current || current.length < 16) {
    throw new Error(`secret ${secretArn} holds no usable origin-verify value (at least 16 characters)`);
  }
  const values = [current];
  try {
    const previous = await read(secretArn, 'AWSPREVIOUS');
    if (previous && previous.length >= 16) values.push(previous);
  } catch {
    // No previous version: never rotated.
  }
  return values;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function originVerifier(
  read: ReadSecret,
  secretArn: string,
  now: () => number = Date.now,
): OriginVerifier {
  let values: Promise<string[]> | undefined;
  let readAt = 0;
  const load = () => {
    readAt = now();
    values = readValues(read, secretArn);
    // A failed read is retried by the next request, not cached.
    values.catch(() => {
      values = undefined;
    });
    return values;
  };
  return {
    async check(presented) {
      if (!presented) return false;
      const accepted = await (values ?? load());
      if (accepted.some((v) => same(v, presented))) return true;
      if (now() - readAt < REFRESH_MS) return false;
      return (await load()).some((v) => same(v, presented));
    },
  };
}

/** The refusal: problem+json like every other error of the API. */
export function originRefused(): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 403,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: problemJson(
      403,
      'Forbidden',
      'requests must come through the console address (CloudFront), not the API endpoint directly',
      { reason: 'origin_not_verified' },
    ),
  };
}

let shared: OriginVerifier | undefined;

/**
 * The middy middleware of every API function (functions/lib/http.ts). Off unless
 * ORIGIN_VERIFY_SECRET_ARN is set, which only the AWS deployment does.
 */
export function originVerify(
  verifier?: OriginVerifier,
): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    before: async (request) => {
      const secretArn = process.env[ORIGIN_VERIFY_SECRET_VARIABLE];
      if (!verifier && !secretArn) return undefined;
      if (!verifier && !shared) {
        shared = originVerifier(secretsManagerReader(), secretArn as string);
      }
      const active = (verifier ?? shared) as OriginVerifier;
      const headers = request.event.headers ?? {};
      const presented =
        headers[ORIGIN_VERIFY_HEADER] ??
        Object.entries(headers).find(([k]) => k.toLowerCase() === ORIGIN_VERIFY_HEADER)?.[1];
      if (await active.check(presented)) return undefined;
      logger.warn('request refused: origin not verified', { header: presented ? 'wrong' : 'missing' });
      return originRefused();
    },
  };
}
