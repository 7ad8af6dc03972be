/** Lambda entry of `receipts`: the AWS dependencies, built once per container, make its handler. */
import { makeReceipts } from '../api/receipts';
import { awsDeps } from '../lib/deps';

export const handler = makeReceipts(awsDeps());
