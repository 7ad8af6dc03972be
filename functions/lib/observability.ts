/**
 * Powertools singletons, built once per container. Locally POWERTOOLS_METRICS_DISABLED keeps the
 * EMF lines out of the console; on AWS they become the CloudWatch metrics the dashboard shows.
 * The Tracer switches itself off outside Lambda (no AWS_EXECUTION_ENV) and with
 * POWERTOOLS_TRACE_ENABLED=false, so the embedded runtime and the tests send no X-Ray segments.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import type { Metrics as MetricsPort } from '../../shared/use-cases/ticket-service';

export const logger = new Logger({ serviceName: 'whistle-dispatch' });
export const metrics = new Metrics({ namespace: 'WhistleDispatch', serviceName: 'whistle-dispatch' });
/**
 * Loaded only inside Lambda: importing the Tracer loads the X-Ray SDK, whose context tracking
 * (cls-hooked) puts async hooks on every promise of the process at once, about a third of the
 * embedded runtime's CPU (docs/performance.md) for segments it never sends. Elsewhere a stand-in
 * that is never enabled serves captureLambdaHandler and captureAWSv3Client.
 */
const offLambda = { isTracingEnabled: () => false, captureAWSv3Client: <T>(client: T): T => client };
const onLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME || process.env.AWS_EXECUTION_ENV);
// Responses carry tickets (reporter names and phones): traces keep timings and errors, not bodies.
export const tracer: Tracer = onLambda
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: 'whistle-dispatch' })
  : (offLambda as unknown as Tracer);

/** The use cases count through this port; dimensions become a single-metric EMF record. */
export const metricsPort: MetricsPort = {
  count(name, value = 1, dimensions) {
    if (dimensions && Object.keys(dimensions).length > 0) {
      const single = metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      single.addMetric(name, MetricUnit.Count, value);
    } else {
      metrics.addMetric(name, MetricUnit.Count, value);
    }
  },
};

/**
 * Flush stored metrics after each invocation. Unlike Powertools' logMetrics, it stays silent when
 * an invocation recorded nothing (most reads), instead of warning on every request.
 */
export function publishMetrics(): MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
