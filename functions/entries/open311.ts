/** Lambda entry of `open311`: the AWS dependencies, built once per container, make its handler. */
import { makeOpen311 } from '../api/open311';
import { awsDeps } from '../lib/deps';

export const handler = makeOpen311(awsDeps());
