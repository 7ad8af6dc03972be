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
  ScanCommand,
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
import {
  ATTENTION_KIND,
  ATTENTION_SK,
  attentionChanged,
  attentionStreetKey,
  type BoardCounts,
  type BoardFacet,
  boardFacet,
  CITY_COUNTER_PK,
  COUNTER_SK,
  type CountChange,
  counterDeltas,
  countFacets,
  countsOfItem,
  emptyCounts,
  sameCounts,
  slotOf,
  streetCounterPk,
  unitCounterPk,
} from './board-counts';
import { notificationQueueKey } from './dynamo-delivery-store';
import { gsiNames } from './table-design';
import { isTransientError } from './transient-errors';

const TICKET_SK = 'T';
/** CLOSED_RETENTION_DAYS when unset: half a year of closed tickets in the hot table. */
export const DEFAULT_CLOSED_RETENTION_DAYS = 180;
/** A ticket's street list entry (T#<id> / ST, on byCommunity): the street's lists by key. */
const STREET_SK = 'ST';
const streetKey = (streetId: string) => `ST#${streetId}`;

/** Every filter of a ticket list, applied to the ticket as the table holds it now. */
function matches(t: Ticket, f: TicketFilter): boolean {
  return (
    (!f.status || t.status === f.status) &&
    (!f.communityId || t.communityId === f.communityId) &&
    (!f.streetId || t.streetId === f.streetId) &&
    (f.breached === undefined || t.breaches.length > 0 === f.breached) &&
    (!f.slaClass || t.slaClass === f.slaClass) &&
    (f.level === undefined || t.escalationLevel === f.level) &&
    (!f.extensionPending || t.extension?.status === 'pending') &&
    (!f.flag || t.flags.includes(f.flag))
  );
}
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
    // The board counters' bookkeeping rides along, so the next conditional write carries it on.
    counts: {
      facet: (item.bf as BoardFacet | null | undefined) ?? null,
      owed: (item.cq as CountChange[] | undefined) ?? [],
      known: 'bf' in item,
    },
  };
}

/** The counters' bookkeeping on a ticket record (opaque to the core: see board-counts.ts). */
interface CountsState {
  facet: BoardFacet | null;
  owed: CountChange[];
  /** False for records written before the counters existed (the recount counts them). */
  known: boolean;
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

  /** Days a closed or cancelled ticket stays in the table before TTL moves it to the archive. */
  private readonly closedRetentionDays: number;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: { closedRetentionDays?: number } = {},
  ) {
    this.closedRetentionDays = options.closedRetentionDays ?? DEFAULT_CLOSED_RETENTION_DAYS;
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  // ------------------------------------------------------------------------------------------
  // Tickets
  // ------------------------------------------------------------------------------------------

  private ticketItem(r: StoredTicket, owed: CountChange[] = []): Record<string, unknown> {
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
      // What the board counters count of this ticket, and the changes they may not have yet.
      bf: boardFacet(t),
      ...(owed.length ? { cq: owed } : {}),
      ...this.expiry(t),
      gk1: 'TICKET',
      gs1: key,
      ...(lead ? { gk2: `U#${lead.unitId}`, gs2: key } : {}),
      gk3: `C#${t.communityId}`,
      gs3: key,
      gk4: `S#${t.status}`,
      gs4: key,
    };
  }

  /**
   * A closed or cancelled ticket's TTL (epoch seconds): DynamoDB deletes it after the retention
   * and the archiver keeps it, timeline and all, in S3. A reopened ticket loses it again.
   */
  private expiry(t: Ticket): { expiresAt?: number } {
    if (t.status !== 'closed' && t.status !== 'cancelled') return {};
    const since = Date.parse(t.closedAt ?? t.updatedAt);
    if (!Number.isFinite(since)) return {};
    return { expiresAt: Math.floor(since / 1000) + this.closedRetentionDays * 86_400 };
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
    const change: CountChange = { v: record.ticket.version, from: null, to: boardFacet(record.ticket) };
    if (!(await this.putIfAbsent(this.ticketItem(record, [change])))) return false;
    await Promise.all([
      this.indexCoUnits(record.ticket, []),
      this.indexCode(record.ticket),
      this.indexStreet(record.ticket),
      this.settleCounts(record.ticket.id, record.ticket.version, [change]),
    ]);
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Board counters (board-counts.ts): per city, street and lead unit, kept with the writes.
  // ------------------------------------------------------------------------------------------

  /**
   * Apply the changes a ticket write owes the counters, then take them off the record (only if
   * nobody wrote the ticket since: a later writer carries them on and applies them itself).
   */
  private async settleCounts(ticketId: string, version: number, owed: CountChange[]): Promise<void> {
    const effective = owed.filter((c) => counterDeltas(c).size > 0 || attentionChanged(c));
    if (effective.length === 0) return;
    for (const change of effective) await this.applyChange(ticketId, change);
    try {
      await guard(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: ticketPk(ticketId), sk: TICKET_SK },
            UpdateExpression: 'REMOVE cq',
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** One change, idempotently: each counter applies a ticket's versions once and in order. */
  private async applyChange(ticketId: string, change: CountChange): Promise<void> {
    const { slot, tag } = slotOf(ticketId);
    const updates = [...counterDeltas(change)].map(([pk, deltas]) => {
      const names: Record<string, string> = { '#slot': slot, '#slotv': `v${slot.slice(1)}` };
      const values: Record<string, unknown> = { ':tag': tag, ':v': change.v };
      const adds = Object.entries(deltas).map(([attr, n], i) => {
        names[`#a${i}`] = attr;
        values[`:d${i}`] = n;
        return `#a${i} :d${i}`;
      });
      return guard(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk: COUNTER_SK },
            UpdateExpression: `SET #slot = :tag, #slotv = :v ADD ${adds.join(', ')}`,
            ConditionExpression: 'attribute_not_exists(#slot) OR #slot <> :tag OR #slotv < :v',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      ).catch((err) => {
        // Applied already (a writer that carried this change on, or a replay).
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
    });
    if (attentionChanged(change)) updates.push(this.putAttention(ticketId, change.v, change.to));
    await Promise.all(updates);
  }

  /**
   * The attention marker (T#<id> / A): indexed by street and city-wide while the ticket needs a
   * supervisor, an unindexed stub otherwise (so an older write arriving late cannot revive it).
   */
  private async putAttention(
    ticketId: string,
    v: number,
    f: BoardFacet | null,
    force = false,
  ): Promise<void> {
    const live = f && f.attention.length > 0 ? f : null;
    const key = live ? sortKey(live.at, ticketId) : '';
    try {
      await guard(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: ticketPk(ticketId),
              sk: ATTENTION_SK,
              v,
              ...(live
                ? {
                    a: { id: ticketId, code: live.code, flags: live.attention },
                    gk1: ATTENTION_KIND,
                    gs1: key,
                    gk2: attentionStreetKey(live.street),
                    gs2: key,
                  }
                : {}),
            },
            ...(force
              ? {}
              : {
                  ConditionExpression: 'attribute_not_exists(pk) OR v < :v',
                  ExpressionAttributeValues: { ':v': v },
                }),
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /**
   * The board without reading tickets: one counter item (the city's, or a street's) and at most
   * `flaggedLimit` attention markers. Costs the same with 100 or 100,000 open tickets.
   */
  async board(
    streetId: string | undefined,
    flaggedLimit: number,
  ): Promise<{ counts: BoardCounts; flagged: { id: string; code: string; flags: string[] }[] }> {
    const pk = streetId ? streetCounterPk(streetId) : CITY_COUNTER_PK;
    const [counter, marks] = await Promise.all([
      guard(() => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk: COUNTER_SK } }))),
      this.query(
        streetId
          ? {
              IndexName: gsiNames.byOwner,
              KeyConditionExpression: 'gk2 = :pk',
              ExpressionAttributeValues: { ':pk': attentionStreetKey(streetId) },
              ScanIndexForward: false,
              Limit: flaggedLimit,
            }
          : {
              IndexName: gsiNames.byKind,
              KeyConditionExpression: 'gk1 = :pk',
              ExpressionAttributeValues: { ':pk': ATTENTION_KIND },
              ScanIndexForward: false,
              Limit: flaggedLimit,
            },
      ),
    ]);
    return {
      counts: countsOfItem(counter.Item),
      flagged: (marks.Items ?? []).map((i) => i.a as { id: string; code: string; flags: string[] }),
    };
  }

  /** The counts of one unit's open tickets where it leads. */
  async unitCounts(unitId: string): Promise<BoardCounts> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: unitCounterPk(unitId), sk: COUNTER_SK } }),
      ),
    );
    return countsOfItem(out.Item);
  }

  /**
   * Recount the board from the open tickets (the repair path: embedded start-up, the audit CLI):
   * applies what records still owe, compares every counter and attention marker with the truth,
   * and with `repair` puts them right. Reads every open ticket: never on a request path.
   */
  async recountBoard(repair: boolean): Promise<{ counters: number; drifted: string[]; markers: number }> {
    const facets: BoardFacet[] = [];
    const facetById = new Map<string, BoardFacet>();
    for await (const items of this.openTicketItems()) {
      for (const item of items) {
        const t = item.t as Ticket;
        const f = boardFacet(t);
        if (f) {
          facets.push(f);
          facetById.set(t.id, f);
        }
        const owed = (item.cq as CountChange[] | undefined) ?? [];
        if (repair && (owed.length > 0 || !('bf' in item))) {
          for (const change of owed) await this.applyChange(t.id, change);
          await guard(() =>
            this.doc.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: { pk: ticketPk(t.id), sk: TICKET_SK },
                UpdateExpression: 'SET bf = :f REMOVE cq',
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':f': f, ':v': t.version },
              }),
            ),
          ).catch((err) => {
            if (!(err instanceof ConditionalCheckFailedException)) throw err;
          });
        }
      }
    }
    const truth = countFacets(facets);
    // Counters that exist but count nothing any more must go back to zero too.
    for (const prefix of ['BOARD#S#', 'BOARD#U#']) {
      for (const pk of await this.counterKeys(prefix)) if (!truth.has(pk)) truth.set(pk, emptyCounts());
    }
    const drifted: string[] = [];
    const keys = [...truth.keys()];
    const stored = new Map<string, BoardCounts>();
    const { items: counters } = await this.batchGet(
      keys.map((pk) => ({ pk, sk: COUNTER_SK })),
      { consistent: true },
    );
    for (const item of counters) stored.set(item.pk as string, countsOfItem(item));
    for (const [pk, want] of truth) {
      if (sameCounts(stored.get(pk) ?? emptyCounts(), want)) continue;
      drifted.push(pk);
      if (!repair) continue;
      const values: Record<string, unknown> = { ':o': want.open, ':a': want.attention };
      const sets = ['#open = :o', 'att = :a'];
      for (const [s, n] of Object.entries(want.byStatus)) {
        sets.push(`s_${s} = :s_${s}`);
        values[`:s_${s}`] = n;
      }
      for (const [l, n] of Object.entries(want.byLevel)) {
        sets.push(`l_${l} = :l_${l}`);
        values[`:l_${l}`] = n;
      }
      // SET, not a new item: the idempotency slots stay, so a late replay is still recognised.
      await guard(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk: COUNTER_SK },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ExpressionAttributeNames: { '#open': 'open' },
            ExpressionAttributeValues: values,
          }),
        ),
      );
    }
    // Attention markers: every live one must belong to an open ticket that needs attention.
    let markers = 0;
    const live = new Set<string>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.query({
        IndexName: gsiNames.byKind,
        KeyConditionExpression: 'gk1 = :pk',
        ExpressionAttributeValues: { ':pk': ATTENTION_KIND },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      for (const i of page.Items ?? []) {
        const a = i.a as { id: string; flags: string[] };
        const f = facetById.get(a.id);
        live.add(a.id);
        if (f?.attention.length && JSON.stringify(f.attention) === JSON.stringify(a.flags)) continue;
        markers += 1;
        if (repair) await this.forceAttention(a.id, f ?? null);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    for (const [id, f] of facetById) {
      if (!f.attention.length || live.has(id)) continue;
      markers += 1;
      if (repair) await this.forceAttention(id, f);
    }
    return { counters: truth.size, drifted, markers };
  }

  /** Rewrite a marker from the truth, whatever version it holds (the recount only). */
  private async forceAttention(ticketId: string, f: BoardFacet | null): Promise<void> {
    const rec = await this.getTicket(ticketId);
    await this.putAttention(ticketId, rec?.ticket.version ?? 0, f, true);
  }

  /** The counter items that exist under a prefix (the recount only: a scan over counter keys). */
  private async counterKeys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await guard(() =>
        this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'begins_with(pk, :p) AND sk = :c',
            ExpressionAttributeValues: { ':p': prefix, ':c': COUNTER_SK },
            ProjectionExpression: 'pk',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const i of page.Items ?? []) out.push(i.pk as string);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Open ticket items as stored (the recount reads the bookkeeping, not just the ticket). */
  private async *openTicketItems(): AsyncIterable<Record<string, unknown>[]> {
    for (const status of openStatuses) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.query({
          IndexName: gsiNames.byStatus,
          KeyConditionExpression: 'gk4 = :pk',
          ExpressionAttributeValues: { ':pk': `S#${status}` },
          ProjectionExpression: 'pk',
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        const ids = (page.Items ?? []).map((i) => String(i.pk).slice(2));
        if (ids.length) yield await this.batchGetItems(ids);
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }

  private async batchGetItems(ids: string[]): Promise<Record<string, unknown>[]> {
    const keys = ids.map((id) => ({ pk: ticketPk(id), sk: TICKET_SK }));
    return (await this.batchGet(keys, { consistent: true })).items;
  }

  /**
   * Items by key: 100 a request, the keys the store left unprocessed asked again (five rounds at
   * most). Returns what it read and how many keys stayed unprocessed; each caller decides.
   */
  private async batchGet(
    keys: Record<string, unknown>[],
    opts: { consistent?: boolean; projection?: string } = {},
  ): Promise<{ items: Record<string, unknown>[]; unprocessed: number }> {
    const items: Record<string, unknown>[] = [];
    let unprocessed = 0;
    for (let i = 0; i < keys.length; i += 100) {
      let batch = keys.slice(i, i + 100);
      for (let attempt = 0; batch.length > 0 && attempt < 5; attempt += 1) {
        const res = await guard(() =>
          this.doc.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: batch,
                  ...(opts.consistent ? { ConsistentRead: true } : {}),
                  ...(opts.projection ? { ProjectionExpression: opts.projection } : {}),
                },
              },
            }),
          ),
        );
        items.push(...(res.Responses?.[this.tableName] ?? []));
        batch = (res.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
      unprocessed += batch.length;
    }
    return { items, unprocessed };
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

  /** The street never changes (it follows the community), so one small item at creation. */
  private async indexStreet(t: Ticket): Promise<void> {
    await guard(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: ticketPk(t.id),
            sk: STREET_SK,
            ticketId: t.id,
            gk3: streetKey(t.streetId),
            gs3: sortKey(t.createdAt, t.id),
          },
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
    const counts = record.counts as CountsState | undefined;
    const change: CountChange = {
      v: next.ticket.version,
      from: counts?.facet ?? null,
      to: boardFacet(next.ticket),
    };
    const effective = (c: CountChange) => counterDeltas(c).size > 0 || attentionChanged(c);
    // What the counters are owed, written in the same conditional write as the change itself.
    const owed = [...(counts?.owed ?? []), change].filter(effective);
    let settle: CountChange[] = owed;
    try {
      const out = await guard(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.ticketItem(next, counts?.known === false ? [] : owed),
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': expectedVersion },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      // The item replaced is the authority (a caller that dropped `counts` still counts right).
      const old = out.Attributes;
      if (old && !('bf' in old))
        settle = []; // counted by the recount, not by changes
      else if (old && JSON.stringify(old.bf ?? null) !== JSON.stringify(counts?.facet ?? null)) {
        settle = [
          ...((old.cq as CountChange[] | undefined) ?? []),
          { ...change, from: (old.bf as BoardFacet | null) ?? null },
        ].filter(effective);
      }
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new VersionConflictError(`ticket ${record.ticket.id} moved past version ${expectedVersion}`);
      }
      throw err;
    }
    await this.settleCounts(next.ticket.id, next.ticket.version, settle);
    return { ...next, counts: { facet: change.to, owed: [], known: true } satisfies CountsState };
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>) {
    return guard(() => this.doc.send(new QueryCommand({ TableName: this.tableName, ...input })));
  }

  /**
   * A page of tickets from the one index key that narrows the most (unit, community, street,
   * status, or all), newest first. The indexes carry keys only for tickets (table-design.ts), so
   * the page's tickets are then read from the table in one BatchGet and every filter applies to
   * the ticket as it is now: a page may come back shorter than `limit` (as with a DynamoDB
   * filter), its cursor goes on where the index left off.
   */
  async listTickets(filter: TicketFilter, limit: number, cursor?: string): Promise<Page<Ticket>> {
    const values: Record<string, unknown> = {};
    let index: string;
    let pkName: string;
    let skName: string;
    let pkValue: string;
    if (filter.unitId) {
      [index, pkName, skName, pkValue] = [gsiNames.byOwner, 'gk2', 'gs2', `U#${filter.unitId}`];
    } else if (filter.communityId) {
      [index, pkName, skName, pkValue] = [gsiNames.byCommunity, 'gk3', 'gs3', `C#${filter.communityId}`];
    } else if (filter.streetId) {
      [index, pkName, skName, pkValue] = [gsiNames.byCommunity, 'gk3', 'gs3', streetKey(filter.streetId)];
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
    const startKey = decodeCursor(cursor);
    const out = await this.query({
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    // Ticket items name themselves by pk; index items (co-unit, street) by ticketId.
    const ids = (out.Items ?? []).map((i) => (i.ticketId as string | undefined) ?? String(i.pk).slice(2));
    const byId = new Map((await this.batchGetTickets([...new Set(ids)])).map((t) => [t.id, t]));
    const tickets = [...new Set(ids)]
      .map((id) => byId.get(id))
      .filter((t): t is Ticket => t !== undefined && matches(t, filter));
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return { items: tickets, ...(nextCursor ? { nextCursor } : {}) };
  }

  private async batchGetTickets(ids: string[]): Promise<Ticket[]> {
    const keys = ids.map((id) => ({ pk: ticketPk(id), sk: TICKET_SK }));
    return (await this.batchGet(keys)).items.map((item) => item.t as Ticket);
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
      // The indexes carry a notice's keys, not its record: every status change of a notice would
      // otherwise rewrite its entry on the city-wide and unit keys. The page's records come from
      // the table in one BatchGet.
      ...(filter.ticketId ? {} : { ProjectionExpression: 'pk, sk' }),
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    const items = filter.ticketId
      ? (out.Items ?? []).map((i) => i.n as NotificationRecord)
      : await this.batchGetNotifications(
          (out.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) })),
        );
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }

  /** Notification records by their table keys, in the order given (a list page's order). */
  private async batchGetNotifications(keys: { pk: string; sk: string }[]): Promise<NotificationRecord[]> {
    const { items, unprocessed } = await this.batchGet(keys, { projection: 'pk, sk, n' });
    if (unprocessed > 0) throw new StoreBusyError('the store kept notification reads unprocessed');
    const found = new Map(items.map((item) => [`${item.pk}\t${item.sk}`, item.n as NotificationRecord]));
    return keys.flatMap((k) => {
      const n = found.get(`${k.pk}\t${k.sk}`);
      return n ? [n] : [];
    });
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
