/**
 * The keys the store builds (table-keys.ts) against the table's documented design
 * (table-design.ts): every item key lands on exactly the kind it is meant for, and every index key
 * value is one the design names. The design's patterns are written out independently of the
 * builders, so a key that drifts from the document fails here without a table
 * (test/e2e/table-design.test.ts checks the items a ticket's life leaves in a real one).
 */
import { describe, expect, it } from 'vitest';
import { indexKeys, itemKinds } from '../../shared/adapters/table-design';
import * as k from '../../shared/adapters/table-keys';

const TICKET = 't0123456789abcdefghij';
const INSTANT = '2026-09-28T09:00:00+08:00';

const items: [kind: string, pk: string, sk: string][] = [
  ['ticket', k.ticketPk(TICKET), k.TICKET_SK],
  ['street entry', k.ticketPk(TICKET), k.STREET_SK],
  ['co-unit entry', k.ticketPk(TICKET), k.coUnitSk('lailongmen-office')],
  ['attention marker', k.ticketPk(TICKET), k.ATTENTION_SK],
  ['breach', k.ticketPk(TICKET), k.breachSk('resolve', 'lailongmen-office', 2, INSTANT)],
  ['notification', k.ticketPk(TICKET), k.notificationSk('n-lead-1')],
  ['ticket code', k.codePk('WD7K2M9Q'), k.CODE_SK],
  ['board counter', k.CITY_COUNTER_PK, k.COUNTER_SK],
  ['board counter', k.streetCounterPk('nanqiao'), k.COUNTER_SK],
  ['board counter', k.unitCounterPk('lailongmen-office'), k.COUNTER_SK],
  ['daily metrics', k.metricsPk('2026-09-28', 3), k.metricsUnitSk('lailongmen-office')],
  ['daily metrics', k.metricsPk('2026-09-28', 3), k.metricsStreetUnitSk('nanqiao', 'lailongmen-office')],
  ['daily metrics', k.metricsPk('2026-09-28', 3), k.metricsStreetSk('nanqiao')],
  ['layout version', k.LAYOUT_PK, k.LAYOUT_SK],
  ['config version', k.CONFIG_PK, k.configVersionSk(42)],
  ['config pointer', k.CONFIG_PK, k.CONFIG_LATEST_SK],
  ['signed link', k.linkPk('Ab12Cd34'), k.LINK_SK],
  ['evidence photo', k.evidencePk('e-1.png'), k.EVIDENCE_SK],
  ['SMS spend', k.spendPk('2026-09'), k.SPEND_SK],
  ['receipt index', k.receiptPk('aliyun', '1234^0'), k.RECEIPT_SK],
  ['receipt index', k.receiptPk('tencent', 'sid-9'), k.RECEIPT_SK],
];

const indexValues: [attr: string, value: string][] = [
  ['gk1', k.TICKET_KIND],
  ['gk1', k.BREACH_KIND],
  ['gk1', k.NOTIFICATION_KIND],
  ['gk1', k.ATTENTION_KIND],
  ['gk2', k.unitKey('lailongmen-office')],
  ['gk2', k.breachUnitKey('lailongmen-office')],
  ['gk2', k.notificationUnitKey('lailongmen-office')],
  ['gk2', k.attentionStreetKey('nanqiao')],
  ['gk3', k.communityKey('nanqiao-1')],
  ['gk3', k.streetKey('nanqiao')],
  ['gk4', k.statusKey('in_progress')],
  ['gk4', k.queueShardKey(3)],
  ['gk1', k.dueShardKey(k.dueShardOf(TICKET))],
];

describe('table keys against the table design', () => {
  it.each(items)('%s: %s / %s', (kind, pk, sk) => {
    const kinds = itemKinds.filter((d) => d.pk.test(pk) && d.sk.test(sk)).map((d) => d.kind);
    expect(kinds).toEqual([kind]);
  });

  it('builds a key for every item kind the design names', () => {
    expect(new Set(items.map(([kind]) => kind))).toEqual(new Set(itemKinds.map((d) => d.kind)));
  });

  it.each(indexValues)('%s = %s', (attr, value) => {
    expect(indexKeys[attr]?.test(value)).toBe(true);
  });

  it('prefixes the readers match on are the builders’ own', () => {
    expect(k.ticketIdOfPk(k.ticketPk(TICKET))).toBe(TICKET);
    expect(k.breachSk('resolve', 'u', 1, INSTANT).startsWith(k.BREACH_SK_PREFIX)).toBe(true);
    expect(k.notificationSk('n').startsWith(k.NOTIFICATION_SK_PREFIX)).toBe(true);
    expect(k.configVersionSk(1).startsWith(k.CONFIG_VERSION_PREFIX)).toBe(true);
    expect(k.streetCounterPk('s').startsWith(k.STREET_COUNTER_PREFIX)).toBe(true);
    expect(k.unitCounterPk('u').startsWith(k.UNIT_COUNTER_PREFIX)).toBe(true);
    // Outside the version prefix: a query over the versions never reads the pointer.
    expect(k.CONFIG_LATEST_SK.startsWith(k.CONFIG_VERSION_PREFIX)).toBe(false);
  });
});
