/** Lambda entry of `exports`: the environment read once, the shared core, built once per container. */
import { makeExports } from '../api/exports';
import { awsDeps } from '../lib/deps';
import { readFunctionEnv } from '../lib/env';

const env = readFunctionEnv();
const core = awsDeps(env);

export const handler = makeExports(core);
