/** Lambda entry of `links`: the AWS dependencies, built once per container, make its handler. */
import { makeLinks } from '../api/links';
import { awsDeps } from '../lib/deps';

export const handler = makeLinks(awsDeps());
