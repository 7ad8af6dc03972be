/** Lambda entry of `exports`: the AWS dependencies, built once per container, make its handler. */
import { makeExports } from '../api/exports';
import { awsDeps } from '../lib/deps';

export const handler = makeExports(awsDeps());
