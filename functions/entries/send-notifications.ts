/** Lambda entry of `send-notifications`: the environment read once, the shared core plus the notification queue and SNS, built once per container. */

import { notifierDeps } from '../lib/aws/notifier';
import { queueDeps } from '../lib/aws/queue';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeSendNotifications } from '../tasks/send-notifications';

const env = readFunctionEnv();
const core = awsDeps(env, { ...queueDeps(env), ...notifierDeps(env) });

export const handler = makeSendNotifications(core);
