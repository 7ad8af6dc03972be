/**
 * Who hears about what (pure): every kind of notice goes to the recipients the mechanism names,
 * at the right phone, and every SMS the engine can build from the seed fits one segment.
 */
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import type { Breach, ConfigSnapshot, NotificationKind, Ticket } from '../../shared/domain/model';
import { renderSms, smsSegment } from '../../shared/domain/notification-templates';
import { principalSchema } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import {
  buildNotice,
  CITY_SOCIAL_WORK_UNIT,
  escalationSpecs,
  fitSms,
  flagFailedNotice,
  NOTIFICATION_FAILED_FLAG,
  type NoticeSpec,
  recipientOf,
  SMS_MAX_LINK_CHARS,
  timerNoticeSpecs,
} from '../../shared/use-cases/notify';
import { NANQIAO } from '../helpers/fixtures';

const now = new Date('2026-05-06T09:00:00+08:00');
const config = seedConfig('2026-05-06T08:00:00+08:00');
const cal = createWorkCalendar([]);
const ctx = { config, publicBaseUrl: 'https://wd.liling.gov.cn', now };
const reporter = principalSchema.parse({ sub: 'grid-1', role: 'reporter', communityId: NANQIAO });
const unit = (id: string) => config.units.find((u) => u.id === id)!;

function ticket(dutyItemId: string, communityId = NANQIAO, cfg: ConfigSnapshot = config): Ticket {
  return rules.createTicket(
    {
      dutyItemId,
      communityId,
      title: '路灯不亮',
      description: '建设路12号门口路灯连续三晚不亮',
      channel: 'grid',
      location: { address: '建设路12号' },
    },
    { id: 'tabc', code: 'WD7K3P9Q2M' },
    reporter,
    { now, config: cfg, cal },
  );
}

const streetlight = ticket('di-streetlight'); // retracted: lead u-szwh (a city department)
const lead = streetlight.assignments.find((a) => a.role === 'lead')!.unitId;
const streetOffice = config.units.find((u) => u.kind === 'street' && u.streetId === streetlight.streetId)!;

const breach = (level: 1 | 2 | 3): Breach => ({
  stage: 'acknowledge',
  unitId: lead,
  dueAt: '2026-05-07T17:30:00+08:00',
  breachedAt: '2026-05-07T17:30:00+08:00',
  level,
});

describe('recipients', () => {
  it('dispatches to the unit duty phone and mailbox', () => {
    const r = buildNotice(streetlight, { kind: 'dispatch', unitId: lead, key: 'k' }, ctx);
    expect(lead).toBe('u-szwh');
    expect(r.unitId).toBe(lead);
    expect(r.messages.map((m) => [m.channel, m.to])).toEqual([
      ['sms', unit(lead).contacts.dutyPhone],
      ['email', unit(lead).contacts.email],
    ]);
  });

  it('warns the unit on its duty phone', () => {
    expect(recipientOf(streetlight, { kind: 'warning', unitId: lead, key: 'k' }, config)).toEqual({
      id: lead,
      phone: unit(lead).contacts.dutyPhone,
      email: unit(lead).contacts.email,
    });
  });

  it('climbs the escalation ladder: the unit leader, the street office, the city social-work department', () => {
    const [l1] = escalationSpecs(streetlight, breach(1), config);
    const [l2] = escalationSpecs(streetlight, breach(2), config);
    const [l3] = escalationSpecs(streetlight, breach(3), config);
    expect(recipientOf(streetlight, l1!, config)).toEqual({
      id: lead,
      phone: unit(lead).contacts.leaderPhone,
      email: unit(lead).contacts.email,
    });
    expect(l2).toMatchObject({ unitId: streetOffice.id, aboutUnitId: lead, level: 2 });
    expect(recipientOf(streetlight, l2!, config).phone).toBe(streetOffice.contacts.leaderPhone);
    expect(l3).toMatchObject({ unitId: CITY_SOCIAL_WORK_UNIT, aboutUnitId: lead, level: 3 });
    expect(recipientOf(streetlight, l3!, config).email).toBe(unit(CITY_SOCIAL_WORK_UNIT).contacts.email);
    // The notices above the unit name the late unit, not the recipient.
    const text = buildNotice(streetlight, l3!, ctx).messages.find((m) => m.channel === 'email')!.text;
    expect(text).toContain(unit(lead).name);
  });

  it('urges the lead unit leader', () => {
    const r = buildNotice(streetlight, { kind: 'urge', unitId: lead, note: '请今天处理', key: 'n1' }, ctx);
    expect(r.messages[0]).toMatchObject({ channel: 'sms', to: unit(lead).contacts.leaderPhone });
  });

  it('asks the community for the verdict, through the street office when it has no contacts', () => {
    const bare = structuredClone(config);
    delete bare.communities.find((c) => c.id === NANQIAO)!.contacts;
    const r = buildNotice(
      streetlight,
      { kind: 'feedback_request', stage: 'feedback', key: 'k' },
      { ...ctx, config: bare },
    );
    expect(r.communityId).toBe(NANQIAO);
    expect(r.unitId).toBeUndefined();
    expect(r.messages.map((m) => m.to)).toEqual([
      streetOffice.contacts.dutyPhone,
      streetOffice.contacts.email,
    ]);

    const withContacts = structuredClone(config);
    const community = withContacts.communities.find((c) => c.id === NANQIAO)!;
    community.contacts = { dutyPhone: '+8613900000001', email: 'nanqiao@liling.gov.cn' };
    const own = buildNotice(
      streetlight,
      { kind: 'feedback_request', stage: 'feedback', key: 'k' },
      { ...ctx, config: withContacts },
    );
    expect(own.messages.map((m) => m.to)).toEqual(['+8613900000001', 'nanqiao@liling.gov.cn']);
  });

  it('sends the reopen notice to the lead unit duty phone', () => {
    const r = buildNotice(streetlight, { kind: 'reopen', unitId: lead, stage: 'resolve', key: 'k' }, ctx);
    expect(r.messages[0]).toMatchObject({ channel: 'sms', to: unit(lead).contacts.dutyPhone });
  });

  it('turns timer events into a warning and one escalation per level reached', () => {
    const clock = streetlight.clocks.find((c) => c.unitId === lead && c.stage === 'acknowledge')!;
    const specs = timerNoticeSpecs(
      streetlight,
      [
        { kind: 'warning', clock },
        { kind: 'breach', clock, breach: breach(1) },
        { kind: 'breach', clock, breach: breach(2) },
      ],
      config,
    );
    expect(specs.map((s) => [s.kind, s.unitId, s.level])).toEqual([
      ['warning', lead, undefined],
      ['escalation', lead, 1],
      ['escalation', streetOffice.id, 2],
    ]);
    // The verdict window's warning is a reminder to the community, not a unit warning.
    const feedback = { ...clock, stage: 'feedback' as const, unitId: undefined };
    expect(timerNoticeSpecs(streetlight, [{ kind: 'warning', clock: feedback }], config)[0]).toMatchObject({
      kind: 'feedback_request',
    });
  });

  it('records a notice with nobody to send to as a message that will fail, never as nothing', () => {
    const noCity = structuredClone(config);
    noCity.units = noCity.units.filter((u) => u.id !== CITY_SOCIAL_WORK_UNIT);
    const [l3] = escalationSpecs(streetlight, breach(3), noCity);
    const r = buildNotice(streetlight, l3!, { ...ctx, config: noCity });
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatchObject({ to: '', status: 'queued' });
  });

  it('gives each logical event one deterministic id, and starts every message unsent', () => {
    const spec: NoticeSpec = { kind: 'dispatch', unitId: lead, key: '2026-05-06T09:00:00+08:00' };
    const a = buildNotice(streetlight, spec, ctx);
    const b = buildNotice(streetlight, spec, { ...ctx, now: new Date(now.getTime() + 60_000) });
    expect(a.id).toBe(b.id);
    expect(a.id).toBe(`dispatch.${lead}.2026-05-06T09:00:00+08:00`);
    expect(a.messages.every((m) => m.status === 'queued' && m.attempts === 0)).toBe(true);
  });
});

describe('SMS length', () => {
  const kinds: { kind: NotificationKind; level?: 1 | 2 | 3 }[] = [
    { kind: 'dispatch' },
    { kind: 'warning' },
    { kind: 'escalation', level: 1 },
    { kind: 'escalation', level: 2 },
    { kind: 'escalation', level: 3 },
    { kind: 'urge' },
    { kind: 'feedback_request' },
    { kind: 'reopen' },
  ];
  const stages = ['acknowledge', 'arrive', 'resolve', 'feedback'] as const;

  it('fits one segment for every kind, stage and seed unit, item and community', () => {
    const bases = [
      'https://wd.liling.gov.cn',
      // The default CloudFront address: 50-character links, sent without the scheme.
      'https://d1a2b3c4d5e6f7.cloudfront.net',
    ];
    let checked = 0;
    for (const base of bases) {
      for (const item of config.dutyItems) {
        const community = config.communities[checked % config.communities.length]!;
        const t = { ...ticket('di-streetlight'), dutyItemName: item.name, communityId: community.id };
        for (const { kind, level } of kinds) {
          const stage = stages[checked % stages.length]!;
          const u = config.units[checked % config.units.length]!;
          const spec: NoticeSpec = {
            kind,
            ...(kind === 'feedback_request' ? {} : { unitId: u.id }),
            ...(level ? { level, aboutUnitId: config.units[(checked + 7) % config.units.length]!.id } : {}),
            stage,
            dueAt: '2026-12-31T17:30:00+08:00',
            note: '请尽快到场处理，居民反映强烈，已多次来电',
            key: 'k',
          };
          for (const m of buildNotice(t, spec, { ...ctx, publicBaseUrl: base }).messages) {
            if (m.channel !== 'sms') continue;
            const { units, limit, encoding } = smsSegment(m.text);
            expect(units, m.text).toBeLessThanOrEqual(limit);
            // Still worded in Chinese: never pushed down to the code-date-link last resort.
            expect(encoding, m.text).toBe('ucs2');
            expect(m.text).toContain('WD7K3P9Q2M');
            expect(m.text).toContain('/l/WD7K3P9Q2M');
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(config.dutyItems.length * kinds.length);
  });

  it('keeps https in the link whenever it fits, drops it only when it would not', () => {
    const base = {
      kind: 'dispatch' as const,
      locale: 'zh' as const,
      ticketCode: 'WD7K3P9Q2M',
      itemName: '路灯不亮',
      place: '南桥社区',
      title: 't',
      description: 'd',
      dueAt: '2026-05-07T17:30:00+08:00',
    };
    expect(fitSms({ ...base, link: 'https://wd.liling.gov.cn/l/WD7K3P9Q2M' })).toContain(
      'https://wd.liling.gov.cn/l/WD7K3P9Q2M',
    );
    const long = fitSms({ ...base, link: 'https://d1a2b3c4d5e6f7.cloudfront.net/l/WD7K3P9Q2M' });
    expect(long).toContain(' d1a2b3c4d5e6f7.cloudfront.net/l/WD7K3P9Q2M');
    expect(long).not.toContain('https://');
  });

  it('has SMS_MAX_LINK_CHARS as the longest link every template fits', () => {
    const worst = (linkChars: number) => {
      let max = 0;
      for (const { kind, level } of kinds)
        for (const stage of stages) {
          const text = renderSms({
            kind,
            locale: 'zh',
            ticketCode: 'WD7K3P9Q2M',
            itemName: '电动车楼道充电',
            place: '南桥社区 建设路12号',
            title: 't',
            description: 'd',
            link: `https://${'x'.repeat(linkChars - 8)}`,
            unitName: '醴陵市城市管理和综合执法局',
            stage,
            dueAt: '2026-05-07T17:30:00+08:00',
            ...(level ? { level } : {}),
            note: '请尽快',
          });
          max = Math.max(max, smsSegment(text).units);
        }
      return max;
    };
    expect(worst(SMS_MAX_LINK_CHARS)).toBeLessThanOrEqual(70);
    expect(worst(SMS_MAX_LINK_CHARS + 1)).toBeGreaterThan(70);
  });
});

describe('flagFailedNotice', () => {
  it('flags the ticket once and names the failed notice in the timeline', () => {
    const record = buildNotice(streetlight, { kind: 'dispatch', unitId: lead, key: 'k' }, ctx);
    record.messages[0]!.status = 'failed';
    record.messages[0]!.error = 'InvalidParameterException';
    const once = flagFailedNotice(streetlight, record, now);
    const twice = flagFailedNotice(once, record, now);
    expect(twice.flags.filter((f) => f === NOTIFICATION_FAILED_FLAG)).toHaveLength(1);
    expect(twice.timeline.at(-1)).toMatchObject({
      type: NOTIFICATION_FAILED_FLAG,
      actor: 'system',
      unitId: lead,
      detail: `dispatch to ${lead}: sms InvalidParameterException`,
    });
    // Pure: the input ticket is untouched.
    expect(streetlight.flags).not.toContain(NOTIFICATION_FAILED_FLAG);
  });
});
