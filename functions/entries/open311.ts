/** Lambda entry of `open311`: the environment read once, the shared core plus Step Functions, token verification, built once per container. */
import { makeOpen311 } from '../api/open311';
import { tokenDeps } from '../lib/aws/tokens';
import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env), ...tokenDeps(env) });

export const handler = makeOpen311(core);
