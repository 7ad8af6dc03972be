/**
 * The middy chain of every workflow task: Powertools logging (tracing is Lambda's, ./xray.ts), metrics flushed only
 * when there are some, and errors left to propagate so the ASL's Retry/Catch sees their `name`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, publishMetrics } from './observability';

export function taskHandler<R>(fn: (event: unknown) => Promise<R>) {
  return middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(fn);
}
