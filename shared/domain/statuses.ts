/**
 * A ticket's statuses and the groups the rules, the store and the console read: one definition,
 * no imports, so the console can bundle it without the domain's schemas.
 */
export const ticketStatuses = [
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

/** The units still work the ticket (open, and neither resolved nor held as returned). */
export const workingStatuses: readonly TicketStatus[] = openStatuses.filter(
  (s) => s !== 'resolved' && s !== 'returned',
);
