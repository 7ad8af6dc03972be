/**
 * X-Ray subsegments for AWS SDK calls, without the X-Ray SDK. Lambda's active tracing already
 * records each invocation (its init, its duration, its errors) as the function's segment; what
 * the SDK added on top was one subsegment per AWS call. That SDK (with cls-hooked, semver and
 * Powertools' Tracer over it) was about 120 KB of every bundle and a fifth of its cold start
 * (docs/performance.md), so this module sends the same subsegments itself: a middleware on each
 * client times the call, and one UDP datagram per call goes to the X-Ray daemon Lambda runs beside
 * the function, in the daemon's documented format (a JSON header line, then the segment document).
 *
 * Nothing is sent outside Lambda, for an unsampled request, or when the header is missing, so the
 * embedded runtime and the tests pay nothing. Sending never fails a call: a lost datagram is a
 * lost trace line, never a lost ticket.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { AwsCallRecord } from '../../shared/adapters/aws-json-client';

export interface TraceHeader {
  root: string;
  parent: string;
  sampled: boolean;
}

/** `Root=1-…;Parent=…;Sampled=1` (Lambda's `_X_AMZN_TRACE_ID`), or undefined when incomplete. */
export function parseTraceHeader(value: string | undefined): TraceHeader | undefined {
  if (!value) return undefined;
  const parts = new Map<string, string>();
  for (const piece of value.split(';')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const root = parts.get('Root');
  const parent = parts.get('Parent');
  if (!root || !parent) return undefined;
  return { root, parent, sampled: parts.get('Sampled') === '1' };
}

/** The daemon's UDP address: `AWS_XRAY_DAEMON_ADDRESS` is `host:port` or `tcp:h:p udp:h:p`. */
export function daemonAddress(value: string | undefined): { host: string; port: number } {
  const udp =
    value
      ?.split(/\s+/)
      .find((p) => p.startsWith('udp:'))
      ?.slice(4) ?? value;
  const m = udp?.match(/^([^:\s]+):(\d+)$/);
  return m ? { host: m[1] as string, port: Number(m[2]) } : { host: '127.0.0.1', port: 2000 };
}

export interface CallRecord {
  service: string;
  operation: string;
  region: string;
  start: number;
  end: number;
  status?: number;
  requestId?: string;
  attempts?: number;
  error?: { name: string; message: string };
}

/** The subsegment document for one AWS call (X-Ray's segment document format). */
export function subsegmentDocument(trace: TraceHeader, call: CallRecord): Record<string, unknown> {
  const status = call.status ?? (call.error ? 500 : 200);
  return {
    id: randomBytes(8).toString('hex'),
    trace_id: trace.root,
    parent_id: trace.parent,
    type: 'subsegment',
    name: call.service,
    namespace: 'aws',
    start_time: call.start / 1000,
    end_time: call.end / 1000,
    aws: {
      operation: call.operation,
      region: call.region,
      ...(call.requestId ? { request_id: call.requestId } : {}),
      ...(call.attempts && call.attempts > 1 ? { retries: call.attempts - 1 } : {}),
    },
    http: { response: { status } },
    ...(status === 429 || call.error?.name.includes('Throttl') ? { throttle: true } : {}),
    ...(status >= 500 ? { fault: true } : status >= 400 ? { error: true } : {}),
    ...(call.error
      ? {
          cause: {
            exceptions: [
              { id: randomBytes(8).toString('hex'), type: call.error.name, message: call.error.message },
            ],
          },
        }
      : {}),
  };
}

let socket: Socket | undefined;

function send(doc: Record<string, unknown>): void {
  try {
    const { host, port } = daemonAddress(process.env.AWS_XRAY_DAEMON_ADDRESS);
    socket ??= createSocket('udp4').unref();
    socket.send(`{"format":"json","version":1}\n${JSON.stringify(doc)}`, port, host, () => {});
  } catch {
    // A trace line is never worth an error in the call it describes.
  }
}

interface SdkMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
}
interface TraceableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<{ output?: { $metadata?: SdkMetadata } }>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<{ output?: { $metadata?: SdkMetadata } }>,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void;
  };
}

/** Whether this process should trace at all: inside Lambda with active tracing, not turned off. */
function tracingOn(): boolean {
  return (
    Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME) &&
    process.env.POWERTOOLS_TRACE_ENABLED !== 'false' &&
    process.env.AWS_XRAY_SDK_ENABLED !== 'false'
  );
}

/** A subsegment for one call made without an SDK client (shared/adapters/aws-json-client.ts). */
export function traceCall(call: AwsCallRecord): void {
  if (!tracingOn()) return;
  const trace = parseTraceHeader(process.env._X_AMZN_TRACE_ID);
  if (!trace?.sampled) return;
  send(subsegmentDocument(trace, { ...call, region: process.env.AWS_REGION ?? '' }));
}

/**
 * Adds a subsegment per call to an SDK v3 client and returns it (as captureAWSv3Client did). The
 * trace header is read per call: Lambda sets it for each invocation.
 */
export function traceClient<C>(client: C): C {
  if (!tracingOn()) return client;
  (client as unknown as TraceableClient).middlewareStack.add(
    (next, context) => async (args) => {
      const trace = parseTraceHeader(process.env._X_AMZN_TRACE_ID);
      if (!trace?.sampled) return next(args);
      const start = Date.now();
      const record = (meta: SdkMetadata = {}, error?: CallRecord['error']) =>
        send(
          subsegmentDocument(trace, {
            service: (context.clientName ?? 'AWS').replace(/Client$/, ''),
            operation: (context.commandName ?? 'Call').replace(/Command$/, ''),
            region: process.env.AWS_REGION ?? '',
            start,
            end: Date.now(),
            ...(meta.httpStatusCode ? { status: meta.httpStatusCode } : {}),
            ...(meta.requestId ? { requestId: meta.requestId } : {}),
            ...(meta.attempts ? { attempts: meta.attempts } : {}),
            ...(error ? { error } : {}),
          }),
        );
      try {
        const result = await next(args);
        record(result.output?.$metadata);
        return result;
      } catch (err) {
        const e = err as Error & { $metadata?: SdkMetadata };
        record(e.$metadata, { name: e.name ?? 'Error', message: String(e.message ?? '') });
        throw err;
      }
    },
    { step: 'initialize', name: 'whistleXraySubsegment', override: true },
  );
  return client;
}
