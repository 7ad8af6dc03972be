/**
 * The seed configuration: version 1 of the config, modelled on Liling (醴陵市, Hunan), the city of
 * the seed document. Streets, communities and grids in seed-places.ts, units in seed-units.ts,
 * the duty list in seed-duty-items.ts. No calendar files: the bundled chinese-days data covers the
 * current years; admins load later State Council notices as new config versions.
 */
import { type ConfigSnapshot, configSnapshotSchema } from '../domain/model';
import { defaultSlaPolicies } from '../domain/sla-defaults';
import { seedDutyItems } from './seed-duty-items';
import { seedCommunities, seedGrids, seedStreets } from './seed-places';
import { seedUnits } from './seed-units';

/** A fresh snapshot on every call (callers may mutate theirs); validated so bad seed data fails loudly. */
export function seedConfig(createdAt: string): ConfigSnapshot {
  return configSnapshotSchema.parse({
    version: 1,
    createdAt,
    createdBy: 'seed',
    note: 'Liling seed',
    streets: seedStreets(),
    communities: seedCommunities(),
    grids: seedGrids(),
    units: seedUnits(),
    dutyItems: seedDutyItems(),
    slaPolicies: structuredClone(defaultSlaPolicies),
    calendars: [],
  });
}
