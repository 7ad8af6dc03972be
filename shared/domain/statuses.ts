/**
 * A ticket's statuses and the groups the rules, the store and the console read: one definition,
 * no imports, so the console can bundle it without the domain's schemas.
 */
export const ticketStatuses = [
  /** Raised without a confident duty item: waits in its street's queue (分拨) for a dispatcher. */
  'triage',
  'received',
  'dispatched',
  'acknowledged',
  'in_progress',
  'resolved',
  'closed',
  'reopened',
  'returned',
  'cancelled',
] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

/** A ticket in these statuses is open: its clocks run (everything but closed and cancelled). */
export const openStatuses: readonly TicketStatus[] = ticketStatuses.filter(
  (s) => s !== 'closed' && s !== 'cancelled',
);

/** The units still work the ticket (open, and neither resolved, held as returned, nor in triage). */
export const workingStatuses: readonly TicketStatus[] = openStatuses.filter(
  (s) => s !== 'resolved' && s !== 'returned' && s !== 'triage',
);
