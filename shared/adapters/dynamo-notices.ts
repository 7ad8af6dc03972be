/**
 * Notices in the table: one item per notice in its ticket's partition (SMS, e-mail, robots
 * together), on the sender's queue while it has something to send (dynamo-delivery-store.ts),
 * listed by ticket from the partition, or city-wide and by unit through the indexes.
 */
import { StoreBusyError } from '../domain/errors';
import type { NotificationFilter, NotificationRecord, Page } from '../ports';
import { notificationQueueKey } from './dynamo-delivery-store';
import type { DynamoTable, QueryInput } from './dynamo-table';
import { gsiNames } from './table-design';
import {
  NOTIFICATION_KIND,
  NOTIFICATION_SK_PREFIX,
  notificationSk,
  notificationUnitKey,
  ticketPk,
  timeKey,
} from './table-keys';

export class DynamoNotices {
  constructor(private readonly table: DynamoTable) {}

  private notificationItem(record: NotificationRecord, recipient: string) {
    const key = timeKey(record.at, record.id);
    return {
      pk: ticketPk(record.ticketId),
      sk: notificationSk(record.id),
      n: record,
      gk1: NOTIFICATION_KIND,
      gs1: key,
      gk2: notificationUnitKey(recipient),
      gs2: key,
      // While it has something to send, the record is on the sender's queue (dynamo-delivery-store.ts).
      ...notificationQueueKey(record),
    };
  }

  async putNotification(record: NotificationRecord, recipient: string): Promise<boolean> {
    return this.table.putIfAbsent(this.notificationItem(record, recipient));
  }

  async replaceNotification(record: NotificationRecord, recipient: string): Promise<void> {
    await this.table.put(this.notificationItem(record, recipient));
  }

  async hasNotification(ticketId: string, id: string): Promise<boolean> {
    const item = await this.table.get(
      { pk: ticketPk(ticketId), sk: notificationSk(id) },
      { projection: 'pk', consistent: true },
    );
    return Boolean(item);
  }

  async getNotification(ticketId: string, id: string): Promise<NotificationRecord | undefined> {
    const item = await this.table.get(
      { pk: ticketPk(ticketId), sk: notificationSk(id) },
      { projection: 'n', consistent: true },
    );
    return item?.n as NotificationRecord | undefined;
  }

  async listNotifications(
    filter: NotificationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationRecord>> {
    const input: QueryInput = filter.ticketId
      ? {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
          ExpressionAttributeValues: {
            ':pk': ticketPk(filter.ticketId),
            ':n': NOTIFICATION_SK_PREFIX,
            ...(filter.unitId ? { ':unit': filter.unitId } : {}),
          },
          ...(filter.unitId ? { FilterExpression: 'n.unitId = :unit' } : {}),
        }
      : filter.unitId
        ? {
            IndexName: gsiNames.byOwner,
            KeyConditionExpression: 'gk2 = :pk',
            ExpressionAttributeValues: { ':pk': notificationUnitKey(filter.unitId) },
          }
        : {
            IndexName: gsiNames.byKind,
            KeyConditionExpression: 'gk1 = :pk',
            ExpressionAttributeValues: { ':pk': NOTIFICATION_KIND },
          };
    const page = await this.table.queryPage(
      {
        ...input,
        ScanIndexForward: Boolean(filter.ticketId),
        Limit: limit,
        // The indexes carry a notice's keys, not its record: every status change of a notice would
        // otherwise rewrite its entry on the city-wide and unit keys. The page's records come from
        // the table in one BatchGet.
        ...(filter.ticketId ? {} : { ProjectionExpression: 'pk, sk' }),
      },
      cursor,
    );
    const items = filter.ticketId
      ? page.items.map((i) => i.n as NotificationRecord)
      : await this.batchGetNotifications(page.items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
    return { ...page, items };
  }

  /** Notification records by their table keys, in the order given (a list page's order). */
  private async batchGetNotifications(keys: { pk: string; sk: string }[]): Promise<NotificationRecord[]> {
    const { items, unprocessed } = await this.table.batchGet(keys, { projection: 'pk, sk, n' });
    if (unprocessed > 0) throw new StoreBusyError('the store kept notification reads unprocessed');
    const found = new Map(items.map((item) => [`${item.pk}\t${item.sk}`, item.n as NotificationRecord]));
    return keys.flatMap((k) => {
      const n = found.get(`${k.pk}\t${k.sk}`);
      return n ? [n] : [];
    });
  }
}
