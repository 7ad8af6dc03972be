/**
 * TicketStore and ConfigStore on DynamoDB: the same code against AWS and against dynalite (only
 * the client's endpoint differs). Every ticket state change is one conditional PutItem guarded by
 * `version`; no transactions (dynalite has none). See table-design.ts for keys and indexes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreBusyError, ValidationError, VersionConflictError } from '../domain/errors';
import type { LinkAction } from '../domain/links';
import { type Breach, type ConfigSnapshot, openStatuses, type Ticket } from '../domain/model';
import type {
  BreachFilter,
  BreachRecord,
  ConfigStore,
  EvidenceObject,
  LinkStore,
  NotificationFilter,
  NotificationRecord,
  Page,
  StoredLink,
  StoredTicket,
  TicketFilter,
  TicketStore,
} from '../ports';
import { notificationQueueKey } from './dynamo-delivery-store';
import { gsiNames } from './table-design';
import { isTransientError } from './transient-errors';

const TICKET_SK = 'T';
const ticketPk = (id: string) => `T#${id}`;
const sortKey = (at: string, id: string) => `${at}#${id}`;

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const entries = Object.entries(parsed);
      if (entries.length > 0 && entries.length <= 6 && entries.every(([, v]) => typeof v === 'string')) {
        return parsed as Record<string, unknown>;
      }
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('invalid cursor', [
    { path: 'cursor', message: 'not a cursor this API returned' },
  ]);
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isTransientError(err)) throw new StoreBusyError(`store unavailable: ${(err as Error).message}`);
    throw err;
  }
}

function ticketRecordOf(item: Record<string, unknown>): StoredTicket {
  return {
    ticket: item.t as Ticket,
    tokens: (item.tokens as StoredTicket['tokens']) ?? {},
    ...(item.requestHash ? { requestHash: item.requestHash as string } : {}),
    ...(item.run ? { run: item.run as StoredTicket['run'] } : {}),
    ...(item.pending ? { pending: item.pending as StoredTicket['pending'] } : {}),
    ...(item.dueBy ? { dueBy: item.dueBy as string } : {}),
  };
}

/**
 * The ticket record in a table stream image (already unmarshalled), or undefined for any other
 * item: the stream consumer that sends pending starts and signals reads records through this.
 */
export function ticketRecordFromImage(item: Record<string, unknown> | undefined): StoredTicket | undefined {
  if (!item || item.sk !== TICKET_SK || typeof item.pk !== 'string' || !item.pk.startsWith('T#') || !item.t)
    return undefined;
  return ticketRecordOf(item);
}

export class DynamoStore implements TicketStore, ConfigStore, LinkStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  // ------------------------------------------------------------------------------------------
  // Tickets
  // ------------------------------------------------------------------------------------------

  private ticketItem(r: StoredTicket): Record<string, unknown> {
    const t = r.ticket;
    const key = sortKey(t.createdAt, t.id);
    const lead = t.assignments.find((a) => a.role === 'lead' && a.status !== 'returned');
    return {
      pk: ticketPk(t.id),
      sk: TICKET_SK,
      version: t.version,
      t,
      tokens: r.tokens,
      ...(r.requestHash ? { requestHash: r.requestHash } : {}),
      ...(r.run ? { run: r.run } : {}),
      ...(r.pending ? { pending: r.pending } : {}),
      ...(r.dueBy ? { dueBy: r.dueBy } : {}),
      gk1: 'TICKET',
      gs1: key,
      ...(lead ? { gk2: `U#${lead.unitId}`, gs2: key } : {}),
      gk3: `C#${t.communityId}`,
      gs3: key,
      gk4: `S#${t.status}`,
      gs4: key,
    };
  }

  private fromItem(item: Record<string, unknown>): StoredTicket {
    return ticketRecordOf(item);
  }

  /** Conditional put of a new item: false when an item with its key exists already. */
  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await guard(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async createTicket(record: StoredTicket): Promise<boolean> {
    if (!(await this.putIfAbsent(this.ticketItem(record)))) return false;
    await Promise.all([this.indexCoUnits(record.ticket, []), this.indexCode(record.ticket)]);
    return true;
  }

  /** `CODE#<code>` names the ticket: the code people read out finds it with one GetItem. */
  private async indexCode(t: Ticket): Promise<void> {
    await guard(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `CODE#${t.code}`, sk: 'C', ticketId: t.id },
        }),
      ),
    );
  }

  async findTicketIdByCode(code: string): Promise<string | undefined> {
    const out = await guard(() =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `CODE#${code}`, sk: 'C' } })),
    );
    return out.Item?.ticketId as string | undefined;
  }

  async getTickets(ids: readonly string[]): Promise<Ticket[]> {
    return this.batchGetTickets([...new Set(ids)]);
  }

  /** Co-handling units find their tickets through small index items (byOwner). */
  private async indexCoUnits(t: Ticket, before: readonly string[]): Promise<void> {
    const co = t.assignments
      .filter((a) => a.role === 'co' && !before.includes(a.unitId))
      .map((a) => a.unitId);
    const key = sortKey(t.createdAt, t.id);
    await Promise.all(
      co.map((unitId) =>
        guard(() =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { pk: ticketPk(t.id), sk: `CO#${unitId}`, ticketId: t.id, gk2: `U#${unitId}`, gs2: key },
            }),
          ),
        ),
      ),
    );
  }

  async getTicket(id: string): Promise<StoredTicket | undefined> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: ticketPk(id), sk: TICKET_SK },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? this.fromItem(out.Item) : undefined;
  }

  async saveTicket(record: StoredTicket, expectedVersion: number): Promise<StoredTicket> {
    const next: StoredTicket = { ...record, ticket: { ...record.ticket, version: expectedVersion + 1 } };
    try {
      await guard(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.ticketItem(next),
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': expectedVersion },
          }),
        ),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new VersionConflictError(`ticket ${record.ticket.id} moved past version ${expectedVersion}`);
      }
      throw err;
    }
    return next;
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>) {
    return guard(() => this.doc.send(new QueryCommand({ TableName: this.tableName, ...input })));
  }

  async listTickets(filter: TicketFilter, limit: number, cursor?: string): Promise<Page<Ticket>> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filters: string[] = [];
    let index: string;
    let pkName: string;
    let skName: string;
    let pkValue: string;
    if (filter.unitId) {
      [index, pkName, skName, pkValue] = [gsiNames.byOwner, 'gk2', 'gs2', `U#${filter.unitId}`];
    } else if (filter.communityId) {
      [index, pkName, skName, pkValue] = [gsiNames.byCommunity, 'gk3', 'gs3', `C#${filter.communityId}`];
    } else if (filter.status) {
      [index, pkName, skName, pkValue] = [gsiNames.byStatus, 'gk4', 'gs4', `S#${filter.status}`];
    } else {
      [index, pkName, skName, pkValue] = [gsiNames.byKind, 'gk1', 'gs1', 'TICKET'];
    }
    let keyCondition = `${pkName} = :pk`;
    values[':pk'] = pkValue;
    if (filter.from && filter.to) {
      keyCondition += ` AND ${skName} BETWEEN :from AND :to`;
      values[':from'] = filter.from;
      values[':to'] = `${filter.to}~`;
    } else if (filter.from) {
      keyCondition += ` AND ${skName} >= :from`;
      values[':from'] = filter.from;
    } else if (filter.to) {
      keyCondition += ` AND ${skName} <= :to`;
      values[':to'] = `${filter.to}~`;
    }
    // Co-unit index items carry no ticket; they are resolved below, filters apply to tickets only.
    const coIndex = Boolean(filter.unitId);
    if (filter.status && index !== gsiNames.byStatus) {
      filters.push(coIndex ? '(#t.#status = :status OR begins_with(sk, :co))' : '#t.#status = :status');
      names['#t'] = 't';
      names['#status'] = 'status';
      values[':status'] = filter.status;
    }
    if (filter.communityId && index !== gsiNames.byCommunity) {
      filters.push(
        coIndex ? '(#t.communityId = :community OR begins_with(sk, :co))' : '#t.communityId = :community',
      );
      names['#t'] = 't';
      values[':community'] = filter.communityId;
    }
    if (filter.streetId) {
      filters.push(coIndex ? '(#t.streetId = :street OR begins_with(sk, :co))' : '#t.streetId = :street');
      names['#t'] = 't';
      values[':street'] = filter.streetId;
    }
    if (filter.breached !== undefined) {
      filters.push(filter.breached ? 'size(#t.breaches) > :zero' : 'size(#t.breaches) = :zero');
      names['#t'] = 't';
      values[':zero'] = 0;
    }
    // The console's filters (issue 22): applied to the ticket inside the item.
    const also: [string, string, unknown][] = [];
    if (filter.slaClass) also.push(['#t.slaClass = :sla', ':sla', filter.slaClass]);
    if (filter.level !== undefined) also.push(['#t.escalationLevel = :lvl', ':lvl', filter.level]);
    if (filter.extensionPending) also.push(['#t.extension.#status = :pending', ':pending', 'pending']);
    if (filter.flag) also.push(['contains(#t.flags, :flag)', ':flag', filter.flag]);
    for (const [expr, name, value] of also) {
      filters.push(coIndex ? `(${expr} OR begins_with(sk, :co))` : expr);
      names['#t'] = 't';
      if (expr.includes('#status')) names['#status'] = 'status';
      values[name] = value;
    }
    if (coIndex && filters.length > 0) values[':co'] = 'CO#';
    const startKey = decodeCursor(cursor);
    const out = await this.query({
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    const items = out.Items ?? [];
    const missing = items.filter((i) => !i.t).map((i) => i.ticketId as string);
    const fetched = new Map<string, Ticket>();
    if (missing.length > 0) for (const t of await this.batchGetTickets(missing)) fetched.set(t.id, t);
    let tickets = items
      .map((i) => (i.t as Ticket | undefined) ?? fetched.get(i.ticketId as string))
      .filter((t): t is Ticket => t !== undefined);
    // Fetched co-unit tickets still need the filters the index could not apply.
    if (missing.length > 0) {
      tickets = tickets.filter(
        (t) =>
          (!filter.status || t.status === filter.status) &&
          (!filter.communityId || t.communityId === filter.communityId) &&
          (!filter.streetId || t.streetId === filter.streetId) &&
          (filter.breached === undefined || t.breaches.length > 0 === filter.breached) &&
          (!filter.slaClass || t.slaClass === filter.slaClass) &&
          (filter.level === undefined || t.escalationLevel === filter.level) &&
          (!filter.extensionPending || t.extension?.status === 'pending') &&
          (!filter.flag || t.flags.includes(filter.flag)),
      );
    }
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return { items: tickets, ...(nextCursor ? { nextCursor } : {}) };
  }

  private async batchGetTickets(ids: string[]): Promise<Ticket[]> {
    const out: Ticket[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] = ids
        .slice(i, i + 100)
        .map((id) => ({ pk: ticketPk(id), sk: TICKET_SK }));
      for (let attempt = 0; keys.length > 0 && attempt < 5; attempt += 1) {
        const res = await guard(() =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } })),
        );
        for (const item of res.Responses?.[this.tableName] ?? []) out.push(item.t as Ticket);
        keys = (res.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return out;
  }

  async *scanPeriod(from: string, to: string): AsyncIterable<Ticket[]> {
    let cursor: string | undefined;
    do {
      const page = await this.listTickets({ from, to }, 500, cursor);
      yield page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async *openTickets(): AsyncIterable<Ticket[]> {
    for (const status of openStatuses) {
      let cursor: string | undefined;
      do {
        const page = await this.listTickets({ status }, 500, cursor);
        if (page.items.length) yield page.items;
        cursor = page.nextCursor;
      } while (cursor);
    }
  }

  /**
   * Interim: walks the open tickets. The sparse due index (issue 16's store work) replaces this
   * with one query per shard, so the reconciler's cost follows the stranded tickets only.
   */
  async listDue(before: string, limit: number, cursor?: string): Promise<Page<string>> {
    const due: { id: string; at: string }[] = [];
    const byStatus = await Promise.all(
      openStatuses.map(async (status) => {
        const out: { id: string; at: string }[] = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.query({
            IndexName: gsiNames.byStatus,
            KeyConditionExpression: 'gk4 = :pk',
            FilterExpression: 'dueBy <= :before',
            ExpressionAttributeValues: { ':pk': `S#${status}`, ':before': before },
            ProjectionExpression: 'pk, dueBy',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          });
          for (const i of page.Items ?? []) out.push({ id: String(i.pk).slice(2), at: String(i.dueBy) });
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return out;
      }),
    );
    for (const list of byStatus) due.push(...list);
    due.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
    const offset = cursor ? Number.parseInt(cursor, 10) || 0 : 0;
    const items = due.slice(offset, offset + limit).map((d) => d.id);
    return {
      items,
      ...(offset + limit < due.length ? { nextCursor: String(offset + limit) } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Breaches
  // ------------------------------------------------------------------------------------------

  async putBreaches(ticket: Ticket, breaches: Breach[]): Promise<void> {
    await Promise.all(
      breaches.map((b) => {
        const record: BreachRecord = {
          ...b,
          ticketId: ticket.id,
          code: ticket.code,
          streetId: ticket.streetId,
        };
        const key = sortKey(b.breachedAt, `${ticket.id}#${b.stage}#${b.level}`);
        return guard(() =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              // Idempotent: a retried timer task rewrites the same item.
              Item: {
                pk: ticketPk(ticket.id),
                sk: `B#${b.stage}#${b.unitId}#${b.level}#${b.dueAt}`,
                b: record,
                gk1: 'BREACH',
                gs1: key,
                gk2: `BU#${b.unitId}`,
                gs2: key,
              },
            }),
          ),
        );
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
    values[':pk'] = byUnit ? `BU#${filter.unitId}` : 'BREACH';
    let keyCondition = `${pkName} = :pk`;
    if (filter.from && filter.to) {
      keyCondition += ` AND ${skName} BETWEEN :from AND :to`;
      values[':from'] = filter.from;
      values[':to'] = `${filter.to}~`;
    } else if (filter.from) {
      keyCondition += ` AND ${skName} >= :from`;
      values[':from'] = filter.from;
    } else if (filter.to) {
      keyCondition += ` AND ${skName} <= :to`;
      values[':to'] = `${filter.to}~`;
    }
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
    const startKey = decodeCursor(cursor);
    const out = await this.query({
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return {
      items: (out.Items ?? []).map((i) => i.b as BreachRecord),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Notifications
  // ------------------------------------------------------------------------------------------

  private notificationItem(record: NotificationRecord, recipient: string) {
    const key = sortKey(record.at, record.id);
    return {
      pk: ticketPk(record.ticketId),
      sk: `N#${record.id}`,
      n: record,
      gk1: 'NOTIF',
      gs1: key,
      gk2: `NU#${recipient}`,
      gs2: key,
      // While it has something to send, the record is on the sender's queue (dynamo-delivery-store.ts).
      ...notificationQueueKey(record),
    };
  }

  async putNotification(record: NotificationRecord, recipient: string): Promise<boolean> {
    return this.putIfAbsent(this.notificationItem(record, recipient));
  }

  async replaceNotification(record: NotificationRecord, recipient: string): Promise<void> {
    await guard(() =>
      this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: this.notificationItem(record, recipient) }),
      ),
    );
  }

  async hasNotification(ticketId: string, id: string): Promise<boolean> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: ticketPk(ticketId), sk: `N#${id}` },
          ProjectionExpression: 'pk',
          ConsistentRead: true,
        }),
      ),
    );
    return Boolean(out.Item);
  }

  async getNotification(ticketId: string, id: string): Promise<NotificationRecord | undefined> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: ticketPk(ticketId), sk: `N#${id}` },
          ProjectionExpression: 'n',
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item?.n as NotificationRecord | undefined;
  }

  async listNotifications(
    filter: NotificationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationRecord>> {
    const startKey = decodeCursor(cursor);
    const input: Omit<QueryCommandInput, 'TableName'> = filter.ticketId
      ? {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
          ExpressionAttributeValues: {
            ':pk': ticketPk(filter.ticketId),
            ':n': 'N#',
            ...(filter.unitId ? { ':unit': filter.unitId } : {}),
          },
          ...(filter.unitId ? { FilterExpression: 'n.unitId = :unit' } : {}),
        }
      : filter.unitId
        ? {
            IndexName: gsiNames.byOwner,
            KeyConditionExpression: 'gk2 = :pk',
            ExpressionAttributeValues: { ':pk': `NU#${filter.unitId}` },
          }
        : {
            IndexName: gsiNames.byKind,
            KeyConditionExpression: 'gk1 = :pk',
            ExpressionAttributeValues: { ':pk': 'NOTIF' },
          };
    const out = await this.query({
      ...input,
      ScanIndexForward: Boolean(filter.ticketId),
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return {
      items: (out.Items ?? []).map((i) => i.n as NotificationRecord),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Config versions: one immutable item per version, the whole snapshot gzipped.
  // ------------------------------------------------------------------------------------------

  /**
   * The latest version, from a small pointer item (CONFIG / LATEST): every warm container asks
   * every few seconds, and a query over the versions would read (and pay for) a whole gzipped
   * snapshot each time. A writer that stopped between its version and the pointer leaves the
   * pointer behind: the next version's existence is probed (a miss costs one small read) and the
   * pointer is moved on.
   */
  async latestVersion(): Promise<number> {
    const pointer = await this.configItem(LATEST_SK, 'version');
    let version = (pointer?.version as number | undefined) ?? (await this.latestVersionByQuery());
    while (await this.configItem(versionKey(version + 1), 'version')) version += 1;
    if (version > 0 && version !== pointer?.version) await this.advanceLatest(version);
    return version;
  }

  /** Before the pointer existed (or on a fresh table): the newest version item. */
  private async latestVersionByQuery(): Promise<number> {
    const out = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': 'CONFIG', ':v': 'V#' },
      ProjectionExpression: 'version',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    return (out.Items?.[0]?.version as number | undefined) ?? 0;
  }

  private async configItem(sk: string, projection: string) {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: 'CONFIG', sk },
          ProjectionExpression: projection,
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item;
  }

  /** Move the pointer forward only: two writers racing leave it at the higher version. */
  private async advanceLatest(version: number): Promise<void> {
    try {
      await guard(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: 'CONFIG', sk: LATEST_SK },
            UpdateExpression: 'SET version = :v',
            ConditionExpression: 'attribute_not_exists(version) OR version < :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async get(version: number): Promise<ConfigSnapshot> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: 'CONFIG', sk: versionKey(version) },
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item) throw new Error(`config version ${version} does not exist`);
    return JSON.parse(gunzipSync(out.Item.doc as Uint8Array).toString('utf8')) as ConfigSnapshot;
  }

  async put(snapshot: ConfigSnapshot): Promise<boolean> {
    const created = await this.putIfAbsent({
      pk: 'CONFIG',
      sk: versionKey(snapshot.version),
      version: snapshot.version,
      createdAt: snapshot.createdAt,
      createdBy: snapshot.createdBy,
      ...(snapshot.note ? { note: snapshot.note } : {}),
      doc: gzipSync(JSON.stringify(snapshot)),
    });
    if (created) await this.advanceLatest(snapshot.version);
    return created;
  }

  async listVersions(limit: number) {
    const out = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': 'CONFIG', ':v': 'V#' },
      ProjectionExpression: 'version, createdAt, createdBy, note',
      ScanIndexForward: false,
      Limit: limit,
    });
    return (out.Items ?? []).map((i) => ({
      version: i.version as number,
      createdAt: i.createdAt as string,
      createdBy: i.createdBy as string,
      ...(i.note ? { note: i.note as string } : {}),
    }));
  }

  // ------------------------------------------------------------------------------------------
  // Signed links (LINK#<code> / L) and evidence photos kept in the store (EV#<name> / E)
  // ------------------------------------------------------------------------------------------

  async putLink(link: StoredLink): Promise<boolean> {
    return this.putIfAbsent({ pk: linkPk(link.grant.code), sk: LINK_SK, ...link });
  }

  async getLink(code: string): Promise<StoredLink | undefined> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: linkPk(code), sk: LINK_SK },
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item) return undefined;
    const { grant, sig, used, evidence } = out.Item;
    return {
      grant: grant as StoredLink['grant'],
      sig: sig as string,
      used: (used as StoredLink['used']) ?? {},
      evidence: (evidence as string[]) ?? [],
    };
  }

  /** Returns false on a failed condition; other errors propagate. */
  private async conditionalUpdate(input: {
    code: string;
    update: string;
    condition: string;
    names: Record<string, string>;
    values?: Record<string, unknown>;
  }): Promise<boolean> {
    try {
      await guard(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: linkPk(input.code), sk: LINK_SK },
            UpdateExpression: input.update,
            ConditionExpression: input.condition,
            ExpressionAttributeNames: input.names,
            ...(input.values ? { ExpressionAttributeValues: input.values } : {}),
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async markLinkUsed(code: string, action: LinkAction, at: string): Promise<boolean> {
    return this.conditionalUpdate({
      code,
      update: 'SET #used.#a = :at',
      condition: 'attribute_exists(pk) AND attribute_not_exists(#used.#a)',
      names: { '#used': 'used', '#a': action },
      values: { ':at': at },
    });
  }

  async unmarkLinkUsed(code: string, action: LinkAction): Promise<void> {
    await this.conditionalUpdate({
      code,
      update: 'REMOVE #used.#a',
      condition: 'attribute_exists(pk)',
      names: { '#used': 'used', '#a': action },
    });
  }

  async addLinkEvidence(code: string, name: string, max: number): Promise<boolean> {
    return this.conditionalUpdate({
      code,
      update: 'SET #ev = list_append(#ev, :one)',
      condition: 'attribute_exists(pk) AND size(#ev) < :max',
      names: { '#ev': 'evidence' },
      values: { ':one': [name], ':max': max },
    });
  }

  async putEvidence(object: EvidenceObject): Promise<void> {
    await guard(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `EV#${object.name}`, sk: 'E', ...object },
        }),
      ),
    );
  }

  async getEvidence(name: string): Promise<EvidenceObject | undefined> {
    const out = await guard(() =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `EV#${name}`, sk: 'E' } })),
    );
    if (!out.Item) return undefined;
    const { ticketId, contentType, bytes, at } = out.Item;
    return {
      name,
      ticketId: ticketId as string,
      contentType: contentType as string,
      bytes: bytes as Uint8Array,
      at: at as string,
    };
  }
}

const LINK_SK = 'L';
const linkPk = (code: string) => `LINK#${code}`;
const versionKey = (v: number) => `V#${String(v).padStart(9, '0')}`;
/** The pointer to the latest configuration version (beside the `V#` items, outside their prefix). */
const LATEST_SK = 'LATEST';
