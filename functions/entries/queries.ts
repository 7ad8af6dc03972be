/** Lambda entry of `queries`: the AWS dependencies, built once per container, make its handler. */
import { makeQueries } from '../api/queries';
import { awsDeps } from '../lib/deps';

export const handler = makeQueries(awsDeps());
