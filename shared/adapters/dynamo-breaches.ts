/**
 * Breaches in the table: one item per missed deadline in the ticket's partition, listed
 * city-wide (byKind) or by the unit that missed it (byOwner), newest first.
 */
import type { Breach, Ticket } from '../domain/model';
import type { BreachFilter, BreachRecord, Page } from '../ports';
import { type DynamoTable, timeRangeCondition } from './dynamo-table';
import { gsiNames } from './table-design';
import { BREACH_KIND, breachSk, breachUnitKey, ticketPk, timeKey } from './table-keys';

export class DynamoBreaches {
  constructor(private readonly table: DynamoTable) {}

  async putBreaches(ticket: Ticket, breaches: Breach[]): Promise<void> {
    await Promise.all(
      breaches.map((b) => {
        const record: BreachRecord = {
          ...b,
          ticketId: ticket.id,
          code: ticket.code,
          streetId: ticket.streetId,
        };
        const key = timeKey(b.breachedAt, `${ticket.id}#${b.stage}#${b.level}`);
        // Idempotent: a retried timer task rewrites the same item.
        return this.table.put({
          pk: ticketPk(ticket.id),
          sk: breachSk(b.stage, b.unitId, b.level, b.dueAt),
          b: record,
          gk1: BREACH_KIND,
          gs1: key,
          gk2: breachUnitKey(b.unitId),
          gs2: key,
        });
      }),
    );
  }

  async listBreaches(filter: BreachFilter, limit: number, cursor?: string): Promise<Page<BreachRecord>> {
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    const filters: string[] = [];
    const byUnit = Boolean(filter.unitId);
    const [index, pkName, skName] = byUnit
      ? [gsiNames.byOwner, 'gk2', 'gs2']
      : [gsiNames.byKind, 'gk1', 'gs1'];
    values[':pk'] = byUnit ? breachUnitKey(filter.unitId as string) : BREACH_KIND;
    const keyCondition = timeRangeCondition(pkName, skName, filter, values);
    if (filter.stage) {
      filters.push('#b.stage = :stage');
      values[':stage'] = filter.stage;
    }
    if (filter.level) {
      filters.push('#b.#level = :level');
      names['#level'] = 'level';
      values[':level'] = filter.level;
    }
    if (filter.streetId) {
      filters.push('#b.streetId = :street');
      values[':street'] = filter.streetId;
    }
    if (filters.length) names['#b'] = 'b';
    const page = await this.table.queryPage(
      {
        IndexName: index,
        KeyConditionExpression: keyCondition,
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: limit,
      },
      cursor,
    );
    return { ...page, items: page.items.map((i) => i.b as BreachRecord) };
  }
}
