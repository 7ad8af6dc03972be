/**
 * The SDK-less JSON-protocol client against a local endpoint: the request is the one the SDK sends
 * (same target, content type and body, a Signature V4 the endpoint verifies on its own), the
 * service's error code becomes the error's name, throttling and 5xx answers are retried, a client
 * error is not.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsCallRecord,
  AwsJsonClient,
  AwsServiceError,
  secretsManagerService,
  sfnService,
  sqsService,
} from '../../shared/adapters/aws-json-client';
import { NodeSha256 } from '../../shared/adapters/sigv4';
import { isTransientError } from '../../shared/adapters/transient-errors';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const region = 'cn-north-1';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  signatureValid: boolean;
}

/** A port nothing listens on: opened, then closed. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let answers: { status: number; body: unknown }[] = [];

/** Recomputes the request's signature from what arrived, over the headers it says it signed. */
async function verify(req: IncomingMessage, body: string, service: string): Promise<boolean> {
  const auth = String(req.headers.authorization ?? '');
  const signedNames = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
  const headers = Object.fromEntries(signedNames.map((n) => [n, String(req.headers[n] ?? '')]));
  const date = String(req.headers['x-amz-date']);
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
  const again = await signer.sign(
    {
      method: req.method ?? '',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: req.url ?? '/',
      query: {},
      headers,
      body,
    } as never,
    { signingDate },
  );
  return (again as unknown as { headers: Record<string, string> }).headers.authorization === auth;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const target = String(req.headers['x-amz-target']);
      const service = target.startsWith('AmazonSQS')
        ? 'sqs'
        : target.startsWith('AWSStepFunctions')
          ? 'states'
          : 'secretsmanager';
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        signatureValid: await verify(req, body, service),
      });
      const answer = answers.shift() ?? {
        status: 200,
        body: { Name: 'x', SecretString: 'from-the-endpoint' },
      };
      res.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': 'req-1',
      });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

beforeEach(() => {
  seen = [];
  answers = [];
});

describe('AwsJsonClient', () => {
  it('sends what the SDK sends for GetSecretValue, signed so the endpoint can verify it', async () => {
    const sdk = new SecretsManagerClient({ region, endpoint, credentials, maxAttempts: 1 });
    const fromSdk = await sdk.send(
      new GetSecretValueCommand({ SecretId: 'arn:secret', VersionStage: 'AWSPREVIOUS' }),
    );
    const ours = new AwsJsonClient(secretsManagerService, { region, endpoint, credentials });
    const fromUs = await ours.call<{ SecretString?: string }>('GetSecretValue', {
      SecretId: 'arn:secret',
      VersionStage: 'AWSPREVIOUS',
    });
    expect(fromUs.SecretString).toBe(fromSdk.SecretString);
    const [a, b] = seen as [Seen, Seen];
    expect(b.method).toBe(a.method);
    expect(b.path).toBe(a.path);
    expect(b.headers['content-type']).toBe(a.headers['content-type']);
    expect(b.headers['x-amz-target']).toBe(a.headers['x-amz-target']);
    expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
    expect(a.signatureValid).toBe(true);
    expect(b.signatureValid).toBe(true);
  });

  it('names a service error by its code and does not retry a client error', async () => {
    answers = [
      { status: 400, body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'no such queue' } },
    ];
    const calls: AwsCallRecord[] = [];
    const client = new AwsJsonClient(sqsService, {
      region,
      endpoint,
      credentials,
      observe: (c) => calls.push(c),
    });
    const err = await client
      .call('SendMessage', { QueueUrl: 'q', MessageBody: 'm' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsServiceError);
    expect((err as Error).name).toBe('QueueDoesNotExist');
    expect((err as Error).message).toBe('no such queue');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    expect(seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]?.signatureValid).toBe(true);
    expect(calls).toEqual([
      expect.objectContaining({ service: 'sqs', operation: 'SendMessage', status: 400, attempts: 1 }),
    ]);
  });

  it('retries throttling and server errors, then answers', async () => {
    answers = [
      { status: 400, body: { __type: 'ThrottlingException', message: 'slow down' } },
      { status: 503, body: {} },
      { status: 200, body: { MessageId: 'm-1' } },
    ];
    const calls: AwsCallRecord[] = [];
    const client = new AwsJsonClient(sqsService, {
      region,
      endpoint,
      credentials,
      observe: (c) => calls.push(c),
    });
    const out = await client.call<{ MessageId: string }>('SendMessage', { QueueUrl: 'q', MessageBody: 'm' });
    expect(out.MessageId).toBe('m-1');
    expect(seen).toHaveLength(3);
    expect(calls).toEqual([expect.objectContaining({ status: 200, attempts: 3, requestId: 'req-1' })]);
  });

  it('gives up after its attempts with the last error', async () => {
    answers = [0, 1, 2].map(() => ({ status: 500, body: { __type: 'InternalFailure', message: 'boom' } }));
    const client = new AwsJsonClient(sqsService, { region, endpoint, credentials, maxAttempts: 3 });
    await expect(client.call('SendMessage', {})).rejects.toMatchObject({
      name: 'InternalFailure',
      statusCode: 500,
    });
    expect(seen).toHaveLength(3);
  });

  it('speaks Step Functions (JSON 1.0, AWSStepFunctions.*, signed for `states`), with its codes as names', async () => {
    answers = [
      { status: 400, body: { __type: 'com.amazonaws.swf.service.model#TaskTimedOut', message: 'late' } },
    ];
    const client = new AwsJsonClient(sfnService, { region, endpoint, credentials });
    const err = await client
      .call('SendTaskSuccess', { taskToken: 't', output: '{}' })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('TaskTimedOut');
    expect(isTransientError(err)).toBe(false);
    expect(seen[0]?.headers['x-amz-target']).toBe('AWSStepFunctions.SendTaskSuccess');
    expect(seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]?.signatureValid).toBe(true);
  });

  it('reads throttling as transient, and a refused connection as a dropped one, after its attempts', async () => {
    answers = [0, 1, 2].map(() => ({
      status: 400,
      body: { __type: 'ThrottlingException', message: 'slow' },
    }));
    const throttled = await new AwsJsonClient(sfnService, { region, endpoint, credentials })
      .call('StartExecution', {})
      .catch((e: unknown) => e);
    expect(isTransientError(throttled)).toBe(true);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const refused = await new AwsJsonClient(sfnService, {
      region,
      endpoint: closed,
      credentials,
      maxAttempts: 2,
    })
      .call('StartExecution', {})
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      name: 'NetworkingError',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(isTransientError(refused)).toBe(true);
  });

  it('takes the endpoint from the variable the SDK reads, else the regional one', async () => {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint;
    try {
      const out = await new AwsJsonClient(secretsManagerService, { region, credentials }).call<{
        SecretString: string;
      }>('GetSecretValue', { SecretId: 's' });
      expect(out.SecretString).toBe('from-the-endpoint');
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    }
  });
});
