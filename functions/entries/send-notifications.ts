/** Lambda entry of `send-notifications`: the AWS dependencies, built once per container, make its handler. */

import { awsDeps } from '../lib/deps';
import { makeSendNotifications } from '../tasks/send-notifications';

export const handler = makeSendNotifications(awsDeps());
