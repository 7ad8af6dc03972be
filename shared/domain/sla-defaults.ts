/**
 * The default SLA policies of the product (docs/domain.md "SLA classes and the default policy",
 * with their sources). Urgent and fast run 24×7; general and complex on working days.
 * Admins may edit them; a ticket keeps the policy of the config version it was created under.
 */
import { type SlaPolicy, slaPolicySchema } from './model';

const HOUR = 60;

const raw = [
  {
    // Safety whistles: sign within 30 min and be on site (报到) within 30 min, fixed within 2 h.
    slaClass: 'urgent',
    clock: '24x7',
    acknowledge: { minutes: 30 },
    arrive: { minutes: 30 },
    resolve: { minutes: 2 * HOUR },
    // No return window: an urgent ticket may not be bounced back while the hazard persists.
    feedback: { workingDays: 3 },
    warnAt: 0.75,
    level2After: { minutes: 30 },
    level3After: { minutes: 2 * HOUR },
    extension: { allowed: false, maxWorkingDays: 0 },
    maxReopens: 2,
  },
  {
    // Utilities (water, power, gas, heat): 2 h to sign, 24 h to restore.
    slaClass: 'fast',
    clock: '24x7',
    acknowledge: { minutes: 2 * HOUR },
    resolve: { minutes: 24 * HOUR },
    returnWindow: { minutes: 2 * HOUR },
    feedback: { workingDays: 3 },
    warnAt: 0.75,
    level2After: { minutes: 2 * HOUR },
    // 24 h, not the design's 5 working days: the class is 24×7 and an outage must not wait out a
    // holiday before the city hears of it (decision and reasons: docs/calendar.md).
    level3After: { minutes: 24 * HOUR },
    extension: { allowed: false, maxWorkingDays: 0 },
    maxReopens: 2,
  },
  {
    slaClass: 'general',
    clock: 'workday',
    acknowledge: { workingDays: 1 },
    resolve: { workingDays: 5 },
    returnWindow: { workingDays: 2 },
    feedback: { workingDays: 3 },
    warnAt: 0.75,
    level2After: { workingDays: 1 },
    // 通报 after 5 working days still overdue.
    level3After: { workingDays: 5 },
    extension: { allowed: true, maxWorkingDays: 10 },
    maxReopens: 2,
  },
  {
    slaClass: 'complex',
    clock: 'workday',
    acknowledge: { workingDays: 1 },
    resolve: { workingDays: 15 },
    returnWindow: { workingDays: 2 },
    feedback: { workingDays: 3 },
    warnAt: 0.75,
    level2After: { workingDays: 1 },
    level3After: { workingDays: 5 },
    extension: { allowed: true, maxWorkingDays: 10 },
    maxReopens: 2,
  },
] as const;

/** Parsed at load so a typo here fails fast rather than at the first deadline. */
export const defaultSlaPolicies: SlaPolicy[] = raw.map((p) => slaPolicySchema.parse(p));
