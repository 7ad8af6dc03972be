/**
 * Reads configuration versions through a cache: versions are immutable, so a version once read is
 * kept for good; the latest version number is re-checked at most every `ttlMs`. Admin writes
 * create the next version with a conditional put (a concurrent writer makes us retry on top).
 */
import { calendarYearIssues, createWorkCalendar, type WorkCalendar } from '../domain/calendar';
import { toShanghaiIso } from '../domain/deadlines';
import { ValidationError } from '../domain/errors';
import { type ConfigSnapshot, configSnapshotSchema } from '../domain/model';
import type { Clock, ConfigStore } from '../ports';

export class ConfigService {
  private readonly versions = new Map<number, ConfigSnapshot>();
  private readonly calendars = new Map<number, WorkCalendar>();
  private latest: { version: number; checkedAt: number } | undefined;

  constructor(
    private readonly store: ConfigStore,
    private readonly clock: Clock,
    private readonly ttlMs = 2_000,
  ) {}

  async version(v: number): Promise<ConfigSnapshot> {
    let snap = this.versions.get(v);
    if (!snap) {
      snap = await this.store.get(v);
      this.versions.set(v, snap);
    }
    return snap;
  }

  async current(): Promise<ConfigSnapshot> {
    const now = Date.now();
    if (!this.latest || now - this.latest.checkedAt > this.ttlMs) {
      const version = await this.store.latestVersion();
      if (version === 0) throw new Error('no configuration loaded: seed the store first');
      this.latest = { version, checkedAt: now };
    }
    return this.version(this.latest.version);
  }

  /** The working-day calendar as the latest configuration knows it. */
  async calendar(): Promise<WorkCalendar> {
    const snap = await this.current();
    let cal = this.calendars.get(snap.version);
    if (!cal) {
      cal = createWorkCalendar(snap.calendars);
      this.calendars.set(snap.version, cal);
    }
    return cal;
  }

  /**
   * Apply an admin change to the latest version and store it as the next one. The mutator may
   * throw ValidationError; the result is validated as a whole (cross references included).
   */
  async update(
    mutate: (c: ConfigSnapshot) => ConfigSnapshot,
    actor: string,
    note: string,
  ): Promise<ConfigSnapshot> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      this.latest = undefined;
      const base = await this.current();
      const draft = mutate(structuredClone(base));
      const next = {
        ...draft,
        version: base.version + 1,
        createdAt: toShanghaiIso(this.clock.now()),
        createdBy: actor,
        note,
      };
      const parsed = configSnapshotSchema.safeParse(next);
      if (!parsed.success) {
        throw new ValidationError(
          'invalid configuration',
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      assertReferences(parsed.data);
      if (await this.store.put(parsed.data)) {
        this.versions.set(parsed.data.version, parsed.data);
        this.latest = { version: parsed.data.version, checkedAt: Date.now() };
        return parsed.data;
      }
    }
    throw new Error('configuration kept changing underneath; try again');
  }
}

/** Cross-reference checks a schema cannot express: every id a record names must exist. */
export function assertReferences(c: ConfigSnapshot): void {
  const units = new Set(c.units.map((u) => u.id));
  const streets = new Set(c.streets.map((s) => s.id));
  const functions = new Set(c.units.map((u) => u.function).filter(Boolean));
  const errors: { path: string; message: string }[] = [];
  c.units.forEach((u, i) => {
    if (u.streetId && !streets.has(u.streetId))
      errors.push({ path: `units.${i}.streetId`, message: `unknown street ${u.streetId}` });
    if (u.kind === 'street' && !u.streetId)
      errors.push({ path: `units.${i}.streetId`, message: 'a street office needs streetId' });
  });
  c.dutyItems.forEach((d, i) => {
    if (d.leadUnitId && !units.has(d.leadUnitId))
      errors.push({ path: `dutyItems.${i}.leadUnitId`, message: `unknown unit ${d.leadUnitId}` });
    if (d.leadFunction && !functions.has(d.leadFunction))
      errors.push({
        path: `dutyItems.${i}.leadFunction`,
        message: `no unit carries function ${d.leadFunction}`,
      });
    d.coUnitIds.forEach((u, j) => {
      if (!units.has(u)) errors.push({ path: `dutyItems.${i}.coUnitIds.${j}`, message: `unknown unit ${u}` });
    });
    if (d.kind === 'retracted' && !d.leadUnitId && !d.leadFunction)
      errors.push({ path: `dutyItems.${i}.leadUnitId`, message: 'a retracted item needs a lead department' });
  });
  c.communities.forEach((m, i) => {
    if (!streets.has(m.streetId))
      errors.push({ path: `communities.${i}.streetId`, message: `unknown street ${m.streetId}` });
  });
  const classes = new Set(c.slaPolicies.map((p) => p.slaClass));
  for (const k of ['urgent', 'fast', 'general', 'complex'] as const) {
    if (!classes.has(k)) errors.push({ path: 'slaPolicies', message: `missing policy for ${k}` });
  }
  // Year files: make-up working days on weekends (or cancelling a bundled holiday), whether
  // they come from an admin write or from a configuration file loaded by an operator.
  c.calendars.forEach((y, i) => {
    for (const issue of calendarYearIssues(y))
      errors.push({ ...issue, path: `calendars.${i}.${issue.path}` });
  });
  if (errors.length)
    throw new ValidationError('the configuration refers to things that do not exist', errors);
}
