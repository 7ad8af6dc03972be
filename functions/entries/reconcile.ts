/** Lambda entry of `reconcile`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeReconcile } from '../tasks/reconcile';

export const handler = makeReconcile(awsDeps());
