/**
 * E-mail subscriptions of the dispatch topic, kept in step with the configuration.
 *
 * One subscription per mailbox, whatever the number of units or communities that use it, with the
 * filter policy `{"channel": ["email"], "email": ["<address>"]}`: the notifier sets the `email`
 * attribute to the address a message is for, so each mailbox gets exactly its own mail. Filtering
 * on the address (rather than on unit ids) means a shared mailbox, or a street office that also
 * answers for communities without their own contacts, needs no policy edits, and a policy never
 * changes while its subscription waits for the owner's confirmation click.
 *
 * The plan is a pure function of the wanted mailboxes and the topic's current subscriptions; the
 * executor only lists, subscribes, repairs and unsubscribes. Subscriptions of other protocols
 * (an SQS archive, say) are never touched.
 */
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { ConfigSnapshot } from '../domain/model';
import { emailKey } from './sns-notifier';

export const MANAGED_PROTOCOL = 'email';
const PENDING = 'PendingConfirmation';

export function filterPolicyFor(address: string): string {
  return JSON.stringify({ channel: ['email'], email: [emailKey(address)] });
}

export function redrivePolicyFor(deadLetterQueueArn: string): string {
  return JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn });
}

/** Every mailbox the configuration names, lower-cased, with who uses it (for the report). */
export function wantedMailboxes(config: ConfigSnapshot): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  const add = (address: string | undefined, owner: string) => {
    if (!address) return;
    const key = emailKey(address);
    wanted.set(key, [...(wanted.get(key) ?? []), owner]);
  };
  for (const u of config.units) add(u.contacts.email, u.id);
  for (const c of config.communities) add(c.contacts?.email, c.id);
  return wanted;
}

export interface ExistingSubscription {
  /** `PendingConfirmation` until the owner clicks the link in SNS's confirmation mail. */
  arn: string;
  protocol: string;
  endpoint: string;
  /** Read for confirmed subscriptions only (a pending one has no ARN to ask about). */
  filterPolicy?: string;
  redrivePolicy?: string;
}

export interface SubscriptionPlan {
  subscribe: string[];
  /** Confirmed subscriptions whose filter or redrive policy is not ours: fixed in place. */
  repair: { arn: string; endpoint: string; filterPolicy: boolean; redrivePolicy: boolean }[];
  unsubscribe: { arn: string; endpoint: string }[];
  /** Waiting for the owner's click; SNS deletes them unconfirmed after a few days. */
  pending: string[];
  keep: string[];
}

const sameJson = (a: string | undefined, b: string): boolean => {
  if (a === undefined) return false;
  try {
    return JSON.stringify(sortKeys(JSON.parse(a))) === JSON.stringify(sortKeys(JSON.parse(b)));
  } catch {
    return false;
  }
};

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}

export function planSubscriptions(
  wanted: Iterable<string>,
  existing: ExistingSubscription[],
  deadLetterQueueArn: string,
): SubscriptionPlan {
  const plan: SubscriptionPlan = { subscribe: [], repair: [], unsubscribe: [], pending: [], keep: [] };
  const wantedSet = new Set([...wanted].map(emailKey));
  const byEndpoint = new Map<string, ExistingSubscription[]>();
  for (const s of existing.filter((x) => x.protocol === MANAGED_PROTOCOL)) {
    const key = emailKey(s.endpoint);
    byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), s]);
  }
  for (const address of [...wantedSet].sort()) {
    const subs = byEndpoint.get(address) ?? [];
    const confirmed = subs.filter((s) => s.arn !== PENDING);
    const [first, ...extra] = confirmed;
    if (first) {
      const filterPolicy = !sameJson(first.filterPolicy, filterPolicyFor(address));
      const redrivePolicy = !sameJson(first.redrivePolicy, redrivePolicyFor(deadLetterQueueArn));
      if (filterPolicy || redrivePolicy)
        plan.repair.push({ arn: first.arn, endpoint: address, filterPolicy, redrivePolicy });
      else plan.keep.push(address);
      // The same mailbox subscribed twice would get every message twice.
      for (const s of extra) plan.unsubscribe.push({ arn: s.arn, endpoint: address });
    } else if (subs.length > 0) {
      plan.pending.push(address);
    } else {
      plan.subscribe.push(address);
    }
  }
  for (const [address, subs] of [...byEndpoint].sort(([a], [b]) => a.localeCompare(b))) {
    if (wantedSet.has(address)) continue;
    // A pending subscription cannot be removed through the API; SNS expires it.
    for (const s of subs) if (s.arn !== PENDING) plan.unsubscribe.push({ arn: s.arn, endpoint: address });
  }
  return plan;
}

export interface SyncTarget {
  topicArn: string;
  deadLetterQueueArn: string;
}

export interface SyncReport {
  subscribed: string[];
  repaired: string[];
  unsubscribed: string[];
  pending: string[];
  kept: number;
  errors: { endpoint: string; action: string; error: string }[];
}

async function listSubscriptions(client: SNSClient, topicArn: string): Promise<ExistingSubscription[]> {
  const out: ExistingSubscription[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(next ? { NextToken: next } : {}) }),
    );
    for (const s of page.Subscriptions ?? []) {
      // `Deleted`: an unsubscribe still in progress, gone for our purposes.
      if (!s.SubscriptionArn || !s.Endpoint || !s.Protocol || s.SubscriptionArn === 'Deleted') continue;
      out.push({ arn: s.SubscriptionArn, protocol: s.Protocol, endpoint: s.Endpoint });
    }
    next = page.NextToken;
  } while (next);
  for (const s of out) {
    if (s.protocol !== MANAGED_PROTOCOL || s.arn === PENDING) continue;
    const attrs = await client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.arn }));
    const a = attrs.Attributes ?? {};
    if (a.FilterPolicy) s.filterPolicy = a.FilterPolicy;
    if (a.RedrivePolicy) s.redrivePolicy = a.RedrivePolicy;
  }
  return out;
}

/**
 * Brings the topic's e-mail subscriptions in line with the configuration. Each action is tried on
 * its own: one refused address (a typo, the filter-policy quota) does not stop the others; the
 * errors come back in the report for the caller to raise.
 */
export async function syncEmailSubscriptions(
  client: SNSClient,
  target: SyncTarget,
  config: ConfigSnapshot,
): Promise<SyncReport> {
  const existing = await listSubscriptions(client, target.topicArn);
  const plan = planSubscriptions(wantedMailboxes(config).keys(), existing, target.deadLetterQueueArn);
  const report: SyncReport = {
    subscribed: [],
    repaired: [],
    unsubscribed: [],
    pending: plan.pending,
    kept: plan.keep.length,
    errors: [],
  };
  const attempt = async (endpoint: string, action: string, run: () => Promise<unknown>, done: string[]) => {
    try {
      await run();
      done.push(endpoint);
    } catch (err) {
      report.errors.push({ endpoint, action, error: (err as Error).name || String(err) });
    }
  };
  for (const endpoint of plan.subscribe) {
    await attempt(
      endpoint,
      'subscribe',
      () =>
        client.send(
          new SubscribeCommand({
            TopicArn: target.topicArn,
            Protocol: MANAGED_PROTOCOL,
            Endpoint: endpoint,
            Attributes: {
              FilterPolicyScope: 'MessageAttributes',
              FilterPolicy: filterPolicyFor(endpoint),
              RedrivePolicy: redrivePolicyFor(target.deadLetterQueueArn),
            },
            ReturnSubscriptionArn: true,
          }),
        ),
      report.subscribed,
    );
  }
  for (const r of plan.repair) {
    await attempt(
      r.endpoint,
      'repair',
      async () => {
        if (r.filterPolicy) {
          await client.send(
            new SetSubscriptionAttributesCommand({
              SubscriptionArn: r.arn,
              AttributeName: 'FilterPolicy',
              AttributeValue: filterPolicyFor(r.endpoint),
            }),
          );
        }
        if (r.redrivePolicy) {
          await client.send(
            new SetSubscriptionAttributesCommand({
              SubscriptionArn: r.arn,
              AttributeName: 'RedrivePolicy',
              AttributeValue: redrivePolicyFor(target.deadLetterQueueArn),
            }),
          );
        }
      },
      report.repaired,
    );
  }
  for (const u of plan.unsubscribe) {
    await attempt(
      u.endpoint,
      'unsubscribe',
      () => client.send(new UnsubscribeCommand({ SubscriptionArn: u.arn })),
      report.unsubscribed,
    );
  }
  return report;
}
