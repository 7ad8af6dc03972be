/**
 * Realistic demo data for the console's screenshots, made through the HTTP API only: weeks of
 * history on a fast simulated clock (units acknowledge, resolve, run late, get urged, residents
 * give verdicts), then a "present" with open tickets at every escalation level.
 */
import type { Runtime } from '../../infra/local/runtime';
import { ApiClient } from '../helpers/api-client';

interface Template {
  item: string;
  title: string;
  description: string;
  address: string;
}

export const templates: Template[] = [
  {
    item: 'di-corridor-clutter',
    title: '楼道堆放杂物堵塞通道',
    description: '3栋2单元楼道堆满旧家具和纸箱，影响通行和消防安全。',
    address: '3栋2单元',
  },
  {
    item: 'di-ebike-corridor-charging',
    title: '电动车在楼道飞线充电',
    description: '5栋一楼楼道有居民拉线给电动车充电，夜间无人看管。',
    address: '5栋1单元一楼',
  },
  {
    item: 'di-streetlight',
    title: '路灯连续多晚不亮',
    description: '建设路往南约200米，三盏路灯连续一周不亮，夜间行人不便。',
    address: '建设路南段',
  },
  {
    item: 'di-manhole-cover',
    title: '人行道窨井盖缺失',
    description: '公园路人行道井盖缺失，已用锥桶临时围挡，存在坠落风险。',
    address: '公园路人行道',
  },
  {
    item: 'di-waterlogging',
    title: '暴雨后下穿通道积水',
    description: '下穿通道积水约40厘米，车辆无法通行，有车辆熄火。',
    address: '瓷城大道下穿通道',
  },
  {
    item: 'di-neighbor-noise',
    title: '楼上夜间噪声扰民',
    description: '12栋501住户反映楼上每晚11点后仍有较大噪声，多次沟通无果。',
    address: '12栋',
  },
  {
    item: 'di-catering-fumes',
    title: '临街餐馆油烟直排',
    description: '小区临街餐馆油烟未经净化直排，住户无法开窗。',
    address: '小区北门临街商铺',
  },
  {
    item: 'di-parking-disorder',
    title: '小区门口车辆乱停',
    description: '早晚高峰小区门口车辆乱停，堵塞消防通道和公交站。',
    address: '小区南门',
  },
  {
    item: 'di-water-outage',
    title: '片区突然停水',
    description: '小区3至8栋自早上8点起停水，未收到停水通知。',
    address: '3至8栋',
  },
  {
    item: 'di-power-outage',
    title: '整栋停电电梯停运',
    description: '9栋整栋停电超过2小时，电梯停运，有行动不便的老人被困家中。',
    address: '9栋',
  },
  {
    item: 'di-gas-leak',
    title: '楼道有明显燃气味',
    description: '2单元三楼楼道有明显燃气味，已疏散同层住户。',
    address: '7栋2单元三楼',
  },
  {
    item: 'di-elderly-alone',
    title: '独居老人多日未出门',
    description: '邻居反映6栋独居老人三天未见出门，电话无人接听。',
    address: '6栋302',
  },
  {
    item: 'di-stray-dogs',
    title: '流浪犬聚集追咬学生',
    description: '菜市场后面有五六条流浪犬，早上追咬上学的学生。',
    address: '菜市场后巷',
  },
  {
    item: 'di-construction-waste',
    title: '空地被倾倒建筑垃圾',
    description: '河堤旁空地夜间被倾倒大量建筑垃圾，堵塞排水沟。',
    address: '渌江河堤旁空地',
  },
  {
    item: 'di-traffic-signal',
    title: '学校门口信号灯故障',
    description: '学校门口路口信号灯一直黄闪，上下学时段秩序混乱。',
    address: '学校门口路口',
  },
  {
    item: 'di-property-service-dispute',
    title: '电梯维修费用纠纷',
    description: '业主与物业就电梯大修费用分摊发生争议，双方情绪激动。',
    address: '小区物业服务中心',
  },
  {
    item: 'di-fire-lane-blocked',
    title: '消防通道被长期占用',
    description: '小区消防通道被私家车和杂物长期占用，消防车无法进入。',
    address: '小区东侧消防通道',
  },
  {
    item: 'di-food-complaint',
    title: '早餐店后厨卫生差',
    description: '居民反映某早餐店后厨卫生条件差，有老鼠出没。',
    address: '建设路早餐店',
  },
  {
    item: 'di-group-rental',
    title: '群租房私拉电线',
    description: '一套三居室住了十多人，私拉电线，楼道堆放大量物品。',
    address: '15栋601',
  },
  {
    item: 'di-road-collapse',
    title: '道路局部塌陷',
    description: '新华路中段路面出现直径约1米的塌陷坑，已有车辆爆胎。',
    address: '新华路中段',
  },
  {
    item: 'di-flyposting',
    title: '单元门小广告乱贴',
    description: '小区单元门和电梯内被贴满小广告，清理后又被贴上。',
    address: '全小区',
  },
  {
    item: 'di-neighbor-dispute',
    title: '邻里因漏水发生纠纷',
    description: '楼上卫生间漏水到楼下，两户多次争吵，需要调解。',
    address: '8栋',
  },
  {
    item: 'di-illegal-construction',
    title: '楼顶违法搭建',
    description: '顶楼住户在楼顶加盖彩钢房，其他住户担心安全。',
    address: '11栋楼顶',
  },
  {
    item: 'di-food-stalls',
    title: '流动摊贩占道经营',
    description: '学校周边流动摊贩占道经营，食品无遮盖，学生围购。',
    address: '实验小学门口',
  },
];

const channels = ['grid', 'hotline', 'market_day', 'night_patrol', 'walk_in', 'online'] as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small deterministic generator so two runs make similar data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Ticket {
  id: string;
  status: string;
  slaClass: string;
  assignments: { unitId: string; role: string; status: string }[];
}

export class DemoDriver {
  readonly api: ApiClient;
  private tokens = new Map<string, string>();
  private communities: { id: string; streetId: string }[] = [];
  readonly errors: string[] = [];

  constructor(readonly rt: Runtime) {
    this.api = new ApiClient(rt.url);
  }

  async init(): Promise<void> {
    const admin = await this.token({ role: 'admin', sub: 'city-admin' });
    const res = await this.api.call<{ items: { id: string; streetId: string }[] }>(
      'GET',
      '/v1/communities',
      admin,
    );
    this.communities = res.body.items;
  }

  async token(claims: Record<string, string>): Promise<string> {
    const key = JSON.stringify(claims);
    const cached = this.tokens.get(key);
    if (cached) return cached;
    const t = await this.api.token(claims);
    this.tokens.set(key, t);
    return t;
  }

  unit(unitId: string) {
    return this.token({ role: 'unit', unitId, sub: `duty-${unitId}` });
  }

  reporter(communityId: string) {
    return this.token({ role: 'reporter', communityId, sub: `grid-${communityId}` });
  }

  supervisor() {
    return this.token({ role: 'supervisor', sub: 'street-dagongwei' });
  }

  /** Sleep (real time) until the runtime's simulated clock reaches `simMs`. */
  async until(simMs: number): Promise<void> {
    while (this.rt.clock.now().getTime() < simMs) await new Promise((r) => setTimeout(r, 15));
  }

  after(simMs: number): Promise<void> {
    return this.until(this.rt.clock.now().getTime() + simMs);
  }

  async act(id: string, action: string, token: string, body?: unknown): Promise<Ticket | undefined> {
    const res = await this.api.call<Ticket>('POST', `/v1/tickets/${id}/${action}`, token, body);
    if (res.status >= 300) {
      this.errors.push(`${action} ${id}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      return undefined;
    }
    return res.body;
  }

  async create(
    tpl: Template,
    communityId: string,
    channel: string,
    urgent = false,
  ): Promise<Ticket | undefined> {
    const token = await this.reporter(communityId);
    const res = await this.api.call<Ticket>('POST', '/v1/tickets', token, {
      dutyItemId: tpl.item,
      communityId,
      title: tpl.title,
      description: tpl.description,
      channel,
      ...(urgent ? { priority: 'urgent' } : {}),
      location: { address: tpl.address },
      reporter: { name: '张女士', phone: '13907330000' },
    });
    if (res.status !== 201) {
      this.errors.push(`create ${tpl.item}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      return undefined;
    }
    return res.body;
  }

  /** Waits for the workflow to reach the verdict stage, then gives the resident's verdict. */
  async verdict(t: Ticket, communityId: string, rating: string): Promise<Ticket | undefined> {
    const admin = await this.token({ role: 'admin', sub: 'city-admin' });
    for (let i = 0; i < 100; i += 1) {
      const notes = await this.api.call<{ items: { kind: string }[] }>(
        'GET',
        `/v1/notifications?ticketId=${t.id}`,
        admin,
      );
      if (notes.body.items?.some((n) => n.kind === 'feedback_request')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.act(t.id, 'feedback', await this.reporter(communityId), {
      rating,
      ...(rating === 'unsatisfied' ? { comment: '问题没有解决，仍然存在' } : {}),
    });
  }

  /** One ticket's life, by scenario. Waits are in simulated time. */
  async play(t: Ticket, communityId: string, scenario: string, rand: () => number): Promise<void> {
    const lead = t.assignments.find((a) => a.role === 'lead');
    if (!lead) return;
    const co = t.assignments.filter((a) => a.role === 'co');
    const leadToken = await this.unit(lead.unitId);
    const ackAll = async () => {
      for (const a of [lead, ...co]) await this.act(t.id, 'acknowledge', await this.unit(a.unitId));
      if (t.slaClass === 'urgent') await this.act(t.id, 'arrive', leadToken);
    };
    const resolveWithin = async (ms: number) => {
      await this.after(ms);
      await this.act(t.id, 'progress', leadToken, { note: '已到现场核实，正在组织处置' });
      await this.after(ms / 3);
      return this.act(t.id, 'resolve', leadToken, { summary: '已现场处置完毕，问题已解决，已向反映人反馈' });
    };
    const quick = t.slaClass === 'urgent' || t.slaClass === 'fast';
    switch (scenario) {
      case 'good': {
        await this.after((quick ? 0.1 : 2) * HOUR * rand());
        await ackAll();
        const done = await resolveWithin(quick ? 0.3 * HOUR : (0.5 + rand()) * DAY);
        if (done) await this.verdict(done, communityId, rand() < 0.75 ? 'satisfied' : 'basically_satisfied');
        return;
      }
      case 'late-ack': {
        await this.after((quick ? 3 : 40) * HOUR);
        const sup = await this.supervisor();
        await this.act(t.id, 'urge', sup, { note: '请立即签收并安排人员到场' });
        await this.after(2 * HOUR);
        await ackAll();
        const done = await resolveWithin(quick ? 1 * HOUR : 2 * DAY);
        if (done) await this.verdict(done, communityId, 'basically_satisfied');
        return;
      }
      case 'late-resolve': {
        await this.after(HOUR * rand());
        await ackAll();
        const done = await resolveWithin(quick ? 5 * HOUR : 8 * DAY);
        if (!done) return;
        const reopened = await this.verdict(done, communityId, 'unsatisfied');
        if (!reopened) return;
        const again = await resolveWithin(quick ? 0.5 * HOUR : 1 * DAY);
        if (again) await this.verdict(again, communityId, 'satisfied');
        return;
      }
      case 'extension': {
        await this.after(HOUR);
        await ackAll();
        await this.after(DAY);
        await this.act(t.id, 'extension', leadToken, {
          workingDays: 5,
          reason: '需协调产权单位共同处置，所需时间较长',
        });
        await this.after(3 * HOUR);
        await this.act(t.id, 'extension/decision', await this.supervisor(), { approve: true });
        const done = await resolveWithin(4 * DAY);
        if (done) await this.verdict(done, communityId, 'satisfied');
        return;
      }
      default:
        // 'ignored': nobody acts; the ladder runs to level 3.
        return;
    }
  }

  /** Weeks of history, one ticket every `everyHours` simulated hours; returns when all are done. */
  async history(weeks: number, everyHours: number, seed = 7): Promise<number> {
    const rand = rng(seed);
    const end = this.rt.clock.now().getTime() + weeks * 7 * DAY;
    const lives: Promise<void>[] = [];
    let n = 0;
    while (this.rt.clock.now().getTime() < end - 2 * DAY) {
      const tpl = templates[Math.floor(rand() * templates.length)] as Template;
      const community = this.communities[Math.floor(rand() * this.communities.length)];
      if (!community) break;
      const r = rand();
      const scenario =
        r < 0.68
          ? 'good'
          : r < 0.8
            ? 'late-ack'
            : r < 0.9
              ? 'late-resolve'
              : r < 0.96
                ? 'extension'
                : 'ignored';
      const t = await this.create(tpl, community.id, channels[n % channels.length] as string);
      if (t) {
        n += 1;
        lives.push(
          this.play(t, community.id, scenario, rand).catch((e: Error) => void this.errors.push(e.message)),
        );
      }
      await this.after(everyHours * HOUR * (0.5 + rand()));
    }
    await Promise.all(lives);
    return n;
  }
}
