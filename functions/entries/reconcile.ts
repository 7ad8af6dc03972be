/** Lambda entry of `reconcile`: the environment read once, the shared core plus Step Functions, built once per container. */

import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeReconcile } from '../tasks/reconcile';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env) });

export const handler = makeReconcile(core);
