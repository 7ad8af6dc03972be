/**
 * The ports the core depends on. Adapters: DynamoDB for the store (dynalite locally, the same
 * code), Step Functions or the embedded engine for workflows, SNS or the printed outbox for
 * messages, the wall clock or the simulated clock for time.
 */

import type { EngineReport } from './domain/clock-audit';
import type { LinkAction, LinkGrant, LinkUse } from './domain/links';
import type {
  Breach,
  ConfigSnapshot,
  NotificationKind,
  SlaClass,
  Stage,
  Ticket,
  TicketStatus,
} from './domain/model';
import type { WaitStage } from './domain/parties';

export interface Clock {
  now(): Date;
}

/** A party's live wait as the record keeps it (the engine holds the same token). */
export interface ArmedToken {
  token: string;
  stage: string;
  unitId?: string;
  /** The nominal SLA instant the wait was armed for; null when none is left to watch. */
  nextAt?: string | null;
  /** The execution generation that armed it. */
  generation?: number;
}

/** A ticket as stored: the public ticket plus what only the engine needs. */
export interface StoredTicket {
  ticket: Ticket;
  /**
   * Live task tokens by party (unit id, or `ticket` for the ticket-level wait), the stage each
   * waits on and the next SLA instant its timer was armed for (null: none left to watch).
   */
  tokens: Record<string, ArmedToken>;
  /** Hash of the creating request, for Idempotency-Key replays. */
  requestHash?: string;
  /**
   * The execution that owns this ticket's clocks (issue 14): generation n runs as
   * `ticket-<id>-<n>`; a task of another generation is told it is superseded.
   */
  run?: { generation: number; executionArn?: string; startedAt: string };
  /**
   * Starts and signals written with the change that caused them and not yet known delivered
   * (durable signals): whoever sends one clears it; the reconciler re-sends what is left.
   */
  pending?: {
    start?: { generation: number; at: string };
    signals?: Record<string, { token: string; step: Step; at: string }>;
  };
  /**
   * The instant by which the engine must next act on this ticket: its next SLA instant, or when
   * a pending start or signal was written. Absent once nothing can fall due (closed tickets).
   * The store keeps a sparse index on it (`listDue`), so the reconciler finds stranded tickets
   * without reading the open ones.
   */
  dueBy?: string;
  /**
   * The store's bookkeeping for the board counters (what they count of this ticket, the changes
   * it still owes them): opaque to the core, carried from the read to the next write.
   */
  counts?: unknown;
}

/** Counter name → count (see shared/use-cases/metrics.ts), per unit and per street id. */
export interface DailyTallies {
  units: Map<string, Record<string, number>>;
  streets: Map<string, Record<string, number>>;
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
  slaClass?: SlaClass;
  /** The ticket's current escalation level (0..3), exactly. */
  level?: number;
  /** Tickets whose extension request awaits a supervisor's decision. */
  extensionPending?: boolean;
  /** Tickets carrying this flag (`needs_ruling`, `notification_failed`). */
  flag?: string;
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

/** Concrete channels of a message: group messages go to a WeCom or DingTalk robot. */
export type MessageChannel = 'sms' | 'email' | 'wecom' | 'dingtalk';
/** Who carries a message: the SNS topic or phone publish, a mainland SMS gateway, a robot, or the printed outbox. */
export type MessageProvider = 'sns' | 'aliyun' | 'tencent' | 'wecom' | 'dingtalk';

export interface OutboundMessage {
  channel: MessageChannel;
  /** Phone (E.164), mailbox, or the robot id of a group message. */
  to: string;
  subject?: string;
  /** Exactly what the recipient reads (for a registered template: the template, rendered). */
  text: string;
  /** Absent: SNS (sms, email) as before issue 21. */
  provider?: MessageProvider;
  /** Registered SMS template: the gateway is sent the code and parameters, never the text. */
  template?: { code: string; signName: string; params: Record<string, string>; order?: string[] };
  /** Group messages: the phones to @mention in the group. */
  mention?: string[];
}

/** What a channel reports back for a message it accepted. */
export interface SendResult {
  /** The gateway's id of the message (Alibaba BizId, Tencent SerialNo): receipts name it. */
  providerMessageId?: string;
  /** Billed segments (SMS), for the spend count. */
  segments?: number;
}

/** Message statuses: `queued` until the sender takes it, `delivered` once a receipt says so. */
export type MessageStatus = 'queued' | 'retrying' | 'sent' | 'delivered' | 'failed';

export interface NotificationRecord {
  id: string;
  ticketId: string;
  unitId?: string;
  communityId?: string;
  kind: NotificationKind;
  stage?: Stage;
  level?: number;
  messages: (OutboundMessage & {
    status: MessageStatus;
    attempts: number;
    error?: string;
    /** The carrier's or gateway's own words for a failure (receipts). */
    errorDetail?: string;
    providerMessageId?: string;
    /** Real time (ISO) before which a `retrying` message is not tried again. */
    nextAttemptAt?: string;
    sentAt?: string;
    deliveredAt?: string;
    /** Index of the message whose failure this one replaces (fallback). */
    fallbackFor?: number;
  })[];
  /** Fallback messages, rendered when the notice was built, in the order they may be needed. */
  standby?: NotificationRecord['messages'];
  /**
   * Real time (ISO) at which the sender should next look at this record; absent once every
   * message settled and the ticket was told. The store indexes it: that index is the embedded queue.
   */
  sendAfter?: string;
  /** What the ticket must still be told about this record (written before, cleared after). */
  report?: { failed?: string; fallbacks?: string[] };
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
  /** The ticket a code (`WD…`, as on the SMS and the phone page) names, if any. */
  findTicketIdByCode(code: string): Promise<string | undefined>;
  /** Several tickets by id (missing ids are skipped), for lists that join tickets to rows. */
  getTickets(ids: readonly string[]): Promise<Ticket[]>;
  /** Every ticket created in [from, to), streamed page by page (metrics, reports). */
  scanPeriod(from: string, to: string): AsyncIterable<Ticket[]>;
  /**
   * The board from counters kept with the writes (per city, street, lead unit) and at most
   * `flaggedLimit` tickets that need a supervisor: never reads the open tickets themselves.
   */
  board(
    streetId: string | undefined,
    flaggedLimit: number,
  ): Promise<{
    counts: { open: number; byStatus: Record<string, number>; byLevel: Record<string, number> };
    flagged: { id: string; code: string; flags: string[] }[];
  }>;
  /**
   * The rankings' daily aggregates: what the tickets raised on each of `days` (Asia/Shanghai
   * dates) add up to, per unit and per street (`streetId`: that street's tickets only). Kept with
   * the ticket writes; costs a query or two a day, never a read of the tickets.
   */
  dailyTallies(days: readonly string[], streetId?: string): Promise<DailyTallies>;
  /**
   * The table stream's consumer (AWS): settle what the write that produced `rec` left owing to
   * the board counters and the daily aggregates, if the stored record still owes it at that
   * version (its writer stopped in between). True if it settled something.
   */
  settleLeftOwed(rec: StoredTicket): Promise<boolean>;
  /** Open tickets (for re-attaching executions). */
  openTickets(): AsyncIterable<Ticket[]>;
  /** Ids of tickets whose `dueBy` is at or before `before`, oldest first (the reconciler's query). */
  listDue(before: string, limit: number, cursor?: string): Promise<Page<string>>;
  putBreaches(ticket: Ticket, breaches: Breach[]): Promise<void>;
  listBreaches(filter: BreachFilter, limit: number, cursor?: string): Promise<Page<BreachRecord>>;
  /** Conditional put: false when this notification was already recorded (a retried task). */
  putNotification(record: NotificationRecord, unitOrCommunity: string): Promise<boolean>;
  /** Overwrite a record first written as `retrying` with its final outcome. */
  replaceNotification(record: NotificationRecord, unitOrCommunity: string): Promise<void>;
  hasNotification(ticketId: string, id: string): Promise<boolean>;
  /** The recorded notification (consistent read), to resume or report a delivery that ran before. */
  getNotification(ticketId: string, id: string): Promise<NotificationRecord | undefined>;
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

/** A party's wait: the engine holds it until the party acts or its timer fires at `timerAt`. */
export interface Wait {
  ticketId: string;
  /** `lead`, `co:<unitId>` or `ticket` (shared/domain/parties.ts). */
  party: string;
  /** The unit the party stands for now ('' for the ticket). */
  unitId: string;
  stage: WaitStage;
  /** When the timer fires: the next SLA instant (spread past 17:30), or a re-check far ahead. */
  timerAt: string;
}

/** What a party (or the whole ticket) does next: the shape every task returns to the workflow. */
export interface Step {
  ticketId: string;
  next: 'wait' | 'done' | 'tracks';
  wait?: Wait;
  /** `tracks`: one step per unit party, run side by side. */
  tracks?: Step[];
}

/**
 * A step on the wire to the engine. The wait travels as `Payload` with its timeout in whole
 * seconds: aws-local-stepfunctions resolves `TimeoutSecondsPath` against the Parameters' output
 * and Step Functions against the state input, and a callback's Parameters must name the Lambda
 * event `Payload`, so `$.Payload.timerSeconds` is the one path that reads the same on both.
 */
export interface EngineStep {
  ticketId: string;
  next: Step['next'];
  Payload?: Wait & { timerSeconds: number };
  tracks?: EngineStep[];
}

/** What the engine says about generation `n` of a ticket's execution. */
export interface ExecutionReport extends EngineReport {
  /** An ended execution the engine can re-run from its point of failure (Step Functions redrive). */
  redrivable?: boolean;
}

export interface WorkflowPort {
  /**
   * Start generation `generation` of the ticket's execution (`ticket-<id>-<generation>`). Starting
   * the generation that runs already is a no-op.
   */
  start(ticketId: string, generation: number, input: Step): Promise<void>;
  /** Hand a waiting party its next step (`done` ends the party). False when the wait is gone. */
  resume(token: string, step: Step): Promise<boolean>;
  stop(ticketId: string, generation: number, reason: string): Promise<void>;
  describe(ticketId: string, generation: number): Promise<ExecutionReport>;
  /** Re-run an ended execution from where it failed; false when the engine cannot. */
  redrive(ticketId: string, generation: number): Promise<boolean>;
  /** A step as this engine takes it (its timeouts in whole seconds): what task handlers return. */
  encode(step: Step): EngineStep;
}

/** What a channel may need to know about a message besides its text (SNS message attributes). */
export interface MessageMeta {
  ticketId: string;
  kind: NotificationKind;
  /** The recipient unit, or the recipient community for notices to the reporter's side. */
  unitId?: string;
  communityId?: string;
  /** The notification record the message belongs to. */
  notificationId?: string;
}

/** Where undeliverable messages are parked for operators (on AWS: the alarmed delivery DLQ). */
export interface DeadLetters {
  put(record: NotificationRecord, message: NotificationRecord['messages'][number]): Promise<void>;
}

export interface Notifier {
  /** Deliver one message; throws when the channel refuses (the caller retries and records). */
  send(message: OutboundMessage, meta: MessageMeta): Promise<void | SendResult>;
}

/** A recorded notification, as the queue carries it. */
export interface NotificationRef {
  ticketId: string;
  notificationId: string;
}

/**
 * Hands recorded notifications (status `queued`) to the sender: SQS on AWS, the store's own index
 * in the embedded runtime. Enqueuing a record twice is harmless: the sender claims before sending.
 */
export interface NotificationQueue {
  enqueue(refs: NotificationRef[], opts?: { notBefore?: Date }): Promise<void>;
}

/** A record its sender took: `record` is missing only if the item carries none (a foreign item). */
export interface Claimed {
  record: NotificationRecord | undefined;
}

/** The sender's bookkeeping beside the notification records (shared/adapters/dynamo-delivery-store.ts). */
export interface DeliveryStore {
  /**
   * Take the record for `leaseMs`, released by `save`: the record as it stands once taken (read by
   * the claim itself, so no second request), or undefined when another sender holds it.
   */
  claim(ref: NotificationRef, owner: string, leaseMs: number, nowMs: number): Promise<Claimed | undefined>;
  /** Write the record as the sender left it, keeping its queue key in step, and release the claim. */
  save(record: NotificationRecord, recipient: string, owner: string): Promise<void>;
  /** Records whose `sendAfter` is at or before `before` (ISO), oldest first. */
  listDue(before: string, limit: number): Promise<NotificationRef[]>;
  /** Add to the month's SMS spend unless that passes `cap` (false: the cap is reached). */
  addSpend(month: string, fen: number, capFen: number | undefined): Promise<boolean>;
  monthSpend(month: string): Promise<number>;
  /** Remember which message a gateway id names, for receipts. */
  putReceiptRef(
    provider: MessageProvider,
    providerMessageId: string,
    ref: NotificationRef & { index: number },
  ): Promise<void>;
  getReceiptRef(
    provider: MessageProvider,
    providerMessageId: string,
  ): Promise<(NotificationRef & { index: number }) | undefined>;
}

/** A signed link as stored (shared/domain/links.ts): the grant, its HMAC, and its use so far. */
export interface StoredLink {
  grant: LinkGrant;
  /** HMAC over the grant: an item altered in the table is refused like a forged code. */
  sig: string;
  /** When each single-use action was done through the link. */
  used: LinkUse;
  /** Evidence files uploaded through the link, the only ones its resolve may cite. */
  evidence: string[];
}

/** A resolution photo kept in the store (embedded runtime; on AWS photos go to S3). */
export interface EvidenceObject {
  name: string;
  ticketId: string;
  contentType: string;
  bytes: Uint8Array;
  at: string;
}

export interface LinkStore {
  /** Conditional put: false when a link with this code exists already. */
  putLink(link: StoredLink): Promise<boolean>;
  getLink(code: string): Promise<StoredLink | undefined>;
  /** Conditional: false when the action was already done through this link (single use). */
  markLinkUsed(code: string, action: LinkAction, at: string): Promise<boolean>;
  /** Undo a mark whose action the domain then refused, so the holder may try again. */
  unmarkLinkUsed(code: string, action: LinkAction): Promise<void>;
  /** Conditional append: false when the link already carries `max` evidence files. */
  addLinkEvidence(code: string, name: string, max: number): Promise<boolean>;
  putEvidence(object: EvidenceObject): Promise<void>;
  getEvidence(name: string): Promise<EvidenceObject | undefined>;
}

/** Where resolution photos go: through the API into the store, or straight to S3 by presigned PUT. */
export interface EvidenceStore {
  readonly mode: 'inline' | 'presigned';
  /** Inline mode: keep the bytes. */
  put(object: EvidenceObject): Promise<void>;
  /** Presigned mode: where the phone PUTs the photo (exactly this type and size). */
  presignPut(
    name: string,
    contentType: string,
    size: number,
  ): Promise<{ url: string; headers: Record<string, string> }>;
  /** The photo itself (inline) or where to fetch it (a short-lived presigned GET), or nothing. */
  open(name: string): Promise<{ contentType: string; bytes: Uint8Array } | { redirect: string } | undefined>;
}
