/**
 * Publishing a calendar year (issue 15): the year file is configuration like any other, but what
 * it says is a fact, so open tickets follow it at once. Every not-yet-passed instant of an open
 * ticket is counted again under the new calendar and the ticket's own SLA policy version; moved
 * waits are re-armed through applySystemChange (the same path as any system change). Also the
 * health warning for next year's calendar while nobody has published it.
 */
import { createWorkCalendar, shanghaiDate } from '../domain/calendar';
import type { CalendarYear } from '../domain/model';
import { CALENDAR_ASSUMED_FLAG, type DeadlineMove, replanForCalendar } from '../domain/ticket-rules';
import { applySystemChange, type TicketDeps } from './ticket-service';

export interface TicketMoves {
  ticketId: string;
  code: string;
  moves: DeadlineMove[];
}

/**
 * The open tickets a year file would move, without writing anything (the console's preview):
 * the calendar is the latest configuration's with `file` in place of its year.
 */
export async function previewCalendarYear(deps: TicketDeps, file: CalendarYear): Promise<TicketMoves[]> {
  const current = await deps.configs.current();
  const cal = createWorkCalendar([...current.calendars.filter((y) => y.year !== file.year), file]);
  const now = deps.clock.now();
  const out: TicketMoves[] = [];
  for await (const page of deps.store.openTickets()) {
    for (const t of page) {
      const config = await deps.configs.version(t.configVersion);
      const result = replanForCalendar(t, { now, config, cal });
      if (result && result.moves.length > 0) out.push({ ticketId: t.id, code: t.code, moves: result.moves });
    }
  }
  return out;
}

/**
 * After a year file was written: move every open ticket's instants the latest calendar now puts
 * elsewhere. Idempotent (a second pass finds nothing to move), so a pass cut short is finished by
 * publishing the same file again. Returns the tickets moved.
 */
export async function applyPublishedCalendar(deps: TicketDeps): Promise<TicketMoves[]> {
  const out: TicketMoves[] = [];
  for await (const page of deps.store.openTickets()) {
    for (const t of page) {
      let moves: DeadlineMove[] = [];
      await applySystemChange(deps, t.id, (ticket, ctx) => {
        const result = replanForCalendar(ticket, ctx);
        moves = result?.moves ?? [];
        return result?.ticket ?? null;
      });
      if (moves.length > 0) out.push({ ticketId: t.id, code: t.code, moves });
    }
  }
  return out;
}

export interface CalendarWarning {
  code: 'calendar_year_unknown';
  year: number;
  /** Open tickets flagged `calendar_assumed` (their instants count next year as Mon–Fri). */
  openTickets: number;
}

/**
 * From 1 November (Asia/Shanghai, on the runtime's clock, which may be simulated) until next
 * year's calendar is bundled or loaded: a warning naming the year and the open tickets that
 * already count over it. Deadlines of complex tickets reach into next year from mid-December.
 */
export async function calendarWarnings(deps: TicketDeps): Promise<CalendarWarning[]> {
  const year = await unknownNextYear(deps);
  if (year === undefined) return [];
  let openTickets = 0;
  for await (const page of deps.store.openTickets())
    for (const t of page) if (t.flags.includes(CALENDAR_ASSUMED_FLAG)) openTickets += 1;
  return [{ code: 'calendar_year_unknown', year, openTickets }];
}

/**
 * Next year, when from 1 November it is still unknown; otherwise undefined. Cheap (no ticket is
 * read): the AWS reconciler emits the `CalendarYearUnknown` metric from it on every run.
 */
export async function unknownNextYear(
  deps: Pick<TicketDeps, 'clock' | 'configs'>,
): Promise<number | undefined> {
  const today = shanghaiDate(deps.clock.now());
  const year = Number(today.slice(0, 4));
  if (today.slice(5) < '11-01') return undefined;
  const cal = await deps.configs.calendar();
  return cal.knowsYear(year + 1) ? undefined : year + 1;
}
