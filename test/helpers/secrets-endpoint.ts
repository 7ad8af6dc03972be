/**
 * A local Secrets Manager endpoint for GetSecretValue: answers what a test set per secret and
 * version stage, `ResourceNotFoundException` otherwise, and records every request.
 */
import { startAwsJsonEndpoint } from './aws-json-endpoint';

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
  const server = await startAwsJsonEndpoint(({ target, input }) => {
    const asked = input as { SecretId: string; VersionStage?: string };
    calls.push(asked);
    const value = values.get(`${asked.SecretId}|${asked.VersionStage ?? 'AWSCURRENT'}`);
    return target === 'secretsmanager.GetSecretValue' && value !== undefined
      ? { status: 200, body: { ARN: asked.SecretId, Name: 'secret', SecretString: value } }
      : {
          status: 400,
          body: {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          },
        };
  });
  return {
    endpoint: server.endpoint,
    set: (secretId, value, versionStage = 'AWSCURRENT') => values.set(`${secretId}|${versionStage}`, value),
    calls,
    reset: () => {
      values.clear();
      calls.length = 0;
    },
    close: () => server.close(),
  };
}
