/** Lambda entry of `clock-failed`: the environment read once, the shared core plus Step Functions, the notification queue, signed links, built once per container. */

import { linkDeps } from '../lib/aws/links';
import { queueDeps } from '../lib/aws/queue';
import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeClockFailed } from '../tasks/clock-failed';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env), ...queueDeps(env) });

export const handler = makeClockFailed({ ...core, ...(await linkDeps(env, core.store)) });
