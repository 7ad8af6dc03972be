/** Lambda entry of `clock-failed`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeClockFailed } from '../tasks/clock-failed';

export const handler = makeClockFailed(awsDeps());
