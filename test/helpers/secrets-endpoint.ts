/**
 * A local Secrets Manager endpoint for GetSecretValue (JSON protocol 1.1): answers what a test set
 * per secret and version stage, `ResourceNotFoundException` otherwise, and records every request.
 * Point the product at it with AWS_ENDPOINT_URL_SECRETS_MANAGER, as the SDK would be.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsEndpoint {
  endpoint: string;
  /** The string a secret holds at a stage (`AWSCURRENT` when omitted). */
  set(secretId: string, value: string, versionStage?: string): void;
  /** Every GetSecretValue asked, in order. */
  calls: { SecretId: string; VersionStage?: string }[];
  reset(): void;
  close(): Promise<void>;
}

export async function startSecretsEndpoint(): Promise<SecretsEndpoint> {
  const values = new Map<string, string>();
  const calls: SecretsEndpoint['calls'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const input = JSON.parse(body || '{}') as { SecretId: string; VersionStage?: string };
      calls.push(input);
      const value = values.get(`${input.SecretId}|${input.VersionStage ?? 'AWSCURRENT'}`);
      const ok = req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && value !== undefined;
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          ok
            ? { ARN: input.SecretId, Name: 'secret', SecretString: value }
            : {
                __type: 'ResourceNotFoundException',
                message: "Secrets Manager can't find the specified secret.",
              },
        ),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (secretId, value, versionStage = 'AWSCURRENT') => values.set(`${secretId}|${versionStage}`, value),
    calls,
    reset: () => {
      values.clear();
      calls.length = 0;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
