/** Lambda entry of `receipts`: the environment read once, the shared core plus the notification channels, signed links, built once per container. */
import { makeReceipts } from '../api/receipts';
import { linkDeps } from '../lib/aws/links';
import { notificationDeps } from '../lib/aws/notifications';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env, { ...notificationDeps(env) });

export const handler = makeReceipts({ ...core, ...(await linkDeps(env, core.store)) });
