/** Lambda entry of `on-timer`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeOnTimer } from '../tasks/on-timer';

export const handler = makeOnTimer(awsDeps());
