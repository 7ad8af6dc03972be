/**
 * A local endpoint for AWS JSON-protocol calls (Secrets Manager, SQS): records each call's target
 * (`AmazonSQS.SendMessageBatch`) and input, and answers what the test's handler returns. Point the
 * product at it with AWS_ENDPOINT_URL_<SERVICE>, as the SDK would be.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JsonCall {
  target: string;
  input: Record<string, unknown>;
}

export type JsonAnswer = (call: JsonCall) => { status: number; body: unknown };

export interface AwsJsonEndpoint {
  endpoint: string;
  calls: JsonCall[];
  close(): Promise<void>;
}

export async function startAwsJsonEndpoint(answer: JsonAnswer): Promise<AwsJsonEndpoint> {
  const calls: JsonCall[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const call = { target: String(req.headers['x-amz-target'] ?? ''), input: JSON.parse(body || '{}') };
      calls.push(call);
      const out = answer(call);
      res.writeHead(out.status, {
        'content-type': String(req.headers['content-type'] ?? 'application/json'),
      });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
