/** Lambda entry of `sync-subscriptions`: the environment read once, the shared core, built once per container. */

import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeSyncSubscriptions } from '../tasks/sync-subscriptions';

const env = readFunctionEnv();
const core = awsDeps(env);

export const handler = makeSyncSubscriptions(core);
