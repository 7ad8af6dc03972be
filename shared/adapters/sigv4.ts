/**
 * What the two SDK-less AWS callers share (s3-presigner.ts, aws-json-client.ts): credentials, the
 * hash the SDK's Signature V4 signer takes, regional endpoints.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Fixed credentials (tests) or a provider read on every signature (rotated role credentials). */
export type AwsCredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

export const credentialProvider = (source: AwsCredentialSource): (() => Promise<AwsCredentials>) =>
  typeof source === 'function' ? source : async () => source;

type Bytes = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: Bytes): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 and HMAC-SHA256 in the shape the signer takes (what @smithy/hash-node does, on node:crypto). */
export class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: Bytes) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }

  update(data: Bytes): void {
    this.hash.update(toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/** A service's regional endpoint (China regions answer under amazonaws.com.cn). */
export function regionalEndpoint(prefix: string, region: string): string {
  return `https://${prefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}
