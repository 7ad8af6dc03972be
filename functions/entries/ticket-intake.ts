/** Lambda entry of `ticket-intake`: the AWS dependencies, built once per container, make its handler. */
import { makeTicketIntake } from '../api/ticket-intake';
import { awsDeps } from '../lib/deps';

export const handler = makeTicketIntake(awsDeps());
