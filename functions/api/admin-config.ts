/** Admin writes to the configuration: each creates a new version; open tickets keep theirs. */
import { calendarYearIssues } from '../../shared/domain/calendar';
import { ValidationError } from '../../shared/domain/errors';
import { calendarYearSchema, idSchema, slaClasses } from '../../shared/domain/model';
import { type Principal, requireRole } from '../../shared/domain/principal';
import { applyPublishedCalendar, previewCalendarYear } from '../../shared/use-cases/calendar-service';
import * as z from '../../shared/zod';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parse, parseQuery, type Request } from '../lib/http';
import {
  calendarBody,
  calendarWriteQuery,
  dutyItemBody,
  noQuery,
  notificationSettingsBody,
  slaPolicyBody,
  unitBody,
  yearParam,
} from './schemas';

function upsert<T extends { id: string }>(list: T[], item: T): T[] {
  const i = list.findIndex((x) => x.id === item.id);
  if (i === -1) return [...list, item];
  const out = [...list];
  out[i] = item;
  return out;
}

function sameId(pathId: string, bodyId: string | undefined, field: string) {
  if (bodyId !== undefined && bodyId !== pathId) {
    throw new ValidationError('id mismatch', [{ path: field, message: `must equal the path id ${pathId}` }]);
  }
}

/** Admins only, checked before the body is even read; the query string takes no parameters. */
function admin(req: Request, query: z.core.$ZodType = noQuery): Principal {
  const p = req.principal();
  requireRole(p, ['admin'], 'change the configuration');
  parseQuery(req, query);
  return p;
}

async function write(
  deps: Deps,
  p: Principal,
  note: string,
  mutate: Parameters<Deps['configs']['update']>[0],
) {
  return deps.configs.update(mutate, `${p.role}:${p.sub}`, note);
}

export const makeAdminConfig = (deps: Deps) =>
  httpHandler(deps, {
    'PUT /v1/units/{id}': async (req) => {
      const p = admin(req);
      const id = parse(idSchema, req.params.id, 'unit id');
      const body = parse(unitBody, req.json(), 'unit');
      sameId(id, body.id, 'id');
      const unit = { ...body, id };
      const snap = await write(req.deps, p, `unit ${id}`, (c) => ({ ...c, units: upsert(c.units, unit) }));
      return json(200, { ...unit, configVersion: snap.version });
    },
    'PUT /v1/duty-items/{id}': async (req) => {
      const p = admin(req);
      const id = parse(idSchema, req.params.id, 'duty item id');
      const body = parse(dutyItemBody, req.json(), 'duty item');
      sameId(id, body.id, 'id');
      const item = { ...body, id };
      const snap = await write(req.deps, p, `duty item ${id}`, (c) => ({
        ...c,
        dutyItems: upsert(c.dutyItems, item),
      }));
      return json(200, { ...item, configVersion: snap.version });
    },
    'PUT /v1/sla-policies/{slaClass}': async (req) => {
      const p = admin(req);
      const slaClass = parse(z.enum(slaClasses), req.params.slaClass, 'SLA class');
      const body = parse(slaPolicyBody, req.json(), 'SLA policy');
      if (body.slaClass !== undefined && body.slaClass !== slaClass) {
        throw new ValidationError('class mismatch', [
          { path: 'slaClass', message: `must equal ${slaClass}` },
        ]);
      }
      const policy = { ...body, slaClass };
      const snap = await write(req.deps, p, `SLA policy ${slaClass}`, (c) => ({
        ...c,
        slaPolicies: [...c.slaPolicies.filter((p) => p.slaClass !== slaClass), policy],
      }));
      return json(200, { ...policy, configVersion: snap.version });
    },
    'PUT /v1/calendar/{year}': async (req) => {
      const p = admin(req, calendarWriteQuery);
      const { dryRun } = parseQuery(req, calendarWriteQuery);
      const year = parse(yearParam, req.params.year, 'year');
      const body = parse(calendarBody, req.json(), 'calendar year');
      if (body.year !== undefined && body.year !== year) {
        throw new ValidationError('year mismatch', [{ path: 'year', message: `must equal ${year}` }]);
      }
      const calendar = parse(calendarYearSchema, { ...body, year }, 'calendar year');
      const issues = calendarYearIssues(calendar);
      if (issues.length > 0) throw new ValidationError('invalid calendar year', issues);
      const deps = req.deps;
      const view = { ...calendar, mode: calendar.mode ?? 'adjust' };
      if (dryRun === 'true') {
        return json(200, { ...view, dryRun: true, moved: await previewCalendarYear(deps, calendar) });
      }
      const snap = await write(deps, p, `calendar ${year}`, (c) => ({
        ...c,
        calendars: [...c.calendars.filter((y) => y.year !== year), calendar],
      }));
      // The calendar is a fact: open tickets follow it now (their waits re-armed), not at their next step.
      const moved = await applyPublishedCalendar(deps);
      return json(200, { ...view, dryRun: false, configVersion: snap.version, moved });
    },
    'PUT /v1/notification-settings': async (req) => {
      const p = admin(req);
      const settings = parse(notificationSettingsBody, req.json(), 'notification settings');
      const snap = await write(req.deps, p, 'notification settings', (c) => ({
        ...c,
        notifications: settings,
      }));
      return json(200, { settings, configVersion: snap.version });
    },
  });
