/**
 * Triage (分拨): a whistle raised without a duty item waits in its street's queue until a
 * dispatcher names the item. Its clock counts office minutes, so a whistle raised at 22:00 is due
 * at 09:30 the next working morning rather than breaching while the street office is closed; its
 * warning, deadline and escalation levels act like every other stage's and reach the street office
 * (level 1 its leader, level 2 the street office, level 3 the city), so a forgotten queue is seen.
 *
 * Pure: no I/O.
 */
import { DAY_MS, dateOfDayNumber, SHANGHAI_OFFSET_MS, type WorkCalendar } from './calendar';
import { toShanghaiIso, WORKING_PERIODS } from './deadlines';
import { type ConfigSnapshot, type StageClock, type TriagePolicy, triagePolicySchema } from './model';

/** The configured triage policy with its defaults (30 office minutes, warning at 75 %). */
export function triagePolicy(config: Pick<ConfigSnapshot, 'triage'>): TriagePolicy {
  return triagePolicySchema.parse(config.triage ?? {});
}

/**
 * `start` plus `minutes` of office time (09:00–12:00, 13:00–17:30 on working days). Time outside
 * office hours does not count; a start outside them counts from the next office period.
 */
export function addOfficeMinutes(start: Date, minutes: number, cal: WorkCalendar): Date {
  let remaining = minutes * 60_000;
  const startMs = start.getTime();
  // Two years of days is far more than any configured triage time needs; it only bounds a
  // calendar that marks every day off.
  const firstDay = Math.floor((startMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  for (let day = firstDay; day < firstDay + 730; day += 1) {
    if (!cal.isWorkingDay(dateOfDayNumber(day))) continue;
    for (const [from, to] of WORKING_PERIODS) {
      const s = Math.max(startMs, day * DAY_MS + from * 60_000 - SHANGHAI_OFFSET_MS);
      const e = day * DAY_MS + to * 60_000 - SHANGHAI_OFFSET_MS;
      if (e <= s) continue;
      if (remaining <= e - s) return new Date(s + remaining);
      remaining -= e - s;
    }
  }
  throw new Error(`no ${minutes} office minutes found within two years after ${toShanghaiIso(start)}`);
}

/**
 * The triage clock of a whistle raised at `startedAt`: warning at `warnAt` of the office time,
 * the deadline, then levels 2 and 3 the configured office minutes after it. `unitId` is the street
 * office the breaches are counted against and the escalations reach.
 */
export function planTriageClock(args: {
  startedAt: Date;
  unitId: string | undefined;
  policy: TriagePolicy;
  cal: WorkCalendar;
}): StageClock {
  const { startedAt, unitId, policy, cal } = args;
  const due = addOfficeMinutes(startedAt, policy.officeMinutes, cal);
  const warn = addOfficeMinutes(
    startedAt,
    Math.max(1, Math.round(policy.officeMinutes * policy.warnAt)),
    cal,
  );
  const clock: StageClock = {
    stage: 'triage',
    startedAt: toShanghaiIso(startedAt),
    warnAt: toShanghaiIso(warn < due ? warn : new Date(due.getTime() - 1)),
    dueAt: toShanghaiIso(due),
    level2At: toShanghaiIso(addOfficeMinutes(due, policy.level2AfterOfficeMinutes, cal)),
    level3At: toShanghaiIso(addOfficeMinutes(due, policy.level3AfterOfficeMinutes, cal)),
    level: 0,
  };
  if (unitId !== undefined) clock.unitId = unitId;
  return clock;
}

/** The street office a street's triage clock escalates to (undefined if the street has none). */
export function streetOfficeOf(config: Pick<ConfigSnapshot, 'units'>, streetId: string): string | undefined {
  return config.units.find((u) => u.kind === 'street' && u.streetId === streetId)?.id;
}
