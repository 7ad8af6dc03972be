/** Lambda entry of `sync-subscriptions`: the environment read once, the shared core and the SNS client, built once per container. */

import { SNSClient } from '@aws-sdk/client-sns';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { traceClient } from '../lib/xray';
import { makeSyncSubscriptions } from '../tasks/sync-subscriptions';

const env = readFunctionEnv();
const core = awsDeps(env);

// SDK retries (standard mode) are welcome here: nothing else retries these calls.
export const handler = makeSyncSubscriptions({ ...core, sns: traceClient(new SNSClient({})) });
