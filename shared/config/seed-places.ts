/**
 * Liling (醴陵市, Hunan) urban geography for the seed config: the 5 real streets (街道) with a
 * 大工委 each, 23 urban communities and 220 grids (seed document figures). Community names are
 * plausible, not an official roster.
 */

import type { Community, Grid, Street } from '../domain/model';
import { phone } from './seed-contacts';

/** [slug, name]; the slug builds ids (`st-<slug>`, `u-street-<slug>`, ...). */
export const streetRows: ReadonlyArray<readonly [string, string]> = [
  ['lailongmen', '来龙门街道'],
  ['xishan', '西山街道'],
  ['yangsanshi', '阳三石街道'],
  ['xianyueshan', '仙岳山街道'],
  ['guoci', '国瓷街道'],
];

/** [slug, name, street slug]: 23 communities, 4–5 per street. */
const communityRows: ReadonlyArray<readonly [string, string, string]> = [
  ['nanqiao', '南桥社区', 'lailongmen'],
  ['jiangwan', '姜湾社区', 'lailongmen'],
  ['huayuan', '花园社区', 'lailongmen'],
  ['chengbei', '城北社区', 'lailongmen'],
  ['jiefanglu', '解放路社区', 'lailongmen'],
  ['xishan', '西山社区', 'xishan'],
  ['xuetangpo', '学堂坡社区', 'xishan'],
  ['yanjiachong', '严家冲社区', 'xishan'],
  ['gongyuan', '公园社区', 'xishan'],
  ['lujiang', '渌江社区', 'xishan'],
  ['yangsanshi', '阳三石社区', 'yangsanshi'],
  ['xiangdong', '湘东社区', 'yangsanshi'],
  ['taipingqiao', '太平桥社区', 'yangsanshi'],
  ['shihu', '石虎社区', 'yangsanshi'],
  ['xianyueshan', '仙岳山社区', 'xianyueshan'],
  ['huangdazui', '黄达嘴社区', 'xianyueshan'],
  ['cicheng', '瓷城社区', 'xianyueshan'],
  ['changqing', '长庆社区', 'xianyueshan'],
  ['lijiaao', '李家坳社区', 'xianyueshan'],
  ['guoci', '国瓷社区', 'guoci'],
  ['taocicheng', '陶瓷城社区', 'guoci'],
  ['junchu', '均楚社区', 'guoci'],
  ['cigu', '瓷谷社区', 'guoci'],
];

export const GRID_TOTAL = 220;

export function seedStreets(): Street[] {
  return streetRows.map(([slug, name]) => ({ id: `st-${slug}`, name }));
}

/**
 * Each community office (社区居委会) has a duty phone and mailbox: it is asked for the resident's
 * verdict. Numbers come from a range apart from the units' so no two parties share one.
 */
export function seedCommunities(): Community[] {
  return communityRows.map(([slug, name, street], i) => ({
    id: `cm-${slug}`,
    name,
    streetId: `st-${street}`,
    contacts: { dutyPhone: phone(10_000 + i), email: `office@cm-${slug}.liling.gov.cn` },
  }));
}

/**
 * 220 grids spread as evenly as possible (9 or 10 per community: each grid is one 居民小组 or
 * compound of 300–500 households).
 */
export function seedGrids(): Grid[] {
  const grids: Grid[] = [];
  const base = Math.floor(GRID_TOTAL / communityRows.length);
  const extra = GRID_TOTAL % communityRows.length;
  communityRows.forEach(([slug, name], i) => {
    const count = base + (i < extra ? 1 : 0);
    for (let n = 1; n <= count; n += 1) {
      grids.push({
        id: `gr-${slug}-${String(n).padStart(2, '0')}`,
        name: `${name}第${n}网格`,
        communityId: `cm-${slug}`,
      });
    }
  });
  return grids;
}
