/**
 * The 78 units of the Liling seed (seed document: 78 municipal units paired with the urban
 * communities): per street a street office and four per-street field units (派出所, 城管执法中队,
 * 市场监管所, 司法所), plus the city departments, public utilities and mass organisations that a
 * county-level city has. Contacts are fictitious but deterministic, so tests and demos are stable.
 */
import type { Contacts, Unit } from '../domain/model';
import { phone } from './seed-contacts';
import { streetRows } from './seed-places';

/** Function codes of per-street units: duty items name these and routing resolves them per street. */
export const unitFunctions = {
  policeStation: 'police-station',
  urbanMgmtSquad: 'urban-mgmt-squad',
  marketSupervisionOffice: 'market-supervision-office',
  judicialOffice: 'judicial-office',
} as const;

/** [function code, name template]; `{s}` is the street name without 街道. */
const perStreetRows: ReadonlyArray<readonly [string, string, string]> = [
  ['police', unitFunctions.policeStation, '醴陵市公安局{s}派出所'],
  ['cgzd', unitFunctions.urbanMgmtSquad, '醴陵市城市管理综合执法局{s}中队'],
  ['scjgs', unitFunctions.marketSupervisionOffice, '醴陵市市场监督管理局{s}市场监管所'],
  ['sfs', unitFunctions.judicialOffice, '醴陵市司法局{s}司法所'],
];

/** City-level departments and companies: [id, name]. Ids are referenced by the duty items. */
const departmentRows: ReadonlyArray<readonly [string, string]> = [
  ['u-cgj', '醴陵市城市管理和综合执法局'],
  ['u-zjj', '醴陵市住房和城乡建设局'],
  ['u-yjj', '醴陵市应急管理局'],
  ['u-scjgj', '醴陵市市场监督管理局'],
  ['u-sthj', '株洲市生态环境局醴陵分局'],
  ['u-wjj', '醴陵市卫生健康局'],
  ['u-mzj', '醴陵市民政局'],
  ['u-zrzyj', '醴陵市自然资源局'],
  ['u-jtysj', '醴陵市交通运输局'],
  ['u-slj', '醴陵市水利局'],
  ['u-wlgtj', '醴陵市文化旅游广电体育局'],
  ['u-jyj', '醴陵市教育局'],
  ['u-rsj', '醴陵市人力资源和社会保障局'],
  ['u-nyncj', '醴陵市农业农村局'],
  ['u-lyj', '醴陵市林业局'],
  ['u-xfjy', '醴陵市消防救援大队'],
  ['u-gaj', '醴陵市公安局'],
  ['u-jjdd', '醴陵市公安局交通警察大队'],
  ['u-sfj', '醴陵市司法局'],
  ['u-xfj', '醴陵市信访局'],
  ['u-sw', '国家税务总局醴陵市税务局'],
  ['u-ybj', '醴陵市医疗保障局'],
  ['u-fgj', '醴陵市发展和改革局'],
  ['u-gxj', '醴陵市工业和信息化局'],
  ['u-tyjr', '醴陵市退役军人事务局'],
  ['u-xzsp', '醴陵市行政审批服务局'],
  ['u-rfb', '醴陵市人民防空办公室'],
  ['u-fczx', '醴陵市房产事务中心'],
  ['u-wyzx', '醴陵市物业管理服务中心'],
  ['u-ghzx', '醴陵市城乡规划服务中心'],
  ['u-hws', '醴陵市环境卫生管理所'],
  ['u-ylzx', '醴陵市园林绿化服务中心'],
  ['u-szwh', '醴陵市市政设施维护中心'],
  ['u-psgl', '醴陵市城市排水管理中心'],
  ['u-nmsc', '醴陵市农贸市场服务中心'],
  ['u-cdc', '醴陵市疾病预防控制中心'],
  ['u-jjzx', '醴陵市急救中心'],
  ['u-wghzx', '醴陵市网格化服务管理中心'],
  // Receives level-3 escalations (通报): the city party committee's social-work department.
  ['u-city-social-work', '中共醴陵市委社会工作部'],
  ['u-tcfz', '醴陵市陶瓷产业发展中心'],
  ['u-water', '醴陵市自来水有限公司'],
  ['u-power', '国网湖南省电力有限公司醴陵市供电分公司'],
  ['u-gas', '醴陵市燃气有限公司'],
  // Liling has little district heating; the unit exists so the fast class covers heat as well.
  ['u-heat', '醴陵市热力有限公司'],
  ['u-telecom', '中国电信股份有限公司醴陵分公司'],
  ['u-mobile', '中国移动通信集团湖南有限公司醴陵分公司'],
  ['u-unicom', '中国联合网络通信有限公司醴陵市分公司'],
  ['u-bus', '醴陵市公共交通有限责任公司'],
  ['u-wsclc', '醴陵市污水处理有限公司'],
  ['u-cl', '醴陵市残疾人联合会'],
  ['u-fl', '醴陵市妇女联合会'],
  ['u-tsw', '共青团醴陵市委员会'],
  ['u-zgh', '醴陵市总工会'],
  ['u-gsl', '醴陵市工商业联合会'],
];

const surnames = [
  '刘',
  '王',
  '李',
  '张',
  '陈',
  '杨',
  '黄',
  '易',
  '丁',
  '袁',
  '彭',
  '文',
  '罗',
  '周',
  '谭',
  '邓',
  '汤',
];
const givenNames = [
  '建国',
  '志强',
  '海燕',
  '丽华',
  '卫东',
  '春生',
  '晓明',
  '慧敏',
  '国平',
  '红梅',
  '振华',
  '德胜',
  '小芳',
];
function contacts(id: string, i: number): Contacts {
  return {
    dutyPhone: phone(2 * i + 7),
    email: `duty@${id}.liling.gov.cn`,
    leaderName: `${surnames[i % surnames.length] ?? '刘'}${givenNames[(i * 7) % givenNames.length] ?? '建国'}`,
    leaderPhone: phone(2 * i + 8),
  };
}

export const streetOfficeId = (streetSlug: string): string => `u-street-${streetSlug}`;

export function seedUnits(): Unit[] {
  const rows: Array<Omit<Unit, 'contacts'>> = [];
  for (const [slug, streetName] of streetRows) {
    const short = streetName.replace(/街道$/, '');
    rows.push({
      id: streetOfficeId(slug),
      name: `醴陵市${streetName}办事处`,
      kind: 'street',
      streetId: `st-${slug}`,
    });
    for (const [code, fn, template] of perStreetRows) {
      rows.push({
        id: `u-${code}-${slug}`,
        name: template.replace('{s}', short),
        kind: 'department',
        streetId: `st-${slug}`,
        function: fn,
      });
    }
  }
  for (const [id, name] of departmentRows) rows.push({ id, name, kind: 'department' });
  return rows.map((u, i) => ({ ...u, contacts: contacts(u.id, i) }));
}
export const citySocialWorkUnitId = 'u-city-social-work';
