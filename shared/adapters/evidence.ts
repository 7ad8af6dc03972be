/**
 * Where resolution photos go. Embedded runtime: through the API into the store, one item per photo
 * (≤ 350 KB after the phone has downscaled it). AWS: straight from the phone to S3 with a
 * presigned PUT that fixes the key, type and size; read back through short presigned GETs.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { EvidenceObject, EvidenceStore, LinkStore } from '../ports';

export class StoreEvidence implements EvidenceStore {
  readonly mode = 'inline' as const;

  constructor(private readonly store: LinkStore) {}

  put(object: EvidenceObject): Promise<void> {
    return this.store.putEvidence(object);
  }

  presignPut(): Promise<{ url: string; headers: Record<string, string> }> {
    return Promise.reject(new Error('evidence is uploaded inline on the embedded runtime'));
  }

  async open(name: string) {
    const o = await this.store.getEvidence(name);
    return o ? { contentType: o.contentType, bytes: o.bytes } : undefined;
  }
}

/** Objects live under `evidence/`; the function may put and get nothing else. */
export const EVIDENCE_PREFIX = 'evidence/';
/** Long enough for a slow phone connection to start the upload; short enough to be useless later. */
const PUT_EXPIRES_SECONDS = 600;
const GET_EXPIRES_SECONDS = 300;

export class S3Evidence implements EvidenceStore {
  readonly mode = 'presigned' as const;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /**
   * Checksums only when S3 requires them: by default the SDK would sign the CRC32 of the empty
   * body it presigns with, and S3 would then refuse every photo as corrupt.
   */
  static forBucket(bucket: string): S3Evidence {
    return new S3Evidence(new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' }), bucket);
  }

  /** The origin the phone page must be allowed to connect to (its CSP): the presigned URLs' host. */
  get origin(): string {
    const region = process.env.AWS_REGION ?? 'us-east-1';
    return `https://${this.bucket}.s3.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
  }

  put(): Promise<void> {
    return Promise.reject(new Error('evidence goes to S3 by presigned PUT'));
  }

  async presignPut(name: string, contentType: string, size: number) {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: `${EVIDENCE_PREFIX}${name}`,
      ContentType: contentType,
      ContentLength: size,
      // Write-once: S3 refuses the PUT when the object exists, so a leaked URL cannot replace a
      // photo already cited in a resolution (the bucket policy refuses PUTs without it, too).
      IfNoneMatch: '*',
    });
    // Type, length and If-None-Match are signed: S3 refuses another type, a bigger file or an
    // overwrite under this URL.
    const signed = new Set(['content-type', 'content-length', 'if-none-match']);
    const url = await getSignedUrl(this.s3, command, {
      expiresIn: PUT_EXPIRES_SECONDS,
      signableHeaders: signed,
      unhoistableHeaders: signed,
    });
    return { url, headers: { 'content-type': contentType, 'if-none-match': '*' } };
  }

  async open(name: string) {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: `${EVIDENCE_PREFIX}${name}` });
    return { redirect: await getSignedUrl(this.s3, command, { expiresIn: GET_EXPIRES_SECONDS }) };
  }
}
