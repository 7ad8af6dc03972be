/** Signed links in messages: the HMAC key from Secrets Manager and the link service over the store. */
import type { LinkStore } from '../../../shared/ports';
import { LinkService, LinkSigner } from '../../../shared/use-cases/links';
import type { FunctionEnv } from '../env';
import { type ReadSecret, secretsManagerReader } from './secrets';

/**
 * The link HMAC key from Secrets Manager. Read once per container at cold start: the key never
 * sits in the function's configuration, where anyone allowed to read the function
 * (lambda:GetFunctionConfiguration) would see it.
 */
export async function readLinkSecret(read: ReadSecret, secretArn: string): Promise<string> {
  const secret = await read(secretArn);
  if (!secret || secret.length < 16) {
    throw new Error(`secret ${secretArn} holds no usable link key (at least 16 characters)`);
  }
  return secret;
}

/** The link service when LINK_SECRET_ARN is set (the entry awaits it at module scope), else nothing. */
export async function linkDeps(env: FunctionEnv, store: LinkStore): Promise<{ links?: LinkService }> {
  if (!env.LINK_SECRET_ARN) return {};
  const secret = await readLinkSecret(secretsManagerReader(), env.LINK_SECRET_ARN);
  return { links: new LinkService(store, new LinkSigner(secret)) };
}
