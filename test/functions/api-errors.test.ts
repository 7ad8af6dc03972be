/**
 * API errors travel middy's onError chain (as middy's http-error-handler does): the route's error
 * becomes problem+json there, after the tracer, logger and metrics middlewares have seen it.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ApiEvent, type ApiResult, httpHandler } from '../../functions/lib/http';
import { metricsPort } from '../../functions/lib/observability';
import { ValidationError } from '../../shared/domain/errors';

const context = { functionName: 'test', awsRequestId: 'r-1' } as Context;

function event(routeKey: string): ApiEvent {
  return { routeKey, headers: {}, requestContext: {} } as unknown as ApiEvent;
}

afterEach(() => vi.restoreAllMocks());

describe('API errors go through middy’s onError', () => {
  const handler = httpHandler(undefined, {
    'POST /bad': async () => {
      throw new ValidationError('invalid ticket', [{ path: 'title', message: 'required' }]);
    },
    'GET /boom': async () => {
      throw new Error('a bug');
    },
  });
  // Any middleware on the chain (the tracer's, the metrics') gets the route's error in onError;
  // before this change the base handler caught it and none of them ever ran.
  const seen: { error?: string; status?: number }[] = [];
  const observer: MiddlewareObj<ApiEvent, ApiResult, Error, Context> = {
    onError: async (request) => {
      seen.push({ error: request.error?.name, status: request.response?.statusCode });
    },
  };
  handler.use(observer);

  it('answers a client mistake with problem+json naming the field, and counts it', async () => {
    const count = vi.spyOn(metricsPort, 'count');
    const res = await handler(event('POST /bad'), context);
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body as string).errors).toEqual([{ path: 'title', message: 'required' }]);
    expect(count).toHaveBeenCalledWith('ApiErrors', 1, { Status: '4xx' });
  });

  it('answers an unexpected error with a bare 500 and counts it as a 500', async () => {
    const count = vi.spyOn(metricsPort, 'count');
    const res = await handler(event('GET /boom'), context);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('a bug');
    expect(count).toHaveBeenCalledWith('ApiErrors', 1, { Status: '500' });
  });

  it('lets the other middlewares see every error, unknown routes included', async () => {
    seen.length = 0;
    expect((await handler(event('GET /nowhere'), context)).statusCode).toBe(404);
    expect(seen).toEqual([{ error: 'NotFoundError', status: undefined }]);
  });
});
