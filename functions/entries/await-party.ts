/** Lambda entry of `await-party`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeAwaitParty } from '../tasks/await-party';

export const handler = makeAwaitParty(awsDeps());
