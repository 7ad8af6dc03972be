/** Lambda entry of the archiver: it builds its own table and bucket clients from the environment. */
import { makeArchiveExpired } from '../tasks/archive-expired';

export const handler = makeArchiveExpired();
