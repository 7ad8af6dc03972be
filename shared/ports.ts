/**
 * The ports the core depends on. Adapters: DynamoDB for the store (dynalite locally, the same
 * code), Step Functions or the embedded engine for workflows, SNS or the printed outbox for
 * messages, the wall clock or the simulated clock for time.
 */
import type { Breach, ConfigSnapshot, NotificationKind, Stage, Ticket, TicketStatus } from './domain/model';

export interface Clock {
  now(): Date;
  /**
   * Seconds the workflow engine should wait for `at` (TimeoutSecondsPath). The wall clock says
   * the plain difference; the simulated clock divides by its scale (plus slack, so its own
   * precise timer wins the race against the engine's whole-second one).
   */
  engineSecondsUntil(at: Date): number;
}

/** A ticket as stored: the public ticket plus what only the engine needs. */
export interface StoredTicket {
  ticket: Ticket;
  /** Live task tokens by party (unit id, or `ticket` for the ticket-level wait) and the stage each waits on. */
  tokens: Record<string, { token: string; stage: string }>;
  /** Hash of the creating request, for Idempotency-Key replays. */
  requestHash?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface TicketFilter {
  status?: TicketStatus;
  unitId?: string;
  communityId?: string;
  streetId?: string;
  breached?: boolean;
  from?: string;
  to?: string;
}

export interface BreachRecord extends Breach {
  ticketId: string;
  code: string;
  streetId: string;
}

export interface BreachFilter {
  unitId?: string;
  stage?: Stage;
  level?: number;
  streetId?: string;
  from?: string;
  to?: string;
}

export interface OutboundMessage {
  channel: 'sms' | 'email';
  to: string;
  subject?: string;
  text: string;
}

export interface NotificationRecord {
  id: string;
  ticketId: string;
  unitId?: string;
  communityId?: string;
  kind: NotificationKind;
  stage?: Stage;
  level?: number;
  messages: (OutboundMessage & {
    status: 'sent' | 'failed' | 'retrying';
    attempts: number;
    error?: string;
  })[];
  at: string;
}

export interface NotificationFilter {
  ticketId?: string;
  unitId?: string;
}

export interface TicketStore {
  /** Conditional put: false when a ticket with this id already exists. */
  createTicket(record: StoredTicket): Promise<boolean>;
  getTicket(id: string): Promise<StoredTicket | undefined>;
  /** One conditional write guarded by `expectedVersion`; throws VersionConflictError if it moved. */
  saveTicket(record: StoredTicket, expectedVersion: number): Promise<StoredTicket>;
  listTickets(filter: TicketFilter, limit: number, cursor?: string): Promise<Page<Ticket>>;
  /** Every ticket created in [from, to), streamed page by page (metrics, reports). */
  scanPeriod(from: string, to: string): AsyncIterable<Ticket[]>;
  /** Open tickets (for re-attaching executions). */
  openTickets(): AsyncIterable<Ticket[]>;
  putBreaches(ticket: Ticket, breaches: Breach[]): Promise<void>;
  listBreaches(filter: BreachFilter, limit: number, cursor?: string): Promise<Page<BreachRecord>>;
  /** Conditional put: false when this notification was already recorded (a retried task). */
  putNotification(record: NotificationRecord, unitOrCommunity: string): Promise<boolean>;
  /** Overwrite a record first written as `retrying` with its final outcome. */
  replaceNotification(record: NotificationRecord, unitOrCommunity: string): Promise<void>;
  hasNotification(ticketId: string, id: string): Promise<boolean>;
  listNotifications(
    filter: NotificationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<NotificationRecord>>;
}

export interface ConfigStore {
  latestVersion(): Promise<number>;
  get(version: number): Promise<ConfigSnapshot>;
  /** Conditional put of the next version: false when someone else wrote it first. */
  put(snapshot: ConfigSnapshot): Promise<boolean>;
  listVersions(
    limit: number,
  ): Promise<{ version: number; createdAt: string; createdBy: string; note?: string }[]>;
}

/** A step the workflow takes next: the shape every task and callback returns. */
export interface Wait {
  ticketId: string;
  /** '' for the ticket-level wait (feedback, ruling). */
  unitId: string;
  stage: Stage | 'ruling';
  timerAt: string;
  timerSeconds: number;
}

export interface Step {
  ticketId: string;
  next: 'wait' | 'done' | 'tracks';
  Payload?: Wait;
  tracks?: Step[];
}

export interface WorkflowPort {
  /** Idempotent per ticket: starting an execution that runs already is a no-op. */
  start(ticketId: string, input: Step): Promise<void>;
  /** False when the token is no longer waiting (timed out, consumed): the caller moves on. */
  sendTaskSuccess(token: string, output: Step): Promise<boolean>;
  stop(ticketId: string, reason: string): Promise<void>;
}

export interface Notifier {
  /** Deliver one message; throws when the channel refuses (the caller retries and records). */
  send(
    message: OutboundMessage,
    meta: { ticketId: string; kind: NotificationKind; unitId?: string },
  ): Promise<void>;
}
