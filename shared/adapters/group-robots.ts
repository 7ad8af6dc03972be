/**
 * Work-group robots: a message posted to a WeCom (企业微信) or DingTalk (钉钉) group through its
 * webhook, @mentioning the recipient's duty phone. WeCom names the group by the `key` in the webhook
 * URL (the key is the credential); DingTalk robots with 加签 also sign every call: `sign` =
 * base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), sent with the millisecond timestamp in
 * the query string. Both answer `{errcode, errmsg}` with errcode 0 on success and allow 20 messages
 * a minute per robot (the sender's bucket), banning a robot that sends more for 10 minutes.
 */
import { createHmac } from 'node:crypto';
import type { MessageMeta, Notifier, OutboundMessage, SendResult } from '../ports';
import { channelError, mainlandNumber } from './channel-errors';

export interface WecomRobotCredentials {
  /** The `key` of the webhook URL. */
  key: string;
}
export interface DingtalkRobotCredentials {
  accessToken: string;
  /** The 加签 secret (`SEC…`); robots secured by keywords or IP only have none. */
  secret?: string;
}

type Fetch = typeof fetch;

async function post(
  fetcher: Fetch,
  url: string,
  body: unknown,
  errors: (code: number, msg: string) => Error,
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw channelError('ChannelBusy', `robot webhook unreachable: ${(err as Error).message}`);
  }
  if (res.status >= 500 || res.status === 429)
    throw channelError('ChannelBusy', `robot webhook answered ${res.status}`);
  const answer = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
  if (res.status !== 200 || answer.errcode !== 0)
    throw errors(answer.errcode ?? res.status, answer.errmsg ?? `HTTP ${res.status}`);
  return {};
}

/** WeCom group robot errcodes: 45009 frequency limit; 93000 invalid webhook; 40008 bad message. */
export function wecomError(code: number, msg: string): Error {
  if (code === 45009 || code === -1) return channelError('ChannelBusy', `${code} ${msg}`);
  if (code === 40008 || code === 44004 || code === 40058)
    return channelError('TemplateParamRejected', `${code} ${msg}`);
  return channelError('ChannelMisconfigured', `${code} ${msg}`);
}

/** DingTalk robot errcodes: 130101 sending too fast; 310000 sign, keyword or IP refused; 300001 bad token. */
export function dingtalkError(code: number, msg: string): Error {
  if (code === 130101 || code === -1) return channelError('ChannelBusy', `${code} ${msg}`);
  return channelError('ChannelMisconfigured', `${code} ${msg}`);
}

export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export class WecomRobots implements Notifier {
  constructor(
    private readonly robots: Record<string, WecomRobotCredentials>,
    private readonly base = 'https://qyapi.weixin.qq.com',
    private readonly fetcher: Fetch = fetch,
  ) {}

  async send(m: OutboundMessage, _meta: MessageMeta): Promise<SendResult> {
    const robot = this.robots[m.to];
    if (!robot) throw channelError('ChannelMisconfigured', `no webhook key for WeCom robot ${m.to}`);
    const url = `${this.base}/cgi-bin/webhook/send?key=${encodeURIComponent(robot.key)}`;
    return post(
      this.fetcher,
      url,
      {
        msgtype: 'text',
        text: {
          content: m.text,
          ...(m.mention?.length ? { mentioned_mobile_list: m.mention.map(mainlandNumber) } : {}),
        },
      },
      wecomError,
    );
  }
}

export class DingtalkRobots implements Notifier {
  constructor(
    private readonly robots: Record<string, DingtalkRobotCredentials>,
    private readonly base = 'https://oapi.dingtalk.com',
    private readonly fetcher: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async send(m: OutboundMessage, _meta: MessageMeta): Promise<SendResult> {
    const robot = this.robots[m.to];
    if (!robot) throw channelError('ChannelMisconfigured', `no access token for DingTalk robot ${m.to}`);
    const query = new URLSearchParams({ access_token: robot.accessToken });
    if (robot.secret) {
      const timestamp = this.now();
      query.set('timestamp', String(timestamp));
      query.set('sign', dingtalkSign(robot.secret, timestamp));
    }
    const mentions = (m.mention ?? []).map(mainlandNumber);
    return post(
      this.fetcher,
      `${this.base}/robot/send?${query}`,
      {
        msgtype: 'text',
        // DingTalk shows an @mention only when the number also appears in the text.
        text: { content: mentions.length ? `${m.text}\n${mentions.map((p) => `@${p}`).join(' ')}` : m.text },
        at: { atMobiles: mentions, isAtAll: false },
      },
      dingtalkError,
    );
  }
}
