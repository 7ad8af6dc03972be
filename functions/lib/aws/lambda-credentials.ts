/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias in
 * infra/constructs/bundling.ts). Every SDK client's default configuration imports that chain:
 * environment, SSO, profile files, credential processes, web identity, container and instance
 * metadata, and with them the SSO and STS clients (about 90 KB minified, a fifth of a small
 * function). Inside Lambda the first link always answers, since the runtime puts the execution
 * role's credentials in the environment, so the chain is cut to that link. Tests, scripts and the
 * embedded runtime are not bundled and keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type Credentials = { expiration?: Date };

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);

export const credentialsWillNeedRefresh = (credentials: Credentials | undefined): boolean =>
  credentials?.expiration !== undefined;

/** The chain's own rule: credentials within five minutes of expiring count as expired. */
export const credentialsTreatedAsExpired = (credentials: Credentials | undefined): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
