/** Lambda entry of `ticket-actions`: the AWS dependencies, built once per container, make its handler. */
import { makeTicketActions } from '../api/ticket-actions';
import { awsDeps } from '../lib/deps';

export const handler = makeTicketActions(awsDeps());
