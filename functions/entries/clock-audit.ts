/** Lambda entry of `clock-audit`: the AWS dependencies, built once per container, make its handler. */
import { makeClockAudit } from '../api/clock-audit';
import { awsDeps } from '../lib/deps';

export const handler = makeClockAudit(awsDeps());
