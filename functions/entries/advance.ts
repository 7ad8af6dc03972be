/** Lambda entry of `advance`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeAdvance } from '../tasks/advance';

export const handler = makeAdvance(awsDeps());
