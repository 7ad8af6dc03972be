/**
 * Lambda entry of the service function (health, OpenAPI, docs). Deployed without data access:
 * its handler is made with no dependencies.
 */
import { makeService } from '../api/service';

export const handler = makeService(undefined);
