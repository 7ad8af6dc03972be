/**
 * The notifier the sender uses: each message goes to the adapter of its provider (SNS, Alibaba or
 * Tencent SMS, a WeCom or DingTalk robot). The deployment's channel credentials (one JSON secret,
 * `channelCredentialsSchema`) say which adapters exist; a message whose provider has none is
 * refused as misconfigured, which falls back to the recipient's next channel.
 */

import type { MessageMeta, MessageProvider, Notifier, OutboundMessage, SendResult } from '../ports';
import * as z from '../zod';
import { AliyunSms } from './aliyun-sms';
import { channelError } from './channel-errors';
import { DingtalkRobots, WecomRobots } from './group-robots';
import { TencentSms } from './tencent-sms';

const endpoint = z.string().check(z.regex(/^[a-z0-9.-]+(:\d+)?$/, 'a host name, optionally with a port'));

/** What the channel secret holds (Secrets Manager on AWS, a file in the embedded runtime). */
export const channelCredentialsSchema = z.strictObject({
  aliyun: z.optional(
    z.strictObject({
      accessKeyId: z.string().check(z.minLength(1)),
      accessKeySecret: z.string().check(z.minLength(1)),
      endpoint: z.optional(endpoint),
      protocol: z.optional(z.enum(['https', 'http'])),
    }),
  ),
  tencent: z.optional(
    z.strictObject({
      secretId: z.string().check(z.minLength(1)),
      secretKey: z.string().check(z.minLength(1)),
      sdkAppId: z.string().check(z.minLength(1)),
      region: z.optional(z.string().check(z.minLength(1))),
      endpoint: z.optional(endpoint),
      protocol: z.optional(z.enum(['https://', 'http://'])),
    }),
  ),
  wecom: z.optional(
    z.strictObject({
      base: z.optional(z.url()),
      robots: z.record(z.string(), z.strictObject({ key: z.string().check(z.minLength(1)) })),
    }),
  ),
  dingtalk: z.optional(
    z.strictObject({
      base: z.optional(z.url()),
      robots: z.record(
        z.string(),
        z.strictObject({
          accessToken: z.string().check(z.minLength(1)),
          secret: z.optional(z.string().check(z.minLength(1))),
        }),
      ),
    }),
  ),
});
export type ChannelCredentials = z.infer<typeof channelCredentialsSchema>;

export function parseChannelCredentials(raw: unknown): ChannelCredentials {
  const parsed = channelCredentialsSchema.safeParse(raw);
  if (!parsed.success) {
    // Never echo the values: only which field is wrong.
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid channel credentials: ${fields}`);
  }
  return parsed.data;
}

export class ChannelRouter implements Notifier {
  constructor(private readonly adapters: Partial<Record<MessageProvider, Notifier>>) {}

  /** Adapters for every provider the credentials name, plus SNS (or the printed outbox) for the rest. */
  static fromCredentials(credentials: ChannelCredentials, sns: Notifier): ChannelRouter {
    return new ChannelRouter({
      sns,
      ...(credentials.aliyun ? { aliyun: new AliyunSms(credentials.aliyun) } : {}),
      ...(credentials.tencent ? { tencent: new TencentSms(credentials.tencent) } : {}),
      ...(credentials.wecom
        ? { wecom: new WecomRobots(credentials.wecom.robots, credentials.wecom.base) }
        : {}),
      ...(credentials.dingtalk
        ? { dingtalk: new DingtalkRobots(credentials.dingtalk.robots, credentials.dingtalk.base) }
        : {}),
    });
  }

  /** Which providers have an adapter (the channel view shows the rest as not configured). */
  providers(): MessageProvider[] {
    return Object.keys(this.adapters) as MessageProvider[];
  }

  async send(m: OutboundMessage, meta: MessageMeta): Promise<void | SendResult> {
    const provider = m.provider ?? 'sns';
    const adapter = this.adapters[provider];
    if (!adapter)
      throw channelError('ChannelMisconfigured', `no ${provider} channel is configured in this deployment`);
    return adapter.send(m, meta);
  }
}
