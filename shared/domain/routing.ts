/**
 * Who owns a ticket: duty item × the ticket's street → one lead unit and its co-handlers.
 *
 * - basic (基本履职): the street office handles it alone.
 * - cooperative (配合履职): the street office leads; departments co-handle (joint dispatch).
 * - retracted (收回事项): the department (by id, or by function resolved in the ticket's street) leads.
 *
 * Units that returned the ticket (退单) are never routed to again. When the designated lead is
 * gone, a co-handler is promoted; when nobody is left, the street office takes it (属地兜底); when
 * even the street office returned it, a supervisor must rule (NoOwnerError).
 *
 * Pure: no I/O.
 */
import type { Community, ConfigSnapshot, DutyItem, Unit } from './model';

export interface Route {
  leadUnitId: string;
  coUnitIds: string[];
  /** True when the street office leads only as the fallback owner (兜底), not per the duty list. */
  fallback: boolean;
}

/** Nobody may take the ticket: the caller holds it as `returned` for a supervisor's ruling. */
export class NoOwnerError extends Error {
  override readonly name = 'NoOwnerError';
}

export class UnknownCommunityError extends Error {
  override readonly name = 'UnknownCommunityError';
}

type RoutingConfig = Pick<ConfigSnapshot, 'communities' | 'units'>;

interface Index {
  communities: Map<string, Community>;
  units: Map<string, Unit>;
  streetOffices: Map<string, string>;
  /** `${function}@${streetId}` → unit id. */
  functions: Map<string, string>;
  /** Sizes when indexed: a cheap guard against an array mutated in place after indexing. */
  sizes: readonly [number, number];
}

// Config snapshots are immutable, so an index per array can be reused across tickets.
const indexCache = new WeakMap<object, Index>();

function indexOf(config: RoutingConfig): Index {
  const cached = indexCache.get(config.units);
  if (
    cached &&
    indexCache.get(config.communities) === cached &&
    cached.sizes[0] === config.units.length &&
    cached.sizes[1] === config.communities.length
  ) {
    return cached;
  }
  const index: Index = {
    sizes: [config.units.length, config.communities.length],
    communities: new Map(config.communities.map((c) => [c.id, c])),
    units: new Map(config.units.map((u) => [u.id, u])),
    streetOffices: new Map(),
    functions: new Map(),
  };
  for (const u of config.units) {
    if (u.streetId === undefined) continue;
    // First one wins, so a duplicate in a bad config cannot silently change the owner.
    if (u.kind === 'street' && !index.streetOffices.has(u.streetId))
      index.streetOffices.set(u.streetId, u.id);
    const key = u.function === undefined ? undefined : `${u.function}@${u.streetId}`;
    if (key !== undefined && !index.functions.has(key)) index.functions.set(key, u.id);
  }
  indexCache.set(config.units, index);
  indexCache.set(config.communities, index);
  return index;
}

export function routeTicket(args: {
  dutyItem: DutyItem;
  communityId: string;
  config: RoutingConfig;
  excludedUnitIds?: readonly string[];
}): Route {
  const { dutyItem, communityId, config } = args;
  const index = indexOf(config);
  const community = index.communities.get(communityId);
  if (!community) throw new UnknownCommunityError(`unknown community ${communityId}`);
  const streetId = community.streetId;
  const excluded = new Set(args.excludedUnitIds ?? []);
  const streetOffice = index.streetOffices.get(streetId);
  const byFunction = (fn: string): string | undefined => index.functions.get(`${fn}@${streetId}`);

  // The designated lead per the duty list, if it exists in this config.
  let designated: string | undefined;
  if (dutyItem.kind === 'retracted') {
    const byId = dutyItem.leadUnitId;
    designated = byId !== undefined && index.units.has(byId) ? byId : undefined;
    if (designated === undefined && dutyItem.leadFunction !== undefined)
      designated = byFunction(dutyItem.leadFunction);
  } else {
    designated = streetOffice;
  }

  // Co-handlers: basic items have none by definition. Unknown ids and functions without a unit in
  // this street are skipped: a dispatch to nobody helps nobody.
  const co: string[] = [];
  if (dutyItem.kind !== 'basic') {
    const candidates = [
      ...dutyItem.coUnitIds.filter((id) => index.units.has(id)),
      ...dutyItem.coFunctions.map(byFunction),
    ];
    for (const id of candidates) {
      if (id !== undefined && !excluded.has(id) && !co.includes(id)) co.push(id);
    }
  }

  const finish = (leadUnitId: string, fallback: boolean): Route => ({
    leadUnitId,
    coUnitIds: co.filter((id) => id !== leadUnitId),
    fallback,
  });
  const availableOffice =
    streetOffice !== undefined && !excluded.has(streetOffice) ? streetOffice : undefined;

  if (designated !== undefined && !excluded.has(designated)) return finish(designated, false);
  if (designated !== undefined) {
    // The designated lead returned the ticket: a named co-handler is the next best owner.
    const promoted = co[0];
    if (promoted !== undefined) return finish(promoted, false);
    if (availableOffice !== undefined) return finish(availableOffice, true);
  } else {
    // The duty list names a lead this config does not have: the street office takes it (兜底).
    if (availableOffice !== undefined) return finish(availableOffice, true);
    const promoted = co[0];
    if (promoted !== undefined) return finish(promoted, false);
  }
  throw new NoOwnerError(`no unit left to own duty item ${dutyItem.id} in street ${streetId}`);
}
