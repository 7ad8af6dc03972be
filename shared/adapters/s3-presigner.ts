/**
 * Presigned S3 URLs from the SDK's own Signature V4 signer, without an S3 client. The two functions
 * that hand out photo URLs (`links`, `ticketEvidence`) only ever sign; the S3 client and its
 * presigner would add about 110 KB to each bundle (issue 17) for requests they never send. The
 * URLs are the ones `getSignedUrl` builds, byte for byte (pinned by test/unit/s3-presigner.test.ts
 * against URLs the SDK produced): virtual-hosted bucket, `UNSIGNED-PAYLOAD`, the SDK's `x-id`.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { type AwsCredentialSource, credentialProvider, NodeSha256, regionalEndpoint } from './sigv4';

export interface S3PresignerOptions {
  region: string;
  /** Read on every signature, so rotated role credentials are picked up. */
  credentials: AwsCredentialSource;
}

export interface PresignRequest {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  /** Headers the uploader must send exactly as signed (type, length, conditions). */
  headers?: Record<string, string>;
  expiresIn: number;
  /** Fixed in tests; now otherwise. */
  signingDate?: Date;
}

/** The operation name the SDK adds to every S3 request's query (`x-id`), and the GET's checksum mode. */
const SDK_QUERY: Record<PresignRequest['method'], Record<string, string>> = {
  PUT: { 'x-id': 'PutObject' },
  GET: { 'x-amz-checksum-mode': 'ENABLED', 'x-id': 'GetObject' },
};

/** S3 keys keep their slashes; each segment is encoded as the SDK encodes a key. */
const encodeKey = (key: string): string =>
  key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');

export class S3Presigner {
  private readonly signer: SignatureV4;

  constructor(private readonly options: S3PresignerOptions) {
    this.signer = new SignatureV4({
      service: 's3',
      region: options.region,
      credentials: credentialProvider(options.credentials),
      sha256: NodeSha256,
      // S3 signs the path as sent: no second round of encoding.
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  /** The bucket's virtual-hosted origin (China regions answer under amazonaws.com.cn). */
  origin(bucket: string): string {
    return regionalEndpoint(`${bucket}.s3`, this.options.region);
  }

  async presign(request: PresignRequest): Promise<string> {
    const origin = new URL(this.origin(request.bucket));
    const extra = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const path = `/${encodeKey(request.key)}`;
    const query = SDK_QUERY[request.method];
    // Headers the caller names must reach S3 as signed headers, not as query parameters: a
    // browser's fetch sends them, and S3 then refuses another type, size or an overwrite.
    const pinned = new Set(Object.keys(extra));
    const signed = await this.signer.presign(
      {
        method: request.method,
        protocol: 'https:',
        hostname: origin.hostname,
        path,
        query: { ...query },
        // The SDK's spelling: the hoisted parameter keeps it.
        headers: { ...extra, host: origin.hostname, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      } as Parameters<SignatureV4['presign']>[0],
      {
        expiresIn: request.expiresIn,
        signingDate: request.signingDate,
        unsignableHeaders: new Set(['content-type']),
        signableHeaders: pinned,
        unhoistableHeaders: pinned,
      },
    );
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(signed.query ?? {}).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      for (const v of Array.isArray(value) ? value : [value]) if (v != null) search.append(name, v);
    }
    return `${origin.origin}${path}?${search.toString().replace(/\+/g, '%20')}`;
  }
}
