/** Lambda entry of `advance`: the environment read once, the shared core, built once per container. */

import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';
import { makeAdvance } from '../tasks/advance';

const env = readFunctionEnv();
const core = awsDeps(env);

export const handler = makeAdvance(core);
