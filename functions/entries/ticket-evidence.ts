/** Lambda entry of `ticket-evidence`: the AWS dependencies, built once per container, make its handler. */
import { makeTicketEvidence } from '../api/ticket-evidence';
import { awsDeps } from '../lib/deps';

export const handler = makeTicketEvidence(awsDeps());
