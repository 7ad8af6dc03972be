/**
 * Alibaba Cloud SMS (Dysmsapi 2017-05-25 SendSms): the message goes as the registered template code
 * with its parameters (JSON) and the approved signature; the answer's BizId names it in delivery
 * receipts (SmsReport, see functions/api/receipts.ts). One signed HTTPS call, as the official SDK
 * makes it (RPC style: POST to `/`, parameters in the query string, empty body, action and version
 * in x-acs-* headers), signed with ACS3-HMAC-SHA256 (Alibaba Cloud's V3 signature). Signing it here
 * instead of through the SDK keeps over a megabyte of SDK, lodash, moment, XML and proxy code out
 * of the sender's bundle.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { MessageMeta, Notifier, OutboundMessage, SendResult } from '../ports';
import { channelError, mainlandNumber } from './channel-errors';
import { signedPost } from './signed-post';

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  /** Default `dysmsapi.aliyuncs.com`; tests point it at a local server (with protocol `http`). */
  endpoint?: string;
  protocol?: 'https' | 'http';
  /** ms for the whole call (default 5 s; the SDK's 10 s is too long for a sender that paces a queue). */
  readTimeout?: number;
}

/** SendSms answer codes (Code) and what the sender should do with them. */
const REFUSED = [
  'isv.MOBILE_NUMBER_ILLEGAL',
  'isv.MOBILE_COUNT_OVER_LIMIT',
  'isv.BLACK_KEY_CONTROL_LIMIT',
  'isv.DENY_IP_RANGE',
];
const TEMPLATE = [
  'isv.SMS_TEMPLATE_ILLEGAL',
  'isv.SMS_SIGNATURE_ILLEGAL',
  'isv.TEMPLATE_MISSING_PARAMETERS',
  'isv.INVALID_PARAMETERS',
  'isv.PARAM_LENGTH_LIMIT',
  'isv.PARAM_NOT_SUPPORT_URL',
  'isv.INVALID_JSON_PARAM',
  'isv.SMS_CONTENT_ILLEGAL',
];
const BUSY = [
  'isv.BUSINESS_LIMIT_CONTROL',
  'isp.SYSTEM_ERROR',
  'isp.RAM_PERMISSION_DENY',
  'Throttling.User',
  'Throttling',
];

export function aliyunError(code: string, message: string): Error {
  if (REFUSED.includes(code)) return channelError('RecipientRefused', `${code}: ${message}`);
  if (TEMPLATE.includes(code)) return channelError('TemplateParamRejected', `${code}: ${message}`);
  if (BUSY.includes(code) || code.startsWith('isp.') || code.startsWith('Throttling'))
    return channelError('ChannelBusy', `${code}: ${message}`);
  return channelError('ChannelMisconfigured', `${code}: ${message}`);
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/** RFC 3986 percent-encoding, as the V3 signature wants it: space %20, `*` %2A, `~` kept. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface Acs3Request {
  method: 'POST' | 'GET';
  /** Host as sent in the Host header (with a port when not the default). */
  host: string;
  action: string;
  version: string;
  query: Record<string, string>;
  body: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** `YYYY-MM-DDThh:mm:ssZ` (UTC, no fraction). */
  date: string;
  /** Unique per request: the gateway refuses a nonce it has seen (replay protection). */
  nonce: string;
}

export interface Acs3Signed {
  /** Sorted, RFC 3986-encoded: both the signed query and the one the URL carries. */
  query: string;
  canonicalRequest: string;
  /** Every header to send, Authorization included (the signature covers all but Authorization). */
  headers: Record<string, string>;
}

/**
 * ACS3-HMAC-SHA256: canonical request = method, path `/` (RPC), sorted encoded query, the signed
 * headers (host and every x-acs-*, lower case, sorted, `name:value\n`; no content-type, which a
 * call with a body would have to sign too: RPC calls here send none), their names joined by `;`,
 * and the hex SHA-256 of the body; the signature is hex HMAC-SHA256(secret, `ACS3-HMAC-SHA256\n` +
 * hex SHA-256 of the canonical request).
 */
export function acs3Sign(r: Acs3Request): Acs3Signed {
  const query = Object.keys(r.query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(r.query[k] ?? '')}`)
    .join('&');
  const signed: Record<string, string> = {
    host: r.host,
    'x-acs-action': r.action,
    'x-acs-content-sha256': sha256(r.body),
    'x-acs-date': r.date,
    'x-acs-signature-nonce': r.nonce,
    'x-acs-version': r.version,
  };
  const names = Object.keys(signed).sort();
  const canonicalRequest = [
    r.method,
    '/',
    query,
    names.map((n) => `${n}:${(signed[n] ?? '').trim()}\n`).join(''),
    names.join(';'),
    signed['x-acs-content-sha256'],
  ].join('\n');
  const signature = createHmac('sha256', r.accessKeySecret)
    .update(`ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`, 'utf8')
    .digest('hex');
  return {
    query,
    canonicalRequest,
    headers: {
      ...signed,
      accept: 'application/json',
      authorization: `ACS3-HMAC-SHA256 Credential=${r.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`,
    },
  };
}

type Answer = { Code?: string; Message?: string; BizId?: string; RequestId?: string };

export class AliyunSms implements Notifier {
  constructor(private readonly config: AliyunSmsConfig) {}

  async send(m: OutboundMessage, meta: MessageMeta): Promise<SendResult> {
    if (m.channel !== 'sms' || !m.template)
      throw channelError('ChannelMisconfigured', 'Alibaba Cloud SMS sends registered templates only');
    const host = this.config.endpoint ?? 'dysmsapi.aliyuncs.com';
    const call = acs3Sign({
      method: 'POST',
      host,
      action: 'SendSms',
      version: '2017-05-25',
      query: {
        PhoneNumbers: mainlandNumber(m.to),
        SignName: m.template.signName,
        TemplateCode: m.template.code,
        TemplateParam: JSON.stringify(m.template.params),
        ...(meta.notificationId ? { OutId: meta.notificationId.slice(0, 64) } : {}),
      },
      body: '',
      accessKeyId: this.config.accessKeyId,
      accessKeySecret: this.config.accessKeySecret,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      nonce: randomBytes(16).toString('hex'),
    });
    let status: number;
    let text: string;
    try {
      ({ status, body: text } = await signedPost(
        new URL(`${this.config.protocol ?? 'https'}://${host}/?${call.query}`),
        {
          headers: call.headers,
          body: '',
          timeout: this.config.readTimeout ?? 5_000,
          connectTimeout: 3_000,
        },
      ));
    } catch (err) {
      throw channelError('ChannelBusy', `Alibaba Cloud SMS did not answer: ${(err as Error).message}`);
    }
    let answer: Answer | undefined;
    try {
      answer = JSON.parse(text) as Answer;
    } catch {
      answer = undefined;
    }
    // A 5xx, a 429 or a 2xx that is not the gateway's JSON (a proxy's page) says nothing about the
    // message itself: try again later. Any other refusal carries the gateway's Code, mapped above.
    if (status >= 500 || status === 429 || (!answer && status < 400))
      throw channelError('ChannelBusy', `Alibaba Cloud SMS answered HTTP ${status}`);
    const why = `${answer?.Message ?? `HTTP ${status}`}${answer?.RequestId ? ` (request ${answer.RequestId})` : ''}`;
    if (status >= 400 || answer?.Code !== 'OK') throw aliyunError(answer?.Code ?? 'Unknown', why);
    return { ...(answer.BizId ? { providerMessageId: answer.BizId } : {}), segments: 1 };
  }
}
