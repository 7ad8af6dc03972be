/**
 * A synthetic Beijing-sized configuration for the city-day scenario: Beijing's 16 districts and
 * its 343 streets and townships (街乡镇, the unit the city ranks monthly), 8 communities each, and
 * per street the same five street-level units the Liling seed has (street office, police station,
 * urban-management squad, market-supervision office, judicial office). City departments, duty
 * items and SLA policies are the seed's, so routing and deadlines work exactly as in Liling.
 * Names are placeholders, not an official roster.
 */
import { seedConfig } from '../../shared/config/seed';
import type { Community, ConfigSnapshot, Street, Unit } from '../../shared/domain/model';

/** District → streets and townships (sums to 343, the figure the 接诉即办 rankings cover). */
const districts: ReadonlyArray<readonly [string, string, number]> = [
  ['dc', '东城区', 17],
  ['xc', '西城区', 15],
  ['cy', '朝阳区', 43],
  ['hd', '海淀区', 29],
  ['ft', '丰台区', 26],
  ['sjs', '石景山区', 9],
  ['mtg', '门头沟区', 13],
  ['fs', '房山区', 28],
  ['tz', '通州区', 22],
  ['sy', '顺义区', 25],
  ['cp', '昌平区', 22],
  ['dx', '大兴区', 22],
  ['hr', '怀柔区', 16],
  ['pg', '平谷区', 18],
  ['my', '密云区', 20],
  ['yq', '延庆区', 18],
];

export const BEIJING_STREETS = districts.reduce((n, [, , count]) => n + count, 0);
export const BEIJING_COMMUNITIES_PER_STREET = 8;

const perStreet: ReadonlyArray<readonly [string, string | undefined, string]> = [
  ['street', undefined, '{s}办事处'],
  ['police', 'police-station', '北京市公安局{d}分局{s}派出所'],
  ['cgzd', 'urban-mgmt-squad', '{d}城市管理综合执法局{s}执法队'],
  ['scjgs', 'market-supervision-office', '{d}市场监督管理局{s}市场监管所'],
  ['sfs', 'judicial-office', '{d}司法局{s}司法所'],
];

function phone(seed: number): string {
  const rest = ((seed * 2_654_435_761 + 98_765) % 90_000_000) + 10_000_000;
  return `+8610${rest}`;
}

/** The seed configuration re-cast for Beijing (a fresh object; the caller stores it as a new version). */
export function beijingConfig(createdAt: string): ConfigSnapshot {
  const seed = seedConfig(createdAt);
  const streets: Street[] = [];
  const communities: Community[] = [];
  const units: Unit[] = [];
  let n = 0;
  for (const [code, district, count] of districts) {
    for (let i = 1; i <= count; i += 1) {
      const slug = `bj-${code}-${String(i).padStart(2, '0')}`;
      const streetName = `${district}第${i}街道`;
      streets.push({ id: `st-${slug}`, name: streetName });
      for (let c = 1; c <= BEIJING_COMMUNITIES_PER_STREET; c += 1) {
        communities.push({ id: `cm-${slug}-${c}`, name: `${streetName}第${c}社区`, streetId: `st-${slug}` });
      }
      for (const [kind, fn, template] of perStreet) {
        n += 1;
        const id = kind === 'street' ? `u-street-${slug}` : `u-${kind}-${slug}`;
        units.push({
          id,
          name: template.replace('{s}', streetName).replace('{d}', district),
          kind: kind === 'street' ? 'street' : 'department',
          streetId: `st-${slug}`,
          ...(fn ? { function: fn } : {}),
          contacts: {
            dutyPhone: phone(2 * n),
            email: `duty@${id}.beijing.example.cn`,
            leaderName: '值班领导',
            leaderPhone: phone(2 * n + 1),
          },
        });
      }
    }
  }
  // City departments and utilities keep their seed ids (the duty items name them).
  const cityUnits = seed.units
    .filter((u) => u.streetId === undefined)
    .map((u) => ({ ...u, name: u.name.replace(/醴陵市|株洲市/g, '北京市') }));
  return {
    ...seed,
    note: `Beijing synthetic: ${BEIJING_STREETS} streets, ${communities.length} communities`,
    streets,
    communities,
    grids: [],
    units: [...units, ...cityUnits],
  };
}
