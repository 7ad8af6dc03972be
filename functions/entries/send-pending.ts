/** Lambda entry of `send-pending`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeSendPending } from '../tasks/send-pending';

export const handler = makeSendPending(awsDeps());
