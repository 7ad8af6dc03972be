/** Lambda entry of `send-pending`: the environment read once, the shared core plus Step Functions, built once per container. */

import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeSendPending } from '../tasks/send-pending';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env) });

export const handler = makeSendPending(core);
