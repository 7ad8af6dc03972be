/**
 * Signed links, without I/O: codes carry a tag that refuses forgeries before any store read,
 * grants are signed and scoped to one ticket and party, expire, and fit the SMS segment.
 */
import { describe, expect, it } from 'vitest';
import { S3Evidence } from '../../shared/adapters/evidence';
import { seedConfig } from '../../shared/config/seed';
import { createWorkCalendar } from '../../shared/domain/calendar';
import {
  actionsNow,
  BASE62,
  grantedActions,
  LINK_CODE_LENGTH,
  LINK_MAX_TTL_MS,
  LINK_MIN_TTL_MS,
  LINK_SECRET_LENGTH,
  type LinkGrant,
  linkCodePattern,
  linkExpiry,
  linkIdOf,
  linkPrincipal,
  partyFor,
  unitLinkActions,
} from '../../shared/domain/links';
import type { Ticket } from '../../shared/domain/model';
import { smsSegment } from '../../shared/domain/notification-templates';
import { principalSchema } from '../../shared/domain/principal';
import * as rules from '../../shared/domain/ticket-rules';
import type { EvidenceObject, LinkStore, StoredLink } from '../../shared/ports';
import { LinkService, LinkSigner } from '../../shared/use-cases/links';
import { buildNotice, escalationSpecs, type NoticeSpec } from '../../shared/use-cases/notify';
import { LAILONGMEN_OFFICE, NANQIAO, NEIGHBOR_DISPUTE } from '../helpers/fixtures';

const now = new Date('2026-05-06T09:00:00+08:00');
const config = seedConfig('2026-05-06T08:00:00+08:00');
const cal = createWorkCalendar([]);
const ctx = { now, config, cal };
const reporter = principalSchema.parse({ sub: 'grid-1', role: 'reporter', communityId: NANQIAO });
const SECRET = 'a-link-secret-for-tests-only-32b!';

function ticket(dutyItemId = NEIGHBOR_DISPUTE, priority: 'urgent' | 'normal' = 'normal'): Ticket {
  return rules.createTicket(
    {
      dutyItemId,
      communityId: NANQIAO,
      title: '楼道堆放杂物',
      description: '3栋2单元楼道堆满杂物',
      channel: 'grid',
      priority,
    },
    { id: 'tabcdefghijklmnopqrst', code: 'WD7K3P9Q2M' },
    reporter,
    ctx,
  );
}
const LEAD = LAILONGMEN_OFFICE;

/** The store in memory, counting reads: a forged code must not cause one. */
class MemoryLinks implements LinkStore {
  readonly links = new Map<string, StoredLink>();
  reads = 0;
  async putLink(link: StoredLink) {
    if (this.links.has(link.grant.code)) return false;
    this.links.set(link.grant.code, structuredClone(link));
    return true;
  }
  async getLink(code: string) {
    this.reads += 1;
    const l = this.links.get(code);
    return l ? structuredClone(l) : undefined;
  }
  async markLinkUsed(code: string, action: keyof StoredLink['used'], at: string) {
    const l = this.links.get(code);
    if (!l || l.used[action]) return false;
    l.used[action] = at;
    return true;
  }
  async unmarkLinkUsed(code: string, action: keyof StoredLink['used']) {
    delete this.links.get(code)?.used[action];
  }
  async addLinkEvidence(code: string, name: string, max: number) {
    const l = this.links.get(code);
    if (!l || l.evidence.length >= max) return false;
    l.evidence.push(name);
    return true;
  }
  async putEvidence(_o: EvidenceObject) {}
  async getEvidence() {
    return undefined;
  }
}

describe('codes', () => {
  const signer = new LinkSigner(SECRET);

  it('are thirteen base62 characters from a CSPRNG, each one different', () => {
    const codes = Array.from({ length: 2000 }, () => signer.newCode());
    for (const c of codes) {
      expect(c).toMatch(linkCodePattern);
      expect(signer.checkCode(c)).toBe('ok');
    }
    expect(new Set(codes).size).toBe(codes.length);
    // Every character of the alphabet turns up in the random part: no skew towards a few.
    expect(new Set(codes.flatMap((c) => [...c.slice(0, LINK_SECRET_LENGTH)])).size).toBe(BASE62.length);
  });

  it('refuse an altered tag always, an altered secret nearly always, and codes signed with another secret', () => {
    const code = signer.newCode();
    const alter = (i: number) =>
      [...BASE62].filter((ch) => ch !== code[i]).map((ch) => code.slice(0, i) + ch + code.slice(i + 1));
    for (let i = LINK_SECRET_LENGTH; i < code.length; i += 1) {
      for (const c of alter(i)) expect(signer.checkCode(c)).toBe('forged');
    }
    // A changed secret character keeps a valid 2-character tag once in 62² (then it is simply
    // an unknown code in the store): the tag is a cheap filter, the secret is what protects.
    const secretAlterations = Array.from({ length: LINK_SECRET_LENGTH }, (_, i) => alter(i)).flat();
    const passed = secretAlterations.filter((c) => signer.checkCode(c) !== 'forged').length;
    expect(secretAlterations).toHaveLength(LINK_SECRET_LENGTH * 61);
    expect(passed).toBeLessThanOrEqual(5);
    const other = new LinkSigner('another-secret-of-another-deploy');
    expect(other.checkCode(code)).toBe('forged');
  });

  it('call anything else malformed: wrong length, other characters, the ticket code', () => {
    for (const bad of [
      '',
      'abc',
      'abcdefghijk',
      'abcdefghijkl-',
      'abcdefghijkl/',
      '../../etc/abc',
      '链接链接链接链接链接链接链',
      // A link of the ten-character format that came before: refused, never looked up.
      'WD7K3P9Q2M',
    ]) {
      expect(signer.checkCode(bad)).toBe('malformed');
    }
  });

  it('refuse secrets shorter than 16 bytes', () => {
    expect(() => new LinkSigner('short')).toThrow(/16 bytes/);
  });
});

describe('grants', () => {
  const signer = new LinkSigner(SECRET);
  const t = ticket();
  const grant: LinkGrant = {
    code: signer.newCode(),
    ticketId: t.id,
    party: { kind: 'unit', unitId: LEAD },
    actions: [...unitLinkActions],
    notice: 'dispatch',
    issuedAt: '2026-05-06T09:00:00+08:00',
    expiresAt: '2026-05-13T09:00:00+08:00',
  };

  it('are signed over every field: changing any of them breaks the signature', () => {
    const sig = signer.sign(grant);
    expect(signer.verify(grant, sig)).toBe(true);
    const variants: LinkGrant[] = [
      { ...grant, ticketId: 'tzzzzzzzzzzzzzzzzzzzz' },
      { ...grant, party: { kind: 'unit', unitId: 'u-xfjy' } },
      { ...grant, party: { kind: 'community', communityId: NANQIAO } },
      { ...grant, actions: [...unitLinkActions, 'feedback'] },
      { ...grant, actions: ['acknowledge'] },
      { ...grant, notice: 'warning' },
      { ...grant, issuedAt: '2026-05-06T09:00:01+08:00' },
      { ...grant, expiresAt: '2027-05-13T09:00:00+08:00' },
      { ...grant, code: signer.newCode() },
    ];
    for (const v of variants) expect(signer.verify(v, sig), JSON.stringify(v)).toBe(false);
    expect(new LinkSigner('another-secret-of-another-deploy').verify(grant, sig)).toBe(false);
  });

  it('give an assigned unit the unit actions, a unit that is only told nothing, the community the verdict', () => {
    expect(grantedActions(t, partyFor(t, LEAD))).toEqual([...unitLinkActions]);
    const [level3] = escalationSpecs(
      t,
      {
        stage: 'acknowledge',
        unitId: LEAD,
        dueAt: t.clocks[0]!.dueAt,
        breachedAt: t.clocks[0]!.dueAt,
        level: 3,
      },
      config,
    );
    expect(grantedActions(t, partyFor(t, level3?.unitId))).toEqual([]);
    expect(partyFor(t, undefined)).toEqual({ kind: 'community', communityId: NANQIAO });
    expect(grantedActions(t, partyFor(t, undefined))).toEqual(['feedback']);
  });

  it('last until the party’s last level-3 instant, at least a week and at most sixty days', () => {
    const urgent = ticket(NEIGHBOR_DISPUTE, 'urgent');
    // Urgent stages end within hours: the week minimum applies.
    expect(linkExpiry(urgent, partyFor(urgent, LEAD), now).getTime()).toBe(now.getTime() + LINK_MIN_TTL_MS);
    const lastLevel3 = Math.max(
      ...t.clocks.filter((c) => c.unitId === LEAD).map((c) => Date.parse(c.level3At)),
    );
    const general = linkExpiry(t, partyFor(t, LEAD), now).getTime();
    expect(general).toBe(Math.max(lastLevel3, now.getTime() + LINK_MIN_TTL_MS));
    const far = {
      ...t,
      clocks: t.clocks.map((c) => ({ ...c, level3At: '2027-12-31T17:30:00+08:00' })),
    };
    expect(linkExpiry(far, partyFor(far, LEAD), now).getTime()).toBe(now.getTime() + LINK_MAX_TTL_MS);
  });

  it('act as the link’s unit or community, named by the link id: a hash, no part of the code', () => {
    const p = linkPrincipal(grant);
    expect(p).toEqual({ sub: `link:${linkIdOf(grant.code)}`, role: 'unit', unitId: LEAD, via: 'link' });
    expect(linkIdOf(grant.code)).toMatch(/^[0-9A-Za-z]{8}$/);
    for (let i = 0; i + 3 <= grant.code.length; i += 1)
      expect(p.sub).not.toContain(grant.code.slice(i, i + 3));
    expect(principalSchema.safeParse(p).success).toBe(true);
    const c = linkPrincipal({ ...grant, party: { kind: 'community', communityId: NANQIAO } });
    expect(c).toMatchObject({ role: 'reporter', communityId: NANQIAO, via: 'link' });
  });
});

describe('what the page offers', () => {
  const t = ticket();
  const g = (over: Partial<LinkGrant> = {}): LinkGrant => ({
    code: 'abcdefghij',
    ticketId: t.id,
    party: { kind: 'unit', unitId: LEAD },
    actions: [...unitLinkActions],
    notice: 'dispatch',
    issuedAt: '2026-05-06T09:00:00+08:00',
    expiresAt: '2026-05-13T09:00:00+08:00',
    ...over,
  });
  const lead = principalSchema.parse({ sub: 'x', role: 'unit', unitId: LEAD });

  it('follows the unit’s part: acknowledge first, then resolve, progress and return', () => {
    expect(actionsNow(t, g(), {})).toEqual(['acknowledge', 'return']);
    // The return window closed (or the class has none): not offered.
    expect(actionsNow(t, g(), {}, false)).toEqual(['acknowledge']);
    const acked = rules.acknowledge(t, lead, ctx);
    expect(actionsNow(acked, g(), {})).toEqual(['resolve', 'progress', 'return']);
    // Used once through this link: not offered again (progress may be repeated).
    expect(actionsNow(acked, g(), { resolve: now.toISOString(), progress: now.toISOString() })).toEqual([
      'progress',
      'return',
    ]);
    const resolved = rules.resolve(acked, lead, { summary: '已清理' }, ctx);
    expect(actionsNow(resolved, g(), {})).toEqual([]);
  });

  it('offers arrival on urgent tickets once acknowledged', () => {
    const urgent = ticket(NEIGHBOR_DISPUTE, 'urgent');
    const acked = rules.acknowledge(urgent, lead, ctx);
    expect(actionsNow(acked, g({ ticketId: urgent.id }), {})).toContain('arrive');
  });

  it('gives the community the verdict only once the ticket is resolved, and never to a view-only link', () => {
    const community = g({ party: { kind: 'community', communityId: NANQIAO }, actions: ['feedback'] });
    expect(actionsNow(t, community, {})).toEqual([]);
    const resolved = rules.resolve(rules.acknowledge(t, lead, ctx), lead, { summary: '已清理' }, ctx);
    expect(actionsNow(resolved, community, {})).toEqual(['feedback']);
    expect(actionsNow(resolved, community, { feedback: now.toISOString() })).toEqual([]);
    expect(actionsNow(t, g({ actions: [] }), {})).toEqual([]);
  });
});

describe('minting and opening', () => {
  const t = ticket();

  it('mints one stored, signed link per notice and puts it whole into a one-segment SMS', async () => {
    const store = new MemoryLinks();
    const links = new LinkService(store, new LinkSigner(SECRET));
    const base = 'http://127.0.0.1:65535';
    const specs: NoticeSpec[] = [
      { kind: 'dispatch', unitId: LEAD, stage: 'acknowledge', dueAt: t.clocks[0]!.dueAt, key: 'a' },
      { kind: 'warning', unitId: LEAD, stage: 'acknowledge', dueAt: t.clocks[0]!.dueAt, key: 'b' },
      { kind: 'feedback_request', stage: 'feedback', key: 'c' },
    ];
    const linkFor = await links.forNotices(t, specs, { now, publicBaseUrl: base });
    expect(store.links.size).toBe(3);
    const urls = specs.map((s) => linkFor(t, s));
    expect(new Set(urls).size).toBe(3);
    for (const [i, spec] of specs.entries()) {
      const url = urls[i]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:65535\/l\/[0-9A-Za-z]{13}$/);
      expect(url.length).toBeLessThanOrEqual(40);
      const stored = store.links.get(url.slice(-LINK_CODE_LENGTH))!;
      expect(stored.grant).toMatchObject({ ticketId: t.id, notice: spec.kind });
      const record = buildNotice(t, spec, { config, publicBaseUrl: base, now, linkFor });
      const sms = record.messages.find((m) => m.channel === 'sms')!;
      expect(sms.text).toContain(url);
      const { units, limit } = smsSegment(sms.text);
      expect(units).toBeLessThanOrEqual(limit);
    }
    expect(store.links.get(urls[2]!.slice(-LINK_CODE_LENGTH))!.grant.party).toEqual({
      kind: 'community',
      communityId: NANQIAO,
    });
    // A notice nobody minted for is a bug, said loudly rather than sent with a dead link.
    expect(() => linkFor(t, { kind: 'urge', unitId: LEAD, key: 'z' })).toThrow(/no link was minted/);
  });

  it('refuses a forged code without reading the store, and an altered item as tampered', async () => {
    const store = new MemoryLinks();
    const links = new LinkService(store, new LinkSigner(SECRET));
    const code = await links.mint(t, partyFor(t, LEAD), 'dispatch', now);
    expect((await links.open(code, now)).ok).toBe(true);
    expect(store.reads).toBe(1);

    const last = code.length - 1;
    const forged = code.slice(0, last) + (code[last] === 'a' ? 'b' : 'a');
    expect(await links.open(forged, now)).toEqual({ ok: false, reason: 'forged' });
    expect(await links.open('WD7K3P9Q2MABC', now)).toEqual({ ok: false, reason: 'forged' });
    expect(await links.open('../../x', now)).toEqual({ ok: false, reason: 'malformed' });
    expect(store.reads).toBe(1);

    // Someone with table access widens the grant: the signature no longer matches.
    store.links.get(code)!.grant.actions = ['feedback'];
    expect(await links.open(code, now)).toEqual({ ok: false, reason: 'tampered' });
    store.links.get(code)!.grant.actions = [...unitLinkActions];
    store.links.get(code)!.grant.ticketId = 'tzzzzzzzzzzzzzzzzzzzz';
    expect(await links.open(code, now)).toEqual({ ok: false, reason: 'tampered' });
  });

  it('opens until the expiry instant, then says expired (with the grant, to tell since when)', async () => {
    const store = new MemoryLinks();
    const links = new LinkService(store, new LinkSigner(SECRET));
    const code = await links.mint(t, partyFor(t, LEAD), 'dispatch', now);
    const expiresAt = Date.parse(store.links.get(code)!.grant.expiresAt);
    expect((await links.open(code, new Date(expiresAt - 1))).ok).toBe(true);
    const late = await links.open(code, new Date(expiresAt));
    expect(late).toMatchObject({ ok: false, reason: 'expired', link: { grant: { code } } });
  });
});

describe('photos on AWS', () => {
  it('presign a write-once PUT bound to the key, type and size, with no checksum of an empty body', async () => {
    const evidence = S3Evidence.forBucket('whistle-dispatch-dev-evidence-111122223333-ap-east-1');
    const { url, headers } = await evidence.presignPut('AAAAAAAAAAAAAAAAAAAAAA.jpg', 'image/jpeg', 123_456);
    const u = new URL(url);
    expect(u.origin).toBe(evidence.origin);
    expect(u.pathname).toBe('/evidence/AAAAAAAAAAAAAAAAAAAAAA.jpg');
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;if-none-match');
    expect(Number(u.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(600);
    // A presigned CRC32 of the empty body would make S3 refuse every real photo.
    expect([...u.searchParams.keys()].filter((k) => k.startsWith('x-amz-checksum'))).toEqual([]);
    expect(headers).toEqual({ 'content-type': 'image/jpeg', 'if-none-match': '*' });
    const read = await evidence.open('AAAAAAAAAAAAAAAAAAAAAA.jpg');
    expect('redirect' in (read ?? {}) && new URL((read as { redirect: string }).redirect).origin).toBe(
      evidence.origin,
    );
  });
});
