/**
 * Tencent Cloud SMS (SendSms, API 2021-01-11): the registered template id with its parameters in
 * `{1}..{n}` order and the approved signature. The answer's SerialNo names the message in status
 * callbacks (functions/api/receipts.ts). One signed HTTPS call, as the official SDK makes it (POST
 * of a JSON body to `/`, action, version, timestamp and region in X-TC-* headers), signed with
 * TC3-HMAC-SHA256 (API 3.0 signature v3). Signing it here instead of through the SDK keeps its
 * HTTP stack (node-fetch, whatwg-url, tr46, proxy agents) out of the sender's bundle.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Agent } from 'node:http';
import type { MessageMeta, Notifier, OutboundMessage, SendResult } from '../ports';
import { channelError } from './channel-errors';
import { signedPost } from './signed-post';

export interface TencentSmsConfig {
  secretId: string;
  secretKey: string;
  /** The SMS application (SmsSdkAppId) the signature and templates belong to. */
  sdkAppId: string;
  region?: string;
  /** Default `sms.tencentcloudapi.com` over https; tests pass an agent that reaches a local server. */
  endpoint?: string;
  protocol?: 'https://' | 'http://';
  agent?: Agent;
  /** Seconds for the whole call (default 5). */
  timeout?: number;
}

/** Per-number result codes of SendStatusSet (`Ok` is success) and API error codes. */
export function tencentError(code: string, message: string): Error {
  const text = `${code}: ${message}`;
  if (
    /IncorrectPhoneNumber|PhoneNumberInBlacklist|PhoneNumberDailyLimit|PhoneNumberOneHourLimit|PhoneNumberThirtySecondLimit|PhoneNumberParseFail|UnsupportedOperation\.(ContainDomesticAndInternational|UnsupportedRegion)/.test(
      code,
    )
  )
    return channelError('RecipientRefused', text);
  if (/Template|Parameter|Sign|ContentLength|ContainsUrl/.test(code) && !/AuthFailure/.test(code))
    return channelError('TemplateParamRejected', text);
  if (/^InternalError|RequestLimitExceeded|LimitExceeded\.AppCountryOrRegion/.test(code))
    return channelError('ChannelBusy', text);
  return channelError('ChannelMisconfigured', text);
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export interface Tc3Request {
  /** Host name without port: what the canonical `host:` header holds. */
  host: string;
  /** The product: `sms` (the first label of its API host). */
  service: string;
  action: string;
  version: string;
  region?: string;
  /** Unix seconds; its UTC date is the credential scope's date. */
  timestamp: number;
  payload: string;
  contentType: string;
  secretId: string;
  secretKey: string;
}

export interface Tc3Signed {
  canonicalRequest: string;
  stringToSign: string;
  /** Every header to send but Host (the transport sets it from the URL), Authorization included. */
  headers: Record<string, string>;
}

/**
 * TC3-HMAC-SHA256: canonical request = `POST`, `/`, empty query, `content-type:…\nhost:…\n`,
 * `content-type;host`, hex SHA-256 of the body; string to sign = algorithm, timestamp,
 * `date/service/tc3_request`, hex SHA-256 of the canonical request; the key is derived
 * HMAC(HMAC(HMAC("TC3" + key, date), service), "tc3_request"). The date is UTC: a local date fails
 * for the hours around midnight.
 */
export function tc3Sign(r: Tc3Request): Tc3Signed {
  const date = new Date(r.timestamp * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${r.service}/tc3_request`;
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${r.contentType}\nhost:${r.host}\n`,
    'content-type;host',
    sha256(r.payload),
  ].join('\n');
  const stringToSign = `TC3-HMAC-SHA256\n${r.timestamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const key = hmac(hmac(hmac(`TC3${r.secretKey}`, date), r.service), 'tc3_request');
  const signature = hmac(key, stringToSign).toString('hex');
  return {
    canonicalRequest,
    stringToSign,
    headers: {
      'content-type': r.contentType,
      'x-tc-action': r.action,
      'x-tc-version': r.version,
      'x-tc-timestamp': String(r.timestamp),
      ...(r.region ? { 'x-tc-region': r.region } : {}),
      authorization: `TC3-HMAC-SHA256 Credential=${r.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
    },
  };
}

type Answer = {
  Response?: {
    Error?: { Code?: string; Message?: string };
    SendStatusSet?: { SerialNo?: string; Code?: string; Message?: string; Fee?: number }[];
    RequestId?: string;
  };
};

export class TencentSms implements Notifier {
  constructor(private readonly config: TencentSmsConfig) {}

  async send(m: OutboundMessage, meta: MessageMeta): Promise<SendResult> {
    if (m.channel !== 'sms' || !m.template?.order)
      throw channelError('ChannelMisconfigured', 'Tencent Cloud SMS sends registered templates only');
    const url = new URL(
      `${this.config.protocol ?? 'https://'}${this.config.endpoint ?? 'sms.tencentcloudapi.com'}/`,
    );
    const payload = JSON.stringify({
      PhoneNumberSet: [m.to],
      SmsSdkAppId: this.config.sdkAppId,
      SignName: m.template.signName,
      TemplateId: m.template.code,
      TemplateParamSet: m.template.order,
      ...(meta.notificationId ? { SessionContext: meta.notificationId.slice(0, 512) } : {}),
    });
    const call = tc3Sign({
      host: url.hostname,
      service: 'sms',
      action: 'SendSms',
      version: '2021-01-11',
      region: this.config.region ?? 'ap-guangzhou',
      timestamp: Math.floor(Date.now() / 1000),
      payload,
      contentType: 'application/json; charset=utf-8',
      secretId: this.config.secretId,
      secretKey: this.config.secretKey,
    });
    let status: number;
    let text: string;
    try {
      ({ status, body: text } = await signedPost(url, {
        headers: call.headers,
        body: payload,
        timeout: (this.config.timeout ?? 5) * 1000,
        ...(this.config.agent ? { agent: this.config.agent } : {}),
      }));
    } catch (err) {
      throw channelError('ChannelBusy', `Tencent Cloud SMS did not answer: ${(err as Error).message}`);
    }
    // API 3.0 answers 200 for every API error (Response.Error); anything else is the way there.
    let answer: Answer['Response'];
    try {
      answer = status === 200 ? (JSON.parse(text) as Answer).Response : undefined;
    } catch {
      answer = undefined;
    }
    if (!answer) throw channelError('ChannelBusy', `Tencent Cloud SMS answered HTTP ${status}`);
    if (answer.Error)
      throw tencentError(
        answer.Error.Code ?? 'Unknown',
        `${answer.Error.Message ?? ''}${answer.RequestId ? ` (request ${answer.RequestId})` : ''}`,
      );
    const sent = answer.SendStatusSet?.[0];
    if (sent?.Code !== 'Ok') throw tencentError(sent?.Code ?? 'Unknown', sent?.Message ?? 'no status');
    return { ...(sent.SerialNo ? { providerMessageId: sent.SerialNo } : {}), segments: sent.Fee ?? 1 };
  }
}
