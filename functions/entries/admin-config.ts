/** Lambda entry of `admin-config`: the AWS dependencies, built once per container, make its handler. */
import { makeAdminConfig } from '../api/admin-config';
import { awsDeps } from '../lib/deps';

export const handler = makeAdminConfig(awsDeps());
