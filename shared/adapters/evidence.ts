/**
 * Where resolution photos go. Embedded runtime: through the API into the store, one item per photo
 * (≤ 350 KB after the phone has downscaled it). AWS: straight from the phone to S3 with a
 * presigned PUT that fixes the key, type and size; read back through short presigned GETs. Only
 * signed here, never sent: no S3 client (s3-presigner.ts).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { EvidenceObject, EvidenceStore, LinkStore } from '../ports';
import { S3Presigner } from './s3-presigner';
import { regionalEndpoint } from './sigv4';

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

/** The origin the phone page must be allowed to connect to (its CSP): the presigned URLs' host. */
export function s3EvidenceOrigin(bucket: string, region = process.env.AWS_REGION ?? 'us-east-1'): string {
  return regionalEndpoint(`${bucket}.s3`, region);
}

export class S3Evidence implements EvidenceStore {
  readonly mode = 'presigned' as const;

  constructor(
    private readonly signer: S3Presigner,
    private readonly bucket: string,
  ) {}

  /** Signed with the function role's credentials, which Lambda puts in the environment. */
  static forBucket(bucket: string): S3Evidence {
    const region = process.env.AWS_REGION ?? 'us-east-1';
    return new S3Evidence(new S3Presigner({ region, credentials: fromEnv() }), bucket);
  }

  /** The origin the phone page must be allowed to connect to (its CSP): the presigned URLs' host. */
  get origin(): string {
    return this.signer.origin(this.bucket);
  }

  put(): Promise<void> {
    return Promise.reject(new Error('evidence goes to S3 by presigned PUT'));
  }

  async presignPut(name: string, contentType: string, size: number) {
    const url = await this.signer.presign({
      method: 'PUT',
      bucket: this.bucket,
      key: `${EVIDENCE_PREFIX}${name}`,
      // Type, length and If-None-Match are signed headers: S3 refuses another type, a bigger file,
      // or (write-once) a PUT over an existing object, so a leaked URL cannot replace a photo
      // already cited in a resolution (the bucket policy refuses PUTs without it, too).
      headers: { 'content-type': contentType, 'content-length': String(size), 'if-none-match': '*' },
      expiresIn: PUT_EXPIRES_SECONDS,
    });
    return { url, headers: { 'content-type': contentType, 'if-none-match': '*' } };
  }

  async open(name: string) {
    const key = `${EVIDENCE_PREFIX}${name}`;
    return {
      redirect: await this.signer.presign({
        method: 'GET',
        bucket: this.bucket,
        key,
        expiresIn: GET_EXPIRES_SECONDS,
      }),
    };
  }
}
