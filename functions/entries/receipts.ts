/** Lambda entry of `receipts`: the environment read once, the shared core plus the notification queue, signed links, built once per container. */
import { makeReceipts } from '../api/receipts';
import { linkDeps } from '../lib/aws/links';
import { queueDeps } from '../lib/aws/queue';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env, { ...queueDeps(env) });

export const handler = makeReceipts({ ...core, ...(await linkDeps(env, core.store)) });
