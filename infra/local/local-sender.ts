/**
 * The embedded runtime's notification queue and sender loop. The queue is the store itself: a
 * record with something to send carries a queue key (dynamo-delivery-store.ts), so what a crash or
 * a restart left queued is found again by that key, and the lease on each record keeps a message
 * from going out twice. Enqueue kicks the loop at once (a dispatch is `sent` within milliseconds
 * when nothing is throttled); retries wake it at their instant. The same NotificationSender runs
 * behind SQS on AWS (functions/tasks/send-notifications.ts).
 *
 * By default every channel prints to the outbox; WHISTLE_CHANNELS_FILE names a JSON file of channel
 * credentials (the AWS secret's shape) to send through the real gateways and robots instead.
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChannelRouter, parseChannelCredentials } from '../../shared/adapters/channel-router';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamo-delivery-store';
import type { DeliveryStore, NotificationQueue, NotificationRef, Notifier } from '../../shared/ports';
import { NotificationSender } from '../../shared/use-cases/notification-sender';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';
import { TokenBuckets } from '../../shared/use-cases/token-buckets';

export interface LocalSenderOptions {
  /** Retry waits of one message; tests pass zeros. */
  backoffMs?: readonly number[];
  /** Records sent side by side (each still waits for its channel's bucket). */
  concurrency?: number;
  /** A channel credentials file: real gateways instead of the printed outbox. */
  channelsFile?: string;
  /**
   * The time the channels' rate limits are kept in (default: the wall clock, which a real gateway
   * throttles by). The simulator passes its own clock, in which a day takes minutes: paced on the
   * wall clock, its sends fell hours behind the day they belong to.
   */
  pacing?: Pacing;
  log?: (line: string) => void;
}

/** A clock the token buckets read and sleep on. */
export interface Pacing {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const keyOf = (r: NotificationRef) => `${r.ticketId}/${r.notificationId}`;

export class LocalSender implements NotificationQueue {
  readonly delivery: DeliveryStore;
  private sender?: NotificationSender;
  private pumping?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<string>();
  /** Channels with an adapter (shown in the channel view). */
  channels: string[] = [];

  constructor(
    client: DynamoDBClient,
    table: string,
    private readonly opts: LocalSenderOptions = {},
  ) {
    this.delivery = new DynamoDeliveryStore(client, table);
  }

  /** Start sending with the runtime's ticket dependencies; what a previous run left queued goes first. */
  start(tickets: TicketDeps, notifier: Notifier): NotificationSender {
    const channels = this.opts.channelsFile
      ? ChannelRouter.fromCredentials(
          parseChannelCredentials(JSON.parse(readFileSync(this.opts.channelsFile, 'utf8'))),
          notifier,
        )
      : notifier;
    this.channels =
      channels instanceof ChannelRouter
        ? channels.providers()
        : ['sns', 'aliyun', 'tencent', 'wecom', 'dingtalk'];
    this.sender = new NotificationSender({
      tickets,
      delivery: this.delivery,
      channels,
      queue: this,
      limiter: this.opts.pacing
        ? new TokenBuckets(this.opts.pacing.now, this.opts.pacing.sleep)
        : new TokenBuckets(),
      ...(this.opts.backoffMs ? { backoffMs: this.opts.backoffMs } : {}),
      // One runtime per data directory: after a crash it takes back its own leases at once.
      owner: 'local-runtime',
    });
    this.kick();
    return this.sender;
  }

  async enqueue(_refs: NotificationRef[], opts: { notBefore?: Date } = {}): Promise<void> {
    const wait = (opts.notBefore?.getTime() ?? 0) - Date.now();
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.kick();
      }, wait);
      timer.unref();
      this.timers.add(timer);
    } else this.kick();
  }

  /** Run the loop now (again, if it is running: a record queued meanwhile is not missed). */
  kick(): void {
    if (this.stopped || !this.sender) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pump(): Promise<void> {
    const sender = this.sender;
    if (!sender) return;
    do {
      this.again = false;
      let due: NotificationRef[];
      try {
        due = (await this.delivery.listDue(new Date().toISOString(), 100)).filter(
          (r) => !this.inFlight.has(keyOf(r)),
        );
      } catch (err) {
        this.opts.log?.(`[outbox] queue unreadable, retrying: ${(err as Error).message}`);
        await this.enqueue([], { notBefore: new Date(Date.now() + 1_000) });
        return;
      }
      const work = [...due];
      const worker = async () => {
        for (let r = work.shift(); r && !this.stopped; r = work.shift()) {
          this.inFlight.add(keyOf(r));
          try {
            await sender.process(r);
          } catch (err) {
            // The record keeps its queue key: it is tried again on the next pass.
            this.opts.log?.(`[outbox] ${r.notificationId} not sent yet: ${(err as Error).message}`);
            await this.enqueue([], { notBefore: new Date(Date.now() + 1_000) });
          } finally {
            this.inFlight.delete(keyOf(r));
          }
        }
      };
      await Promise.all(Array.from({ length: this.opts.concurrency ?? 8 }, worker));
      if (due.length === 100) this.again = true;
    } while (this.again && !this.stopped);
  }

  /** Resolves once nothing is due now and nothing is being sent (tests read records after this). */
  async drained(): Promise<void> {
    for (let round = 0; round < 1_000; round += 1) {
      if (this.pumping) {
        await this.pumping;
        continue;
      }
      const due = await this.delivery.listDue(new Date().toISOString(), 1);
      if (due.length === 0 || this.stopped || !this.sender) return;
      this.kick();
    }
  }

  /** Stop taking records and let the ones being sent finish (their lease covers a crash instead). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.pumping;
  }
}
