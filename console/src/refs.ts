/**
 * Reference data every view names things with (units, communities, duty items), loaded once per
 * sign-in so tables show 醴陵市住房和城乡建设局 rather than u-housing.
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import {
  type Community,
  communitiesSchema,
  type DutyItem,
  dutyItemsSchema,
  type Unit,
  unitsSchema,
} from './schemas';

export interface Street {
  id: string;
  name: string;
}

export interface Refs {
  units: Unit[];
  unitById: Map<string, Unit>;
  communities: Community[];
  communityById: Map<string, Community>;
  dutyItems: DutyItem[];
  dutyItemById: Map<string, DutyItem>;
  streets: Street[];
  streetById: Map<string, Street>;
  configVersion?: number;
  unitName(id: string | undefined): string;
}

let cached: Promise<Refs> | undefined;

async function load(): Promise<Refs> {
  const [units, communities, dutyItems] = await Promise.all([
    get(unitsSchema, '/v1/units'),
    get(communitiesSchema, '/v1/communities'),
    get(dutyItemsSchema, '/v1/duty-items'),
  ]);
  // Streets have no endpoint of their own: every street has exactly one street office (街道办事处).
  const streets = units.items
    .filter((u) => u.kind === 'street' && u.streetId)
    .map((u) => ({ id: u.streetId as string, name: u.name.replace(/^醴陵市/, '').replace(/办事处$/, '') }));
  const unitById = new Map(units.items.map((u) => [u.id, u]));
  return {
    units: units.items,
    unitById,
    communities: communities.items,
    communityById: new Map(communities.items.map((c) => [c.id, c])),
    dutyItems: dutyItems.items,
    dutyItemById: new Map(dutyItems.items.map((d) => [d.id, d])),
    streets,
    streetById: new Map(streets.map((s) => [s.id, s])),
    ...(units.configVersion ? { configVersion: units.configVersion } : {}),
    unitName: (id) => (id ? (unitById.get(id)?.name ?? id) : '—'),
  };
}

/**
 * Units the caller may pick in filters and for reassignment: a street's own units and the city
 * departments (never another street's units); everything for the whole city.
 */
export function unitsServing(refs: Refs | undefined, streetId: string | undefined): Unit[] {
  const all = refs?.units ?? [];
  return streetId ? all.filter((u) => !u.streetId || u.streetId === streetId) : all;
}

export function loadRefs(): Promise<Refs> {
  cached ??= load().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

export function resetRefs(): void {
  cached = undefined;
}

export function useRefs(): { refs?: Refs; error?: unknown } {
  const [state, setState] = useState<{ refs?: Refs; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    loadRefs().then(
      (refs) => live && setState({ refs }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}
