/** Lambda entry of `admin-config`: the environment read once, the shared core plus Step Functions, built once per container. */
import { makeAdminConfig } from '../api/admin-config';
import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env) });

export const handler = makeAdminConfig(core);
