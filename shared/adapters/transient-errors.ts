/**
 * The one answer to "is this error transient?" for the AWS SDK's errors (DynamoDB, Step Functions,
 * SNS, S3) once the SDK's own retries are spent: throttling, a 5xx, an error the SDK marks
 * retryable, or a dropped connection. Such an error means a busy dependency, not a bug: the store
 * turns it into StoreBusyError (the ASL retries it), the HTTP layer into a 503 with Retry-After.
 */
const TRANSIENT_NAMES =
  /^(Throttling|Throttled|TooManyRequests|ServiceUnavailable|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError)/;
const DROPPED_CONNECTION = /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE|ETIMEDOUT/;

export function isTransientError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  return (
    e.$retryable !== undefined ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500 ||
    (typeof e.name === 'string' && TRANSIENT_NAMES.test(e.name)) ||
    (err instanceof Error && DROPPED_CONNECTION.test(err.message))
  );
}
