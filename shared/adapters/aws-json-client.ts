/**
 * Calls to AWS services that speak the JSON protocol (`awsJson1_0`, `awsJson1_1`), signed with the
 * SDK's own Signature V4 signer, for the few one-operation uses where a full SDK client costs more
 * than the work: reading a secret at cold start, putting notices on a queue. Each SDK client adds
 * 13–24 KB (its model, errors, endpoint rules) to every bundle that imports it (issue 17). The
 * requests are the ones the SDK sends (test/functions/aws-json-client.test.ts compares both at a
 * local endpoint) and the behaviour a caller relies on is kept: the service's error code as the
 * error's `name`, retries with backoff on throttling, 5xx and network errors, a timeout, the
 * `AWS_ENDPOINT_URL_<SERVICE>` override the SDK honours.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { type AwsCredentialSource, credentialProvider, NodeSha256, regionalEndpoint } from './sigv4';

export interface AwsJsonService {
  /** The signing name and the endpoint's first label. */
  signingName: string;
  /** The prefix of `X-Amz-Target` (`<prefix>.<Operation>`). */
  targetPrefix: string;
  protocolVersion: '1.0' | '1.1';
  /** The variable the SDK reads for an endpoint override (`AWS_ENDPOINT_URL_<SERVICE_ID>`). */
  endpointVariable: string;
}

export const secretsManagerService: AwsJsonService = {
  signingName: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  protocolVersion: '1.1',
  endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};

export const sfnService: AwsJsonService = {
  signingName: 'states',
  targetPrefix: 'AWSStepFunctions',
  protocolVersion: '1.0',
  endpointVariable: 'AWS_ENDPOINT_URL_SFN',
};

export const sqsService: AwsJsonService = {
  signingName: 'sqs',
  targetPrefix: 'AmazonSQS',
  protocolVersion: '1.0',
  endpointVariable: 'AWS_ENDPOINT_URL_SQS',
};

/** One call as it ended, for tracing. */
export interface AwsCallRecord {
  service: string;
  operation: string;
  start: number;
  end: number;
  status?: number;
  requestId?: string;
  attempts: number;
  error?: { name: string; message: string };
}

export interface AwsJsonClientOptions {
  region: string;
  /** Read on every call, so rotated role credentials are picked up. */
  credentials: AwsCredentialSource;
  /** Defaults to the service's override variable, then AWS_ENDPOINT_URL (as the SDK), else the regional endpoint. */
  endpoint?: string;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Called once per call (after its last attempt): tracing. */
  observe?: (call: AwsCallRecord) => void;
}

/**
 * An error the service answered, named by its code (`ResourceNotFoundException`, `TaskTimedOut`).
 * It carries the SDK's `$metadata` and `$retryable` marks, so isTransientError (transient-errors.ts)
 * reads it as it reads the SDK's own errors.
 */
export class AwsServiceError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  readonly $retryable?: { throttling: boolean };

  constructor(
    override readonly name: string,
    message: string,
    readonly statusCode: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.$metadata = statusCode ? { httpStatusCode: statusCode } : {};
    if (retryable)
      this.$retryable = { throttling: statusCode === 429 || /Throttl|TooManyRequests/.test(name) };
  }
}

/** The connection failed or timed out before an answer: the cause's code in the message, as the SDK's. */
function networkError(service: string, operation: string, err: unknown): Error {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' ? 'ETIMEDOUT' : (e.cause?.code ?? e.cause?.message ?? e.message);
  return Object.assign(new Error(`${service} ${operation}: ${why}`), {
    name: e.name === 'TimeoutError' ? 'TimeoutError' : 'NetworkingError',
    cause: err,
  });
}

/** Codes the SDK's standard retry strategy treats as throttling or transient. */
const RETRYABLE_CODES =
  /^(Throttling|ThrottlingException|ThrottledException|RequestThrottled|RequestThrottledException|TooManyRequestsException|ProvisionedThroughputExceededException|TransactionInProgressException|RequestLimitExceeded|BandwidthLimitExceeded|LimitExceededException|RequestTimeout|RequestTimeoutException|InternalError|InternalFailure|ServiceUnavailable)$/;

/** `com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`; `Code:...` suffixes dropped. */
const errorCode = (type: string): string => (type.split('#').pop() ?? type).split(':')[0] ?? type;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export class AwsJsonClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(
    private readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions,
  ) {
    this.signer = new SignatureV4({
      service: service.signingName,
      region: options.region,
      credentials: credentialProvider(options.credentials),
      sha256: NodeSha256,
    });
    this.url = new URL(
      options.endpoint ??
        process.env[service.endpointVariable] ??
        process.env.AWS_ENDPOINT_URL ??
        regionalEndpoint(service.signingName, options.region),
    );
  }

  async call<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    const start = Date.now();
    const done = (attempts: number, end: Partial<AwsCallRecord>) =>
      this.options.observe?.({
        service: this.service.signingName,
        operation,
        start,
        end: Date.now(),
        attempts,
        ...end,
      });
    for (let attempts = 1; ; attempts += 1) {
      try {
        const res = await this.once(operation, input);
        done(attempts, { status: res.status, ...(res.requestId ? { requestId: res.requestId } : {}) });
        return res.body as T;
      } catch (err) {
        const service = err instanceof AwsServiceError ? err : undefined;
        // Network errors and timeouts are worth another attempt, as in the SDK's standard strategy.
        if (service?.retryable === false || attempts >= maxAttempts) {
          const e = service ?? networkError(this.service.signingName, operation, err);
          done(attempts, {
            ...(service?.statusCode ? { status: service.statusCode } : {}),
            error: { name: e.name, message: e.message },
          });
          throw e;
        }
        // Full jitter on the SDK's base delay (100 ms, doubling).
        await sleep(Math.random() * 100 * 2 ** (attempts - 1));
      }
    }
  }

  private async once(
    operation: string,
    input: Record<string, unknown>,
  ): Promise<{ status: number; requestId?: string; body: unknown }> {
    const body = JSON.stringify(input);
    const { hostname, port, protocol, pathname } = this.url;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol,
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: pathname || '/',
      query: {},
      headers: {
        'content-type': `application/x-amz-json-${this.service.protocolVersion}`,
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
        host: port ? `${hostname}:${port}` : hostname,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    } as Parameters<SignatureV4['sign']>[0]);
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    delete headers['content-length'];
    const res = await fetch(new URL(pathname || '/', this.url), {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    });
    const requestId = res.headers.get('x-amzn-requestid') ?? undefined;
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (res.status >= 300) {
      const type = String(
        parsed.__type ?? parsed.code ?? res.headers.get('x-amzn-errortype') ?? `Http${res.status}`,
      );
      const name = errorCode(type);
      throw new AwsServiceError(
        name,
        String(parsed.message ?? parsed.Message ?? `${name} (HTTP ${res.status})`),
        res.status,
        res.status >= 500 || res.status === 429 || RETRYABLE_CODES.test(name),
      );
    }
    return { status: res.status, ...(requestId ? { requestId } : {}), body: parsed };
  }
}
