/**
 * Adapters of the security review: the link key comes from Secrets Manager once at cold start,
 * and a presigned evidence PUT cannot overwrite a photo (If-None-Match is signed).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evidenceDeps } from '../../functions/lib/aws/evidence';
import { readLinkSecret } from '../../functions/lib/aws/links';
import { secretsManagerReader } from '../../functions/lib/aws/secrets';
import { readFunctionEnv } from '../../functions/lib/env';
import { S3Evidence, s3EvidenceOrigin } from '../../shared/adapters/evidence';
import { S3Presigner } from '../../shared/adapters/s3-presigner';
import { type SecretsEndpoint, startSecretsEndpoint } from '../helpers/secrets-endpoint';

const ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:LinkSecret-AbCdEf';

let secrets: SecretsEndpoint;
beforeAll(async () => {
  secrets = await startSecretsEndpoint();
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.endpoint;
});
beforeEach(() => secrets.reset());
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  await secrets.close();
});

describe('readLinkSecret', () => {
  it('reads the secret by its ARN', async () => {
    secrets.set(ARN, 'k'.repeat(64));
    expect(await readLinkSecret(secretsManagerReader(), ARN)).toBe('k'.repeat(64));
    expect(secrets.calls).toEqual([{ SecretId: ARN }]);
  });

  it('refuses an empty or short key (the cold start fails loudly)', async () => {
    secrets.set(ARN, 'short');
    await expect(readLinkSecret(secretsManagerReader(), ARN)).rejects.toThrow(/no usable link key/);
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

describe('evidenceDeps (the links and ticketEvidence entries)', () => {
  it('puts photos in the bucket when EVIDENCE_BUCKET is set, and leaves them to the store otherwise', async () => {
    const bucket = 'whistle-dispatch-dev-evidence-111122223333-ap-east-1';
    const { evidence } = evidenceDeps(
      readFunctionEnv({ TABLE_NAME: 'whistle-table', EVIDENCE_BUCKET: bucket }),
    );
    expect(evidence?.mode).toBe('presigned');
    const put = await evidence?.presignPut('AAAAAAAAAAAAAAAAAAAAAA.jpg', 'image/png', 2048);
    expect(new URL(put?.url ?? '').origin).toBe(s3EvidenceOrigin(bucket));
    expect(evidenceDeps(readFunctionEnv({ TABLE_NAME: 'whistle-table' }))).toEqual({});
  });
});
