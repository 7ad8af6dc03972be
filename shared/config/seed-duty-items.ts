/**
 * A sample of the Liling duty list (履职事项清单: 847 items = 372 basic + 373 cooperative + 102
 * retracted), kept in roughly those proportions: basic ≈ cooperative, far fewer retracted. It
 * includes the seed's long-standing problems (电动车楼道充电, 违规经营, 人居环境整治), the utilities'
 * fast class (water, power, gas, heat) and urgent safety whistles.
 */
import type { DutyItem, SlaClass } from '../domain/model';
import { unitFunctions as fn } from './seed-units';

function basic(id: string, name: string, category: string, slaClass: SlaClass): DutyItem {
  return { id, name, category, kind: 'basic', slaClass, coUnitIds: [], coFunctions: [] };
}

/** The street leads; departments (by id) and per-street units (by function) co-handle. */
function cooperative(
  id: string,
  name: string,
  category: string,
  slaClass: SlaClass,
  coUnitIds: string[],
  coFunctions: string[] = [],
): DutyItem {
  return { id, name, category, kind: 'cooperative', slaClass, coUnitIds, coFunctions };
}

/** The department owns it: by unit id, or by function resolved to the ticket's street. */
function retracted(
  id: string,
  name: string,
  category: string,
  slaClass: SlaClass,
  lead: { unitId: string } | { function: string },
  coUnitIds: string[] = [],
): DutyItem {
  const owner = 'unitId' in lead ? { leadUnitId: lead.unitId } : { leadFunction: lead.function };
  return { id, name, category, kind: 'retracted', slaClass, ...owner, coUnitIds, coFunctions: [] };
}

export function seedDutyItems(): DutyItem[] {
  return [
    // --- 基本履职: the street handles these itself ---------------------------------------------
    basic('di-neighbor-dispute', '邻里矛盾纠纷调解', '矛盾纠纷', 'general'),
    basic('di-family-dispute', '家庭婚姻纠纷调解', '矛盾纠纷', 'general'),
    basic('di-dispute-escalating', '矛盾纠纷激化苗头处置', '矛盾纠纷', 'urgent'),
    basic('di-neighbor-noise', '邻里噪声扰民劝导', '矛盾纠纷', 'general'),
    basic('di-elderly-alone', '独居老人关爱探访', '民生服务', 'general'),
    basic('di-elderly-meal', '老年助餐服务需求', '民生服务', 'general'),
    basic('di-childcare', '托老托幼服务需求', '民生服务', 'general'),
    basic('di-subsistence', '最低生活保障申请初审', '社会救助', 'complex'),
    basic('di-temporary-relief', '临时救助申请', '社会救助', 'general'),
    basic('di-disability-subsidy', '残疾人两项补贴申请受理', '社会救助', 'general'),
    basic('di-residence-proof', '居住证明开具', '便民服务', 'general'),
    basic('di-volunteer-match', '志愿服务需求对接', '便民服务', 'general'),
    basic('di-floating-population', '流动人口信息登记', '基层治理', 'general'),
    basic('di-rental-register', '出租房屋登记', '基层治理', 'general'),
    basic('di-corridor-clutter', '楼道杂物堆放清理', '人居环境', 'general'),
    basic('di-compound-sanitation', '小区环境卫生脏乱差', '人居环境', 'general'),
    basic('di-garbage-sorting', '垃圾分类督导', '人居环境', 'general'),
    basic('di-back-alley', '背街小巷环境整治', '人居环境', 'complex'),
    basic('di-flyposting', '小广告乱张贴乱涂画', '市容', 'general'),
    basic('di-owners-committee', '业主委员会组建指导', '物业管理', 'complex'),
    basic('di-property-service-dispute', '物业服务纠纷调处', '物业管理', 'general'),
    basic('di-uncivil-dogs', '不文明养犬劝导', '文明创建', 'general'),
    basic('di-veterans-visit', '退役军人走访慰问', '优抚', 'general'),
    basic('di-patriotic-health', '爱国卫生运动组织', '卫生健康', 'general'),
    basic('di-anti-fraud', '防范电信网络诈骗宣传', '平安建设', 'general'),
    basic('di-flood-watch', '汛期巡查值守', '防汛', 'general'),
    basic('di-hazard-screening', '安全隐患排查登记', '安全生产', 'general'),
    basic('di-market-day-reception', '赶集日集中接访事项', '信访', 'general'),
    basic('di-first-petition', '群众诉求首次办理', '信访', 'general'),

    // --- 配合履职: the street leads, departments report for duty --------------------------------
    cooperative(
      'di-ebike-corridor-charging',
      '电动车楼道违规充电',
      '消防安全',
      'general',
      ['u-xfjy', 'u-zjj', 'u-wyzx'],
      [fn.policeStation],
    ),
    cooperative('di-ebike-charging-points', '电动车集中充电设施建设', '消防安全', 'complex', [
      'u-zjj',
      'u-power',
      'u-xfjy',
    ]),
    cooperative(
      'di-fire-lane-blocked',
      '消防通道堵塞',
      '消防安全',
      'urgent',
      ['u-xfjy'],
      [fn.policeStation, fn.urbanMgmtSquad],
    ),
    cooperative(
      'di-street-vending',
      '占道经营',
      '违规经营',
      'general',
      [],
      [fn.urbanMgmtSquad, fn.marketSupervisionOffice],
    ),
    cooperative(
      'di-unlicensed-business',
      '无证无照经营',
      '违规经营',
      'general',
      ['u-scjgj'],
      [fn.marketSupervisionOffice],
    ),
    cooperative(
      'di-residential-business',
      '住宅违规改作经营场所',
      '违规经营',
      'complex',
      ['u-zjj', 'u-xzsp'],
      [fn.urbanMgmtSquad],
    ),
    cooperative(
      'di-living-environment',
      '人居环境整治',
      '人居环境',
      'complex',
      ['u-hws', 'u-ylzx', 'u-cgj'],
      [fn.urbanMgmtSquad],
    ),
    cooperative(
      'di-construction-waste',
      '建筑垃圾乱倾乱倒',
      '人居环境',
      'general',
      ['u-hws', 'u-zjj'],
      [fn.urbanMgmtSquad],
    ),
    cooperative(
      'di-illegal-construction',
      '违法建设',
      '违法建设',
      'complex',
      ['u-zrzyj', 'u-zjj'],
      [fn.urbanMgmtSquad],
    ),
    cooperative('di-falling-object-risk', '高空坠物风险', '公共安全', 'urgent', ['u-zjj', 'u-wyzx']),
    cooperative('di-dangerous-house', '危房险情', '房屋安全', 'urgent', ['u-zjj', 'u-yjj', 'u-fczx']),
    cooperative('di-geological-hazard', '山体滑坡等地质灾害险情', '应急处置', 'urgent', ['u-zrzyj', 'u-yjj']),
    cooperative('di-waterlogging', '道路内涝积水', '防汛', 'urgent', ['u-psgl', 'u-slj', 'u-yjj']),
    cooperative('di-old-compound-renewal', '老旧小区改造', '城市更新', 'complex', [
      'u-zjj',
      'u-fgj',
      'u-wyzx',
    ]),
    cooperative(
      'di-abandoned-vehicles',
      '僵尸车清理',
      '交通秩序',
      'general',
      ['u-jjdd'],
      [fn.urbanMgmtSquad],
    ),
    cooperative(
      'di-parking-disorder',
      '小区周边乱停乱放',
      '交通秩序',
      'general',
      ['u-jjdd'],
      [fn.policeStation],
    ),
    cooperative('di-catering-fumes', '餐饮油烟扰民', '环境污染', 'general', ['u-sthj'], [fn.urbanMgmtSquad]),
    cooperative('di-night-construction', '夜间施工噪声扰民', '环境污染', 'general', ['u-sthj', 'u-zjj']),
    cooperative(
      'di-food-stalls',
      '流动食品摊贩安全隐患',
      '食品安全',
      'general',
      ['u-nmsc'],
      [fn.marketSupervisionOffice],
    ),
    cooperative('di-wage-arrears', '拖欠农民工工资', '劳动保障', 'complex', ['u-rsj', 'u-zjj', 'u-sfj']),
    cooperative(
      'di-group-rental',
      '群租房安全隐患',
      '公共安全',
      'general',
      ['u-xfjy', 'u-fczx'],
      [fn.policeStation],
    ),
    cooperative(
      'di-school-surroundings',
      '校园周边环境治理',
      '平安建设',
      'general',
      ['u-jyj'],
      [fn.policeStation, fn.marketSupervisionOffice],
    ),
    cooperative('di-vector-control', '病媒生物防制', '卫生健康', 'general', ['u-cdc', 'u-wjj']),
    cooperative('di-ceramic-workshop', '陶瓷小作坊安全隐患', '安全生产', 'complex', [
      'u-yjj',
      'u-tcfz',
      'u-xfjy',
    ]),
    cooperative(
      'di-mediation-legal',
      '疑难纠纷法律援助与人民调解',
      '矛盾纠纷',
      'general',
      ['u-sfj'],
      [fn.judicialOffice],
    ),
    cooperative(
      'di-illegal-fundraising',
      '非法集资风险排查',
      '打非治违',
      'complex',
      ['u-fgj'],
      [fn.policeStation],
    ),
    cooperative('di-green-encroachment', '毁绿占绿', '市容', 'general', ['u-ylzx'], [fn.urbanMgmtSquad]),
    cooperative(
      'di-stray-dogs',
      '流浪犬伤人隐患',
      '公共安全',
      'general',
      ['u-nyncj', 'u-cdc'],
      [fn.policeStation],
    ),
    cooperative('di-abandoned-property', '物业弃管小区托管', '物业管理', 'complex', [
      'u-wyzx',
      'u-zjj',
      'u-fczx',
    ]),

    // --- 收回事项: the department owns these ---------------------------------------------------
    retracted('di-water-outage', '停水', '供水', 'fast', { unitId: 'u-water' }),
    retracted('di-power-outage', '停电', '供电', 'fast', { unitId: 'u-power' }),
    retracted('di-gas-outage', '停气', '燃气', 'fast', { unitId: 'u-gas' }),
    retracted('di-gas-leak', '燃气泄漏', '燃气', 'urgent', { unitId: 'u-gas' }, ['u-xfjy']),
    retracted('di-heating-failure', '供暖故障', '供热', 'fast', { unitId: 'u-heat' }),
    retracted('di-road-collapse', '道路塌陷', '市政设施', 'urgent', { unitId: 'u-szwh' }, ['u-jjdd']),
    retracted('di-manhole-cover', '窨井盖缺失破损', '市政设施', 'urgent', { unitId: 'u-psgl' }),
    retracted('di-streetlight', '路灯不亮', '市政设施', 'general', { unitId: 'u-szwh' }),
    retracted('di-traffic-signal', '交通信号灯故障', '交通设施', 'general', { unitId: 'u-jjdd' }),
    retracted('di-bus-shelter', '公交站亭损坏', '公共交通', 'general', { unitId: 'u-bus' }),
    retracted('di-industrial-discharge', '工业企业违法排污', '环境污染', 'complex', { unitId: 'u-sthj' }),
    retracted('di-public-order', '治安案件线索', '社会治安', 'general', { function: fn.policeStation }),
    retracted('di-food-complaint', '食品安全投诉举报', '食品安全', 'general', {
      function: fn.marketSupervisionOffice,
    }),
  ];
}
