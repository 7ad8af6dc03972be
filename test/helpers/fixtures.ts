/**
 * Ids of the Liling seed configuration (shared/config/seed.ts) that tests use again and again, and
 * a ticket body that the seed routes to Lailongmen's street office.
 */

/** Communities. */
export const NANQIAO = 'cm-nanqiao';
export const XISHAN = 'cm-xishan';
/** Streets. */
export const LAILONGMEN = 'st-lailongmen';
/** Street offices (units). */
export const LAILONGMEN_OFFICE = 'u-street-lailongmen';
export const XISHAN_OFFICE = 'u-street-xishan';
/** A basic, general duty item: Nanqiao's ticket goes to Lailongmen's street office. */
export const NEIGHBOR_DISPUTE = 'di-neighbor-dispute';

/** A valid intake body (Nanqiao, a neighbour dispute, by a grid worker); fields may be overridden. */
export function ticketBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dutyItemId: NEIGHBOR_DISPUTE,
    communityId: NANQIAO,
    title: '楼道堆放杂物',
    description: '3栋2单元楼道堆满杂物，影响通行',
    channel: 'grid',
    ...overrides,
  };
}
