import { describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { configSnapshotSchema, slaClasses } from '../../shared/domain/model';
import { NoOwnerError, routeTicket } from '../../shared/domain/routing';
import { defaultSlaPolicies } from '../../shared/domain/sla-defaults';
import { LAILONGMEN, LAILONGMEN_OFFICE } from '../helpers/fixtures';

const createdAt = '2026-01-01T08:00:00+08:00';
const seed = seedConfig(createdAt);
const unitIds = new Set(seed.units.map((u) => u.id));

describe('seedConfig (Liling)', () => {
  it('is a valid version-1 snapshot', () => {
    expect(configSnapshotSchema.parse(seed)).toEqual(seed);
    expect(seed).toMatchObject({
      version: 1,
      createdAt,
      createdBy: 'seed',
      note: 'Liling seed',
      calendars: [],
    });
    expect(seed.slaPolicies).toEqual(defaultSlaPolicies);
  });

  it('returns a fresh copy each call, so callers cannot corrupt each other', () => {
    const a = seedConfig(createdAt);
    a.units.pop();
    a.slaPolicies[0]!.warnAt = 0.5;
    const b = seedConfig(createdAt);
    expect(b).toEqual(seed);
    expect(defaultSlaPolicies[0]!.warnAt).toBe(0.75);
  });

  it('has the 5 real streets, 23 communities and 220 grids of the seed document', () => {
    expect(seed.streets.map((s) => s.name)).toEqual([
      '来龙门街道',
      '西山街道',
      '阳三石街道',
      '仙岳山街道',
      '国瓷街道',
    ]);
    expect(seed.streets.map((s) => s.id)).toContain(LAILONGMEN);
    expect(seed.communities).toHaveLength(23);
    expect(seed.grids).toHaveLength(220);
    const streetIds = new Set(seed.streets.map((s) => s.id));
    for (const c of seed.communities) {
      expect(streetIds.has(c.streetId)).toBe(true);
      expect(c.id).toMatch(/^cm-/);
    }
    for (const s of seed.streets)
      expect(seed.communities.filter((c) => c.streetId === s.id).length).toBeGreaterThan(2);
    const communityIds = new Set(seed.communities.map((c) => c.id));
    for (const g of seed.grids) {
      expect(communityIds.has(g.communityId)).toBe(true);
      expect(g.id).toMatch(/^gr-/);
      expect(g.name).toMatch(/社区第\d+网格$/);
    }
  });

  it('keeps every id unique', () => {
    for (const list of [seed.streets, seed.communities, seed.grids, seed.units, seed.dutyItems]) {
      expect(new Set(list.map((x) => x.id)).size).toBe(list.length);
    }
  });

  it('has about 78 units: a street office, 派出所 and 城管执法中队 per street, and the city departments', () => {
    expect(seed.units.length).toBeGreaterThanOrEqual(70);
    for (const street of seed.streets) {
      const here = seed.units.filter((u) => u.streetId === street.id);
      expect(here.filter((u) => u.kind === 'street')).toHaveLength(1);
      expect(here.filter((u) => u.function === 'police-station')).toHaveLength(1);
      expect(here.filter((u) => u.function === 'urban-mgmt-squad')).toHaveLength(1);
    }
    expect(seed.units.find((u) => u.id === LAILONGMEN_OFFICE)?.name).toBe('醴陵市来龙门街道办事处');
    const names = seed.units.map((u) => u.name).join('|');
    for (const needle of [
      '城市管理',
      '住房和城乡建设局',
      '应急管理局',
      '消防救援大队',
      '自来水',
      '供电',
      '燃气',
      '热力',
    ]) {
      expect(names).toContain(needle);
    }
  });

  it('gives every unit plausible, deterministic contacts', () => {
    for (const u of seed.units) {
      expect(u.contacts.dutyPhone).toMatch(/^\+86(13|15|18)\d{9}$/);
      expect(u.contacts.leaderPhone).toMatch(/^\+86(13|15|18)\d{9}$/);
      expect(u.contacts.email).toBe(`duty@${u.id}.liling.gov.cn`);
      expect(u.contacts.leaderName).toMatch(/^[\u4e00-\u9fa5]{2,4}$/);
    }
    expect(new Set(seed.units.map((u) => u.contacts.dutyPhone)).size).toBe(seed.units.length);
  });

  it('has a duty list in roughly Liling’s proportions (372 basic : 373 cooperative : 102 retracted)', () => {
    expect(seed.dutyItems.length).toBeGreaterThanOrEqual(60);
    const count = (kind: string) => seed.dutyItems.filter((d) => d.kind === kind).length;
    const [basic, cooperative, retracted] = [count('basic'), count('cooperative'), count('retracted')];
    expect(Math.abs(basic - cooperative)).toBeLessThanOrEqual(2);
    expect(retracted).toBeGreaterThanOrEqual(8);
    expect(retracted).toBeLessThan(basic / 2);
    for (const c of slaClasses)
      expect(
        seed.dutyItems.some((d) => d.slaClass === c),
        c,
      ).toBe(true);
  });

  it('includes the seed’s long-standing problems and the utilities’ fast class', () => {
    const byName = (name: string) => seed.dutyItems.find((d) => d.name.includes(name));
    const ebike = byName('电动车楼道');
    expect(ebike).toMatchObject({ kind: 'cooperative', coFunctions: ['police-station'] });
    expect(ebike?.coUnitIds).toContain('u-xfjy');
    expect(byName('人居环境整治')?.kind).toBe('cooperative');
    expect(seed.dutyItems.some((d) => d.category === '违规经营')).toBe(true);
    for (const [name, lead] of [
      ['停水', 'u-water'],
      ['停电', 'u-power'],
      ['停气', 'u-gas'],
      ['供暖', 'u-heat'],
    ] as const) {
      expect(byName(name), name).toMatchObject({ kind: 'retracted', slaClass: 'fast', leadUnitId: lead });
    }
    expect(seed.dutyItems.some((d) => d.kind === 'retracted' && d.leadFunction === 'police-station')).toBe(
      true,
    );
    expect(seed.dutyItems.filter((d) => d.slaClass === 'urgent').length).toBeGreaterThanOrEqual(4);
  });

  it('resolves every reference', () => {
    const functions = new Set(seed.units.flatMap((u) => (u.function ? [u.function] : [])));
    for (const d of seed.dutyItems) {
      expect(d.category.length).toBeLessThanOrEqual(8);
      if (d.leadUnitId) expect(unitIds.has(d.leadUnitId), d.id).toBe(true);
      if (d.leadFunction) expect(functions.has(d.leadFunction), d.id).toBe(true);
      for (const id of d.coUnitIds) expect(unitIds.has(id), `${d.id} → ${id}`).toBe(true);
      for (const f of d.coFunctions) expect(functions.has(f), `${d.id} → ${f}`).toBe(true);
      if (d.kind === 'retracted') expect(Boolean(d.leadUnitId) || Boolean(d.leadFunction), d.id).toBe(true);
      if (d.kind === 'cooperative')
        expect(d.coUnitIds.length + d.coFunctions.length, d.id).toBeGreaterThan(0);
      if (d.kind === 'basic') expect(d.coUnitIds.length + d.coFunctions.length, d.id).toBe(0);
    }
    // Every per-street function exists in every street, so no function item ever falls back.
    for (const f of functions) {
      for (const s of seed.streets) {
        expect(
          seed.units.filter((u) => u.function === f && u.streetId === s.id),
          `${f}@${s.id}`,
        ).toHaveLength(1);
      }
    }
  });

  it('routes every duty item in every community to exactly one existing lead, without fallback', () => {
    for (const dutyItem of seed.dutyItems) {
      for (const community of seed.communities) {
        const route = routeTicket({ dutyItem, communityId: community.id, config: seed });
        expect(unitIds.has(route.leadUnitId)).toBe(true);
        expect(route.fallback).toBe(false);
        expect(route.coUnitIds).not.toContain(route.leadUnitId);
        for (const id of route.coUnitIds) expect(unitIds.has(id)).toBe(true);
        const lead = seed.units.find((u) => u.id === route.leadUnitId);
        if (dutyItem.kind !== 'retracted')
          expect(lead).toMatchObject({ kind: 'street', streetId: community.streetId });
        if (dutyItem.leadFunction) expect(lead?.streetId).toBe(community.streetId);
      }
    }
  });

  it('sends a ticket the street office returned to a co-handler or holds it for a ruling', () => {
    const community = seed.communities[0]!;
    const office = seed.units.find((u) => u.kind === 'street' && u.streetId === community.streetId)!;
    const ebike = seed.dutyItems.find((d) => d.id === 'di-ebike-corridor-charging')!;
    expect(
      routeTicket({ dutyItem: ebike, communityId: community.id, config: seed, excludedUnitIds: [office.id] })
        .leadUnitId,
    ).toBe('u-xfjy');
    const basic = seed.dutyItems.find((d) => d.kind === 'basic')!;
    expect(() =>
      routeTicket({ dutyItem: basic, communityId: community.id, config: seed, excludedUnitIds: [office.id] }),
    ).toThrow(NoOwnerError);
  });
});
