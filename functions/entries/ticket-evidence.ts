/** Lambda entry of `ticket-evidence`: the environment read once, the shared core plus the photo bucket, built once per container. */
import { makeTicketEvidence } from '../api/ticket-evidence';
import { evidenceDeps } from '../lib/aws/evidence';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env, evidenceDeps(env));

export const handler = makeTicketEvidence(core);
