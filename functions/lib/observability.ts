/**
 * Powertools singletons, built once per container. Locally POWERTOOLS_METRICS_DISABLED keeps the
 * EMF lines out of the console; on AWS they become the CloudWatch metrics the dashboard shows.
 * Tracing is Lambda's active tracing plus one subsegment per AWS call (./xray.ts), without the
 * X-Ray SDK.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Metrics as MetricsPort } from '../../shared/use-cases/ticket-service';

export const logger = new Logger({ serviceName: 'whistle-dispatch' });
export const metrics = new Metrics({ namespace: 'WhistleDispatch', serviceName: 'whistle-dispatch' });
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
