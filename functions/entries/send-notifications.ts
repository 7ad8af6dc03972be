/** Lambda entry of `send-notifications`: the environment read once, the shared core plus the notification channels, built once per container. */

import { notificationDeps } from '../lib/aws/notifications';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeSendNotifications } from '../tasks/send-notifications';

const env = readFunctionEnv();
const core = awsDeps(env, { ...notificationDeps(env) });

export const handler = makeSendNotifications(core);
