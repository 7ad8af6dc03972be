/**
 * Reading a secret's string from Secrets Manager without the SDK client (13 KB in every API
 * bundle, for one call per container): the JSON-protocol client in shared/adapters, signed with the
 * role's credentials that Lambda puts in the environment, traced like an SDK call.
 */
import { secretsManagerService } from '../../../shared/adapters/aws-json-client';
import { lambdaJsonClient } from './json-client';

/** A secret's string for a version stage (`AWSCURRENT` when omitted); undefined when it holds none. */
export type ReadSecret = (secretId: string, versionStage?: string) => Promise<string | undefined>;

export function secretsManagerReader(): ReadSecret {
  const secrets = lambdaJsonClient(secretsManagerService);
  return async (secretId, versionStage) => {
    const out = await secrets.call<{ SecretString?: string }>('GetSecretValue', {
      SecretId: secretId,
      ...(versionStage ? { VersionStage: versionStage } : {}),
    });
    return out.SecretString;
  };
}
