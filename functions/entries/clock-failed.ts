/** Lambda entry of `clock-failed`: the environment read once, the shared core plus Step Functions, the notification channels, signed links, built once per container. */

import { linkDeps } from '../lib/aws/links';
import { notificationDeps } from '../lib/aws/notifications';
import { sfnWorkflow } from '../lib/aws/workflow';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeClockFailed } from '../tasks/clock-failed';

const env = readFunctionEnv();
const core = awsDeps(env, { workflow: sfnWorkflow(env), ...notificationDeps(env) });

export const handler = makeClockFailed({ ...core, ...(await linkDeps(env, core.store)) });
