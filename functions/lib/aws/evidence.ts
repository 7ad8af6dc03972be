/** Resolution photos in S3 (presigned PUT and GET) when EVIDENCE_BUCKET is set; else the store keeps them. */
import { S3Evidence } from '../../../shared/adapters/evidence';
import type { Deps } from '../deps';
import type { FunctionEnv } from '../env';

export function evidenceDeps(env: FunctionEnv): Pick<Deps, 'evidence'> {
  return env.EVIDENCE_BUCKET ? { evidence: S3Evidence.forBucket(env.EVIDENCE_BUCKET) } : {};
}
