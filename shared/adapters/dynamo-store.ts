/**
 * TicketStore, ConfigStore and LinkStore on DynamoDB: the same code against AWS and against
 * dynalite (only the client's endpoint differs). Every ticket state change is one conditional
 * PutItem guarded by `version`; no transactions (dynalite has none). See table-design.ts for keys
 * and indexes, table-keys.ts for the code that builds them.
 *
 * This class only composes the repositories, one per concern, over one table helper
 * (dynamo-table.ts: guarded and conditional puts, updates, paged queries, BatchGet):
 * - dynamo-tickets.ts   tickets, their code and list entries, the ticket lists
 * - dynamo-board.ts     the board counters and attention markers, the recount
 * - dynamo-metrics.ts   the rankings' daily aggregates
 * - dynamo-breaches.ts  breaches
 * - dynamo-notices.ts   notices (the sender's side: dynamo-delivery-store.ts)
 * - dynamo-config.ts    configuration versions and the latest-version pointer
 * - dynamo-links.ts     signed links and evidence photos
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LinkAction } from '../domain/links';
import type { Breach, ConfigSnapshot, Ticket } from '../domain/model';
import type {
  BreachFilter,
  BreachRecord,
  ConfigStore,
  DailyTallies,
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
import type { BoardCounts } from './board-counts';
import { DynamoBoard } from './dynamo-board';
import { DynamoBreaches } from './dynamo-breaches';
import { DynamoConfig } from './dynamo-config';
import { DynamoLinks } from './dynamo-links';
import { DynamoMetrics } from './dynamo-metrics';
import { DynamoNotices } from './dynamo-notices';
import { DynamoTable } from './dynamo-table';
import { DynamoTickets } from './dynamo-tickets';

export { ticketRecordFromImage } from './dynamo-tickets';

/** CLOSED_RETENTION_DAYS when unset: half a year of closed tickets in the hot table. */
export const DEFAULT_CLOSED_RETENTION_DAYS = 180;

export class DynamoStore implements TicketStore, ConfigStore, LinkStore {
  private readonly tickets: DynamoTickets;
  private readonly counters: DynamoBoard;
  private readonly metrics: DynamoMetrics;
  private readonly breaches: DynamoBreaches;
  private readonly notices: DynamoNotices;
  private readonly config: DynamoConfig;
  private readonly links: DynamoLinks;
  private readonly table: DynamoTable;

  constructor(
    client: DynamoDBClient,
    /** The table every repository works on (tests reach it to write behind the store's back). */
    readonly tableName: string,
    options: { closedRetentionDays?: number } = {},
  ) {
    const table = new DynamoTable(client, tableName);
    this.table = table;
    // The recount rewrites a marker at its ticket's version; ticket writes settle the counters.
    this.counters = new DynamoBoard(table, (id) => this.tickets.getTicket(id));
    this.tickets = new DynamoTickets(
      table,
      this.counters,
      options.closedRetentionDays ?? DEFAULT_CLOSED_RETENTION_DAYS,
    );
    this.metrics = new DynamoMetrics(table);
    this.breaches = new DynamoBreaches(table);
    this.notices = new DynamoNotices(table);
    this.config = new DynamoConfig(table);
    this.links = new DynamoLinks(table);
  }

  /**
   * Any item, put only if its key is free: not a port's method, for the tests that leave the
   * table as a writer that stopped halfway would (a version item without its pointer).
   */
  putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    return this.table.putIfAbsent(item);
  }

  // Tickets (dynamo-tickets.ts)

  createTicket(record: StoredTicket): Promise<boolean> {
    return this.tickets.createTicket(record);
  }
  getTicket(id: string): Promise<StoredTicket | undefined> {
    return this.tickets.getTicket(id);
  }
  saveTicket(record: StoredTicket, expectedVersion: number): Promise<StoredTicket> {
    return this.tickets.saveTicket(record, expectedVersion);
  }
  listTickets(filter: TicketFilter, limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.tickets.listTickets(filter, limit, cursor);
  }
  findTicketIdByCode(code: string): Promise<string | undefined> {
    return this.tickets.findTicketIdByCode(code);
  }
  getTickets(ids: readonly string[]): Promise<Ticket[]> {
    return this.tickets.getTickets(ids);
  }
  scanPeriod(from: string, to: string): AsyncIterable<Ticket[]> {
    return this.tickets.scanPeriod(from, to);
  }
  settleLeftOwed(rec: StoredTicket): Promise<boolean> {
    return this.tickets.settleLeftOwed(rec);
  }
  openTickets(): AsyncIterable<Ticket[]> {
    return this.tickets.openTickets();
  }
  listDue(before: string, limit: number, cursor?: string): Promise<Page<string>> {
    return this.tickets.listDue(before, limit, cursor);
  }

  // Board counters (dynamo-board.ts)

  board(
    streetId: string | undefined,
    flaggedLimit: number,
  ): Promise<{ counts: BoardCounts; flagged: { id: string; code: string; flags: string[] }[] }> {
    return this.counters.board(streetId, flaggedLimit);
  }
  unitCounts(unitId: string): Promise<BoardCounts> {
    return this.counters.unitCounts(unitId);
  }
  recountBoard(repair: boolean): Promise<{ counters: number; drifted: string[]; markers: number }> {
    return this.counters.recountBoard(repair);
  }

  // Daily aggregates (dynamo-metrics.ts)

  dailyTallies(days: readonly string[], streetId?: string): Promise<DailyTallies> {
    return this.metrics.dailyTallies(days, streetId);
  }
  /** Tickets written by an older version brought to the current layout, once (dynamo-tickets.ts). */
  upgradeLayout(now: string): Promise<{ tickets: number; counted: number; already: boolean }> {
    return this.tickets.upgradeLayout(now);
  }

  // Breaches (dynamo-breaches.ts)

  putBreaches(ticket: Ticket, breaches: Breach[]): Promise<void> {
    return this.breaches.putBreaches(ticket, breaches);
  }
  listBreaches(filter: BreachFilter, limit: number, cursor?: string): Promise<Page<BreachRecord>> {
    return this.breaches.listBreaches(filter, limit, cursor);
  }

  // Notices (dynamo-notices.ts)

  putNotification(record: NotificationRecord, recipient: string): Promise<boolean> {
    return this.notices.putNotification(record, recipient);
  }
  replaceNotification(record: NotificationRecord, recipient: string): Promise<void> {
    return this.notices.replaceNotification(record, recipient);
  }
  hasNotification(ticketId: string, id: string): Promise<boolean> {
    return this.notices.hasNotification(ticketId, id);
  }
  getNotification(ticketId: string, id: string): Promise<NotificationRecord | undefined> {
    return this.notices.getNotification(ticketId, id);
  }
  listNotifications(
    filter: NotificationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationRecord>> {
    return this.notices.listNotifications(filter, limit, cursor);
  }

  // Configuration versions (dynamo-config.ts)

  latestVersion(): Promise<number> {
    return this.config.latestVersion();
  }
  get(version: number): Promise<ConfigSnapshot> {
    return this.config.get(version);
  }
  put(snapshot: ConfigSnapshot): Promise<boolean> {
    return this.config.put(snapshot);
  }
  listVersions(limit: number): ReturnType<DynamoConfig['listVersions']> {
    return this.config.listVersions(limit);
  }

  // Signed links and evidence (dynamo-links.ts)

  putLink(link: StoredLink): Promise<boolean> {
    return this.links.putLink(link);
  }
  getLink(code: string): Promise<StoredLink | undefined> {
    return this.links.getLink(code);
  }
  markLinkUsed(code: string, action: LinkAction, at: string): Promise<boolean> {
    return this.links.markLinkUsed(code, action, at);
  }
  unmarkLinkUsed(code: string, action: LinkAction): Promise<void> {
    return this.links.unmarkLinkUsed(code, action);
  }
  addLinkEvidence(code: string, name: string, max: number): Promise<boolean> {
    return this.links.addLinkEvidence(code, name, max);
  }
  putEvidence(object: EvidenceObject): Promise<void> {
    return this.links.putEvidence(object);
  }
  getEvidence(name: string): Promise<EvidenceObject | undefined> {
    return this.links.getEvidence(name);
  }
}
