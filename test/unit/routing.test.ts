import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { type Community, type DutyItem, dutyItemSchema, type Unit } from '../../shared/domain/model';
import { NoOwnerError, routeTicket } from '../../shared/domain/routing';

const contacts = {
  dutyPhone: '+8613800000000',
  email: 'duty@example.liling.gov.cn',
  leaderName: '刘建国',
  leaderPhone: '+8613900000000',
};
const unit = (id: string, extra: Partial<Unit> = {}): Unit => ({
  id,
  name: id,
  kind: 'department',
  contacts,
  ...extra,
});
const communities: Community[] = [
  { id: 'cm-a1', name: 'A1社区', streetId: 'st-a' },
  { id: 'cm-b1', name: 'B1社区', streetId: 'st-b' },
  { id: 'cm-c1', name: 'C1社区', streetId: 'st-c' }, // a street whose office is missing from config
];
const units: Unit[] = [
  unit('u-street-a', { kind: 'street', streetId: 'st-a' }),
  unit('u-street-b', { kind: 'street', streetId: 'st-b' }),
  unit('u-police-a', { streetId: 'st-a', function: 'police-station' }),
  unit('u-police-b', { streetId: 'st-b', function: 'police-station' }),
  unit('u-squad-a', { streetId: 'st-a', function: 'urban-mgmt-squad' }),
  unit('u-fire'),
  unit('u-zjj'),
  unit('u-water'),
];
const config = { communities, units };
const item = (fields: Partial<DutyItem> & Pick<DutyItem, 'kind'>): DutyItem =>
  dutyItemSchema.parse({ id: 'di-x', name: 'x', category: 'x', slaClass: 'general', ...fields });

describe('routeTicket by duty kind', () => {
  it('gives a basic item to the street office of the community, alone', () => {
    const dutyItem = item({ kind: 'basic', coUnitIds: ['u-fire'] });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config })).toEqual({
      leadUnitId: 'u-street-a',
      coUnitIds: [],
      fallback: false,
    });
    expect(routeTicket({ dutyItem, communityId: 'cm-b1', config }).leadUnitId).toBe('u-street-b');
  });

  it('lets the street lead a cooperative item with co units by id and by function of that street', () => {
    const dutyItem = item({
      kind: 'cooperative',
      coUnitIds: ['u-fire', 'u-zjj'],
      coFunctions: ['police-station', 'urban-mgmt-squad'],
    });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config })).toEqual({
      leadUnitId: 'u-street-a',
      coUnitIds: ['u-fire', 'u-zjj', 'u-police-a', 'u-squad-a'],
      fallback: false,
    });
    // Street b has a police station but no urban-management squad: that function is skipped.
    expect(routeTicket({ dutyItem, communityId: 'cm-b1', config })).toEqual({
      leadUnitId: 'u-street-b',
      coUnitIds: ['u-fire', 'u-zjj', 'u-police-b'],
      fallback: false,
    });
  });

  it('gives a retracted item to its department, or to the function unit of the ticket’s street', () => {
    expect(
      routeTicket({
        dutyItem: item({ kind: 'retracted', leadUnitId: 'u-water' }),
        communityId: 'cm-a1',
        config,
      }),
    ).toEqual({ leadUnitId: 'u-water', coUnitIds: [], fallback: false });
    const byFunction = item({ kind: 'retracted', leadFunction: 'police-station' });
    expect(routeTicket({ dutyItem: byFunction, communityId: 'cm-a1', config }).leadUnitId).toBe('u-police-a');
    expect(routeTicket({ dutyItem: byFunction, communityId: 'cm-b1', config }).leadUnitId).toBe('u-police-b');
  });

  it('never lists the lead as a co unit nor a co unit twice', () => {
    const dutyItem = item({
      kind: 'retracted',
      leadUnitId: 'u-police-a',
      coUnitIds: ['u-police-a', 'u-fire', 'u-fire'],
      coFunctions: ['police-station'],
    });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config })).toEqual({
      leadUnitId: 'u-police-a',
      coUnitIds: ['u-fire'],
      fallback: false,
    });
  });
});

describe('routeTicket after returns (退单) and fallbacks (兜底)', () => {
  it('promotes the first remaining co unit when the lead returned a retracted ticket', () => {
    const dutyItem = item({ kind: 'retracted', leadUnitId: 'u-water', coUnitIds: ['u-zjj', 'u-fire'] });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config, excludedUnitIds: ['u-water'] })).toEqual({
      leadUnitId: 'u-zjj',
      coUnitIds: ['u-fire'],
      fallback: false,
    });
    expect(
      routeTicket({ dutyItem, communityId: 'cm-a1', config, excludedUnitIds: ['u-water', 'u-zjj'] }),
    ).toEqual({ leadUnitId: 'u-fire', coUnitIds: [], fallback: false });
  });

  it('drops excluded co units and promotes a co unit when the street office returned a cooperative ticket', () => {
    const dutyItem = item({ kind: 'cooperative', coUnitIds: ['u-fire'], coFunctions: ['police-station'] });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config, excludedUnitIds: ['u-fire'] })).toEqual({
      leadUnitId: 'u-street-a',
      coUnitIds: ['u-police-a'],
      fallback: false,
    });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config, excludedUnitIds: ['u-street-a'] })).toEqual({
      leadUnitId: 'u-fire',
      coUnitIds: ['u-police-a'],
      fallback: false,
    });
  });

  it('falls back to the street office when everyone named has returned it', () => {
    const dutyItem = item({ kind: 'retracted', leadUnitId: 'u-water', coUnitIds: ['u-zjj'] });
    expect(
      routeTicket({ dutyItem, communityId: 'cm-b1', config, excludedUnitIds: ['u-water', 'u-zjj'] }),
    ).toEqual({ leadUnitId: 'u-street-b', coUnitIds: [], fallback: true });
  });

  it('falls back to the street office when the lead does not exist in config', () => {
    const missing = item({ kind: 'retracted', leadUnitId: 'u-gone', coUnitIds: ['u-fire', 'u-also-gone'] });
    expect(routeTicket({ dutyItem: missing, communityId: 'cm-a1', config })).toEqual({
      leadUnitId: 'u-street-a',
      coUnitIds: ['u-fire'],
      fallback: true,
    });
    // A function with no unit in the ticket's street is a missing lead too.
    const squad = item({ kind: 'retracted', leadFunction: 'urban-mgmt-squad' });
    expect(routeTicket({ dutyItem: squad, communityId: 'cm-b1', config })).toEqual({
      leadUnitId: 'u-street-b',
      coUnitIds: [],
      fallback: true,
    });
  });

  it('throws NoOwnerError when even the street office returned it', () => {
    const retracted = item({ kind: 'retracted', leadUnitId: 'u-water' });
    const route = () =>
      routeTicket({
        dutyItem: retracted,
        communityId: 'cm-a1',
        config,
        excludedUnitIds: ['u-water', 'u-street-a'],
      });
    expect(route).toThrow(NoOwnerError);
    try {
      route();
    } catch (e) {
      expect((e as Error).name).toBe('NoOwnerError');
      expect(e).toBeInstanceOf(Error);
    }
    expect(() =>
      routeTicket({
        dutyItem: item({ kind: 'basic' }),
        communityId: 'cm-a1',
        config,
        excludedUnitIds: ['u-street-a'],
      }),
    ).toThrow(NoOwnerError);
  });

  it('throws NoOwnerError for a street without an office and nobody else named', () => {
    expect(() => routeTicket({ dutyItem: item({ kind: 'basic' }), communityId: 'cm-c1', config })).toThrow(
      NoOwnerError,
    );
  });

  it('throws UnknownCommunityError for a community not in config', () => {
    expect(() =>
      routeTicket({ dutyItem: item({ kind: 'basic' }), communityId: 'cm-nowhere', config }),
    ).toThrow(expect.objectContaining({ name: 'UnknownCommunityError' }));
  });

  it('sees units added to a fresh config rather than a stale cached index', () => {
    const dutyItem = item({ kind: 'retracted', leadUnitId: 'u-new' });
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config }).fallback).toBe(true);
    const next = { communities, units: [...units, unit('u-new')] };
    expect(routeTicket({ dutyItem, communityId: 'cm-a1', config: next })).toEqual({
      leadUnitId: 'u-new',
      coUnitIds: [],
      fallback: false,
    });
  });
});

describe('routeTicket properties on the Liling seed', () => {
  const seed = seedConfig('2026-01-01T00:00:00+08:00');
  const unitIds = seed.units.map((u) => u.id);
  const functionCodes = [...new Set(seed.units.flatMap((u) => (u.function ? [u.function] : [])))];
  const arbItem: fc.Arbitrary<DutyItem> = fc
    .record({
      kind: fc.constantFrom('basic', 'cooperative', 'retracted'),
      lead: fc.option(fc.oneof(fc.constantFrom(...unitIds, 'u-missing')), { nil: undefined }),
      leadFunction: fc.option(fc.constantFrom(...functionCodes), { nil: undefined }),
      coUnitIds: fc.array(fc.constantFrom(...unitIds, 'u-missing'), { maxLength: 6 }),
      coFunctions: fc.array(fc.constantFrom(...functionCodes), { maxLength: 4 }),
    })
    .map((r) =>
      item({
        kind: r.kind,
        leadUnitId: r.kind === 'retracted' ? r.lead : undefined,
        leadFunction: r.kind === 'retracted' ? r.leadFunction : undefined,
        coUnitIds: r.coUnitIds,
        coFunctions: r.coFunctions,
      }),
    );

  it('always yields exactly one existing, non-excluded lead that is never also a co unit', () => {
    fc.assert(
      fc.property(
        arbItem,
        fc.constantFrom(...seed.communities.map((c) => c.id)),
        fc.uniqueArray(fc.constantFrom(...unitIds), { maxLength: 8 }),
        (dutyItem, communityId, excludedUnitIds) => {
          let route: ReturnType<typeof routeTicket>;
          try {
            route = routeTicket({ dutyItem, communityId, config: seed, excludedUnitIds });
          } catch (e) {
            // Only legitimate when the street office itself returned the ticket.
            expect(e).toBeInstanceOf(NoOwnerError);
            const streetId = seed.communities.find((c) => c.id === communityId)?.streetId;
            const office = seed.units.find((u) => u.kind === 'street' && u.streetId === streetId);
            expect(excludedUnitIds).toContain(office?.id);
            return;
          }
          expect(unitIds).toContain(route.leadUnitId);
          expect(route.coUnitIds).not.toContain(route.leadUnitId);
          expect(new Set(route.coUnitIds).size).toBe(route.coUnitIds.length);
          for (const id of [route.leadUnitId, ...route.coUnitIds]) {
            expect(excludedUnitIds).not.toContain(id);
            expect(unitIds).toContain(id);
          }
          if (dutyItem.kind === 'basic') expect(route.coUnitIds).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
