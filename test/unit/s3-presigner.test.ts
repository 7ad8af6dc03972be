/**
 * The presigner signs without an S3 client; its URLs must be the ones the SDK's `getSignedUrl`
 * builds, or S3 refuses the phone's upload. The expected URLs below were produced by
 * `getSignedUrl` (@aws-sdk/s3-request-presigner with an S3Client, `requestChecksumCalculation:
 * 'WHEN_REQUIRED'`) for the same credentials, instant, bucket and key.
 */
import { describe, expect, it } from 'vitest';
import { S3Presigner } from '../../shared/adapters/s3-presigner';

const signingDate = new Date('2026-12-06T05:30:00Z');
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/+token=',
};
const bucket = 'whistle-dispatch-dev-evidence-111122223333-ap-east-1';

describe('S3Presigner', () => {
  it('presigns a write-once PUT exactly as the SDK does, type, size and If-None-Match signed as headers', async () => {
    const url = await new S3Presigner({ region: 'ap-east-1', credentials }).presign({
      method: 'PUT',
      bucket,
      key: 'evidence/AAAAAAAAAAAAAAAAAAAAAA.jpg',
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '123456', 'If-None-Match': '*' },
      expiresIn: 600,
      signingDate,
    });
    expect(url).toBe(
      'https://whistle-dispatch-dev-evidence-111122223333-ap-east-1.s3.ap-east-1.amazonaws.com/evidence/AAAAAAAAAAAAAAAAAAAAAA.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDEXAMPLE%2F20261206%2Fap-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261206T053000Z&X-Amz-Expires=600&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2F%2Btoken%3D&X-Amz-Signature=16207f7546fb97224d98d40d319ff5292cb2aa9f71b36236e996989d143f7f0b&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match&x-id=PutObject',
    );
  });

  it('presigns a short GET exactly as the SDK does', async () => {
    const url = await new S3Presigner({ region: 'ap-east-1', credentials: async () => credentials }).presign({
      method: 'GET',
      bucket,
      key: 'evidence/AAAAAAAAAAAAAAAAAAAAAA.jpg',
      expiresIn: 300,
      signingDate,
    });
    expect(url).toBe(
      'https://whistle-dispatch-dev-evidence-111122223333-ap-east-1.s3.ap-east-1.amazonaws.com/evidence/AAAAAAAAAAAAAAAAAAAAAA.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDEXAMPLE%2F20261206%2Fap-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261206T053000Z&X-Amz-Expires=300&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2F%2Btoken%3D&X-Amz-Signature=0850c79226a277e83d1e2ee4c4d392d7f2f01f4cfbc501ef95a5e44a55e9d763&X-Amz-SignedHeaders=host&x-amz-checksum-mode=ENABLED&x-id=GetObject',
    );
  });

  it('uses the China partition host and signs without a session token when there is none', async () => {
    const { sessionToken: _, ...longTerm } = credentials;
    const url = await new S3Presigner({ region: 'cn-north-1', credentials: longTerm }).presign({
      method: 'GET',
      bucket: 'wd-prod-evidence-111122223333-cn-north-1',
      key: 'evidence/BBBBBBBBBBBBBBBBBBBBBB.png',
      expiresIn: 300,
      signingDate,
    });
    expect(url).toBe(
      'https://wd-prod-evidence-111122223333-cn-north-1.s3.cn-north-1.amazonaws.com.cn/evidence/BBBBBBBBBBBBBBBBBBBBBB.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDEXAMPLE%2F20261206%2Fcn-north-1%2Fs3%2Faws4_request&X-Amz-Date=20261206T053000Z&X-Amz-Expires=300&X-Amz-Signature=cee3acb0187b3560aa379340ac012e3843e8206765bb605f2772270068780e2f&X-Amz-SignedHeaders=host&x-amz-checksum-mode=ENABLED&x-id=GetObject',
    );
  });

  it('refuses to sign for longer than a week, as S3 would refuse the URL', async () => {
    await expect(
      new S3Presigner({ region: 'ap-east-1', credentials }).presign({
        method: 'GET',
        bucket,
        key: 'evidence/x.jpg',
        expiresIn: 8 * 24 * 3600,
      }),
    ).rejects.toBeDefined();
  });
});
