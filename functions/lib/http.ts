/**
 * HTTP plumbing shared by every API function: one middy chain (Powertools logging and metrics,
 * then the problem+json error mapping), body and query parsing with zod, the caller's Principal
 * from the verified JWT claims, and dispatch on the API Gateway route key.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type * as z from 'zod';
import {
  AppError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  StoreBusyError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/domain/errors';
import { type Principal, principalFromClaims } from '../../shared/domain/principal';
import { logger, publishMetrics } from './observability';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export const MAX_BODY_BYTES = 64 * 1024;

export interface Request {
  event: ApiEvent;
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
}

export type RouteHandler = (req: Request) => Promise<Reply>;

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
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError('the body is not valid JSON', [{ path: '', message: 'malformed JSON' }]);
  }
}

/** zod issues → the contract's `errors: [{path, message}]`. */
export function zodErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
  const out = schema.safeParse(value);
  if (!out.success) throw new ValidationError(`invalid ${what}`, zodErrors(out.error));
  return out.data;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ApiResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }),
  };
}

/** The one error → HTTP mapping. Client mistakes are 4xx with the reason; anything else a bare 500. */
export function errorToResponse(err: unknown): ApiResult {
  if (err instanceof AppError) return problem(err.status, err.title, err.message, err.extra);
  if (err instanceof StoreBusyError) {
    const e = new ServiceUnavailableError();
    return problem(e.status, e.title, e.message);
  }
  logger.error('unhandled error', err as Error);
  return problem(500, 'Internal error', 'something went wrong on our side; it has been logged');
}

function toResult(reply: Reply): ApiResult {
  if (reply.text !== undefined) {
    return { statusCode: reply.status, headers: reply.headers ?? {}, body: reply.text };
  }
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json', ...(reply.headers ?? {}) },
    ...(reply.body === undefined ? {} : { body: JSON.stringify(reply.body) }),
  };
}

function buildRequest(event: ApiEvent): Request {
  const headers = lowerHeaders(event.headers);
  let body: { value: unknown } | undefined;
  return {
    event,
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

/** A Lambda handler serving the given routes (keys as API Gateway route keys: `POST /v1/tickets`). */
export function httpHandler(routes: Record<string, RouteHandler>) {
  const dispatch = async (event: ApiEvent): Promise<ApiResult> => {
    const route = routes[event.routeKey];
    if (!route) return problem(404, 'Not found', `no route ${event.routeKey}`);
    try {
      return toResult(await route(buildRequest(event)));
    } catch (err) {
      return errorToResponse(err);
    }
  };
  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(dispatch);
}
