/**
 * Reading a secret's string from Secrets Manager without the SDK client (13 KB in every API
 * bundle, for one call per container): the JSON-protocol client in shared/adapters, signed with the
 * role's credentials that Lambda puts in the environment, traced like an SDK call.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { AwsJsonClient, secretsManagerService } from '../../../shared/adapters/aws-json-client';
import { traceCall } from '../xray';

/** A secret's string for a version stage (`AWSCURRENT` when omitted); undefined when it holds none. */
export type ReadSecret = (secretId: string, versionStage?: string) => Promise<string | undefined>;

export function secretsManagerReader(client?: AwsJsonClient): ReadSecret {
  let secrets = client;
  return async (secretId, versionStage) => {
    secrets ??= new AwsJsonClient(secretsManagerService, {
      region: process.env.AWS_REGION ?? 'us-east-1',
      credentials: fromEnv(),
      observe: traceCall,
    });
    const out = await secrets.call<{ SecretString?: string }>('GetSecretValue', {
      SecretId: secretId,
      ...(versionStage ? { VersionStage: versionStage } : {}),
    });
    return out.SecretString;
  };
}
