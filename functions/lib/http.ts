/**
 * HTTP plumbing shared by every API function: one middy chain (Powertools logging and metrics,
 * then the problem+json error mapping), body and query parsing with zod, the caller's Principal
 * from the verified JWT claims, and dispatch on the API Gateway route key.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { isTransientError } from '../../shared/adapters/transient-errors';
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  StoreBusyError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
} from '../../shared/domain/errors';
import { type Principal, principalFromClaims } from '../../shared/domain/principal';
import { zodIssues } from '../../shared/domain/validation';
import * as z from '../../shared/zod';
import type { Deps } from './deps';
import { logger, metricsPort, publishMetrics } from './observability';
import { originVerify } from './origin-verify';
import { PROBLEM_CONTENT_TYPE, problemJson } from './problem';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 64 * 1024;

export interface Request<D = Deps> {
  event: ApiEvent;
  /** The dependencies the handler was made with (its factory's argument): one runtime's, never a global. */
  deps: D;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Lazily parsed JSON body (415/413/400 on misuse). */
  json(): unknown;
  /** The authenticated caller (401 when there is none). */
  principal(): Principal;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text bodies (docs page, console) instead of JSON. */
  text?: string;
  /** `text` is base64 of a binary body (an image): API Gateway decodes it for the client. */
  base64?: boolean;
}

export type RouteHandler<D = Deps> = (req: Request<D>) => Promise<Reply>;

function lowerHeaders(h: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

export function rawBody(event: ApiEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function parseJsonBody(event: ApiEvent, headers: Record<string, string>): unknown {
  const text = rawBody(event);
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (text.trim() === '') return {};
  const type = headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new UnsupportedMediaTypeError('send the body as application/json');
  }
  let illFormed = false;
  let parsed: unknown;
  try {
    // JSON may escape half a surrogate pair ("\ud800"): such text cannot be stored as UTF-8 nor
    // sent by SMS or e-mail, so it is refused here, once, for every endpoint.
    parsed = JSON.parse(text, (key, value: unknown) => {
      if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed())) illFormed = true;
      return value;
    });
  } catch {
    throw new ValidationError('the body is not valid JSON', [{ path: '', message: 'malformed JSON' }]);
  }
  if (illFormed) {
    throw new ValidationError('the body is not valid text', [
      { path: '', message: 'strings must be well-formed Unicode (no lone surrogates)' },
    ]);
  }
  return parsed;
}

/** zod issues → the contract's `errors: [{path, message}]` (shared with the domain's action bodies). */
export const zodErrors = zodIssues;

export function parse<S extends z.core.$ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
  const out = z.safeParse(schema, value);
  if (!out.success) throw new ValidationError(`invalid ${what}`, zodErrors(out.error));
  return out.data;
}

/** The query string, validated: every GET calls this, so unknown parameters are a 400 naming them. */
export function parseQuery<S extends z.core.$ZodType>(
  req: Pick<Request<unknown>, 'query'>,
  schema: S,
): z.infer<S> {
  return parse(schema, req.query, 'query');
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ApiResult {
  return {
    statusCode: status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: problemJson(status, title, detail, extra),
  };
}

/** The one error → HTTP mapping. Client mistakes are 4xx with the reason; anything else a bare 500. */
export function errorToResponse(err: unknown): ApiResult {
  if (err instanceof AppError) {
    const res = problem(err.status, err.title, err.message, err.extra);
    // RFC 6750: a 401 names the scheme, whether the authorizer or the handler refused the token.
    if (err.status === 401)
      return { ...res, headers: { ...res.headers, 'www-authenticate': 'Bearer realm="whistle-dispatch"' } };
    return res;
  }
  // A busy dependency (Step Functions, SNS) after the SDK's own retries: 503 to retry, not a 500.
  if (err instanceof StoreBusyError || isTransientError(err)) {
    const e = new ServiceUnavailableError();
    const res = problem(e.status, e.title, e.message);
    return { ...res, headers: { ...res.headers, 'retry-after': '1' } };
  }
  // Every optimistic-lock retry lost (a very hot ticket): the client may simply try again.
  if (err instanceof VersionConflictError) {
    return problem(409, 'Conflict', 'the ticket changed while this request was applied; retry it');
  }
  logger.error('unhandled error', err as Error);
  return problem(500, 'Internal error', 'something went wrong on our side; it has been logged');
}

function toResult(reply: Reply): ApiResult {
  if (reply.text !== undefined) {
    return {
      statusCode: reply.status,
      headers: reply.headers ?? {},
      body: reply.text,
      ...(reply.base64 ? { isBase64Encoded: true } : {}),
    };
  }
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json', ...(reply.headers ?? {}) },
    ...(reply.body === undefined ? {} : { body: JSON.stringify(reply.body) }),
  };
}

function buildRequest<D>(event: ApiEvent, deps: D): Request<D> {
  const headers = lowerHeaders(event.headers);
  let body: { value: unknown } | undefined;
  return {
    event,
    deps,
    params: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers,
    json() {
      body ??= { value: parseJsonBody(event, headers) };
      return body.value;
    },
    principal() {
      return principalFromClaims(
        event.requestContext?.authorizer?.jwt?.claims as Record<string, unknown> | undefined,
      );
    },
  };
}

export interface HandlerOptions {
  /** Map an error to a response (Open311 answers errors in its own format); default problem+json. */
  onError?: (err: unknown) => ApiResult;
}

/**
 * The one error handler of the chain, as middy's http-error-handler: whatever a route throws
 * becomes its mapped response here, in middy's `onError` phase, so the logger and the metrics
 * middlewares see every API error too. Registered after
 * `publishMetrics()`, it runs before it (middy runs `onError` in reverse order), so the error's
 * count is flushed with the invocation.
 */
function errorResponses(
  map: (err: unknown) => ApiResult,
): MiddlewareObj<ApiEvent, ApiResult, Error, Context> {
  return {
    onError: async (request) => {
      const res = map(request.error);
      request.response = res;
      const status = res.statusCode ?? 500;
      metricsPort.count('ApiErrors', 1, { Status: status >= 500 ? String(status) : '4xx' });
    },
  };
}

/** A Lambda handler serving the given routes (keys as API Gateway route keys: `POST /v1/tickets`). */
export function httpHandler<D = Deps>(
  deps: D,
  routes: Record<string, RouteHandler<D>>,
  options: HandlerOptions = {},
) {
  const dispatch = async (event: ApiEvent): Promise<ApiResult> => {
    const route = routes[event.routeKey];
    if (!route) throw new NotFoundError(`no route ${event.routeKey}`);
    return toResult(await route(buildRequest(event, deps)));
  };
  return (
    middy<ApiEvent, ApiResult, Error, Context>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(publishMetrics())
      .use(errorResponses(options.onError ?? errorToResponse))
      // AWS only: a request that did not come through CloudFront (and its WAF) is refused here.
      .use(originVerify())
      .handler(dispatch)
  );
}
