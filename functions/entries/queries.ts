/** Lambda entry of `queries`: the environment read once, the shared core, built once per container. */
import { makeQueries } from '../api/queries';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env);

export const handler = makeQueries(core);
