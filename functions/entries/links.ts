/** Lambda entry of `links`: the environment read once, the shared core plus Step Functions, signed links, the photo bucket, built once per container. */
import { makeLinks } from '../api/links';
import { evidenceDeps } from '../lib/aws/evidence';
import { linkDeps } from '../lib/aws/links';
import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env), ...evidenceDeps(env) });

export const handler = makeLinks({ ...core, ...(await linkDeps(env, core.store)) });
