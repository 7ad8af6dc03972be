/**
 * Adapters of the security review: the link key comes from Secrets Manager once at cold start,
 * and a presigned evidence PUT cannot overwrite a photo (If-None-Match is signed).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { readLinkSecret } from '../../functions/lib/aws/links';
import { S3Evidence } from '../../shared/adapters/evidence';
import { S3Presigner } from '../../shared/adapters/s3-presigner';

const ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:LinkSecret-AbCdEf';

describe('readLinkSecret', () => {
  it('reads the secret by its ARN', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'k'.repeat(64) });
    expect(await readLinkSecret(new SecretsManagerClient({ region: 'ap-southeast-1' }), ARN)).toBe(
      'k'.repeat(64),
    );
    sm.restore();
  });

  it('refuses an empty or short key (the cold start fails loudly)', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(readLinkSecret(new SecretsManagerClient({ region: 'ap-southeast-1' }), ARN)).rejects.toThrow(
      /no usable link key/,
    );
    sm.restore();
  });
});

describe('S3Evidence.presignPut', () => {
  it('signs If-None-Match: * so the URL can create the photo but never replace it', async () => {
    const s3 = new S3Presigner({
      region: 'ap-southeast-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    });
    const put = await new S3Evidence(s3, 'bucket').presignPut(
      'AAAAAAAAAAAAAAAAAAAAAA.jpg',
      'image/jpeg',
      1234,
    );
    expect(put.headers).toEqual({ 'content-type': 'image/jpeg', 'if-none-match': '*' });
    const signed = new URL(put.url).searchParams.get('X-Amz-SignedHeaders') ?? '';
    expect(signed.split(';')).toEqual(
      expect.arrayContaining(['content-type', 'content-length', 'if-none-match']),
    );
  });
});
