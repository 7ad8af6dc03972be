/**
 * Tracing without the X-Ray SDK: a real DynamoDB client, answered by a local HTTP server, sends
 * one subsegment per call to a UDP socket standing in for Lambda's X-Ray daemon, in the daemon's
 * format (header line, then the document), under the invocation's trace and parent; unsampled
 * invocations and processes outside Lambda send nothing, and a failed call is marked as such.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { daemonAddress, parseTraceHeader, traceClient } from '../../functions/lib/xray';

const ROOT = '1-67a1b2c3-0123456789abcdef01234567';
const PARENT = '53995c3f42cd8ad8';

let daemon: Socket;
let received: string[] = [];
let api: Server;
let endpoint = '';
const saved = { ...process.env };

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((r) => daemon.bind(0, '127.0.0.1', r));
  api = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const missing = req.url?.startsWith('/missing') ?? false;
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.setHeader('x-amzn-requestid', missing ? 'req-missing' : 'req-ok');
      if (missing) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
            message: 'no table',
          }),
        );
      } else {
        res.end('{}');
      }
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  daemon.close();
  await new Promise((r) => api.close(r));
});

afterEach(() => {
  process.env = { ...saved };
  received = [];
});

function lambdaEnv(sampled: '0' | '1') {
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'whistle-dispatch-test';
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${daemon.address().port}`;
  process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=${sampled};Lineage=a:1`;
  delete process.env.POWERTOOLS_TRACE_ENABLED;
}

function client(path = '') {
  return new DynamoDBClient({
    endpoint: `${endpoint}${path}`,
    region: 'cn-north-1',
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    maxAttempts: 1,
  });
}

async function datagrams(n: number): Promise<string[]> {
  for (let i = 0; i < 100 && received.length < n; i += 1) await new Promise((r) => setTimeout(r, 10));
  return received;
}

describe('AWS call subsegments', () => {
  it('sends one subsegment per call under the invocation, in the daemon format', async () => {
    lambdaEnv('1');
    process.env.AWS_REGION = 'cn-north-1';
    const dynamo = traceClient(client());
    await dynamo.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'T#1' } } }));
    const [one] = await datagrams(1);
    const [header, body] = (one as string).split('\n');
    expect(JSON.parse(header as string)).toEqual({ format: 'json', version: 1 });
    const doc = JSON.parse(body as string);
    expect(doc).toMatchObject({
      trace_id: ROOT,
      parent_id: PARENT,
      type: 'subsegment',
      name: 'DynamoDB',
      namespace: 'aws',
      aws: { operation: 'GetItem', region: 'cn-north-1', request_id: 'req-ok' },
      http: { response: { status: 200 } },
    });
    expect(doc.id).toMatch(/^[0-9a-f]{16}$/);
    expect(doc.end_time).toBeGreaterThanOrEqual(doc.start_time);
    expect(doc.fault).toBeUndefined();
  });

  it('marks a refused call as an error and still throws it to the caller', async () => {
    lambdaEnv('1');
    const dynamo = traceClient(client('/missing'));
    await expect(
      dynamo.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'T#1' } } })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const [one] = await datagrams(1);
    const doc = JSON.parse((one as string).split('\n')[1] as string);
    expect(doc).toMatchObject({ error: true, http: { response: { status: 400 } } });
    expect(doc.cause.exceptions[0]).toMatchObject({ type: 'ResourceNotFoundException', message: 'no table' });
  });

  it('sends nothing for an unsampled invocation, or outside Lambda', async () => {
    lambdaEnv('0');
    await traceClient(client()).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'T#1' } } }));
    lambdaEnv('1');
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    await traceClient(client()).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'T#1' } } }));
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
  });
});

describe('trace header and daemon address', () => {
  it('reads what Lambda sets', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1`)).toEqual({
      root: ROOT,
      parent: PARENT,
      sampled: true,
    });
    expect(parseTraceHeader(`Root=${ROOT};Sampled=1`)).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
    expect(daemonAddress('169.254.79.129:2000')).toEqual({ host: '169.254.79.129', port: 2000 });
    expect(daemonAddress('tcp:127.0.0.1:2000 udp:127.0.0.2:2001')).toEqual({ host: '127.0.0.2', port: 2001 });
  });
});
