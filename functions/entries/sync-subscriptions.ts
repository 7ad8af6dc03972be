/** Lambda entry of `sync-subscriptions`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeSyncSubscriptions } from '../tasks/sync-subscriptions';

export const handler = makeSyncSubscriptions(awsDeps());
