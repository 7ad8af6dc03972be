/**
 * What a caller sees of a ticket. The reporter's phone is personal data: only the community that
 * raised the ticket, the units working on it and admins see it whole.
 */
import type { Ticket } from '../domain/model';
import { maskPhone, type Principal } from '../domain/principal';

export function viewTicket(t: Ticket, p: Principal): Ticket {
  const phone = t.reporter?.phone;
  const needsPhone =
    p.role === 'admin' || p.role === 'unit' || (p.role === 'reporter' && p.communityId === t.communityId);
  if (!phone || needsPhone) return t;
  return { ...t, reporter: { ...t.reporter, phone: maskPhone(phone) } };
}
