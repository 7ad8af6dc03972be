/**
 * Tencent Cloud SMS (SendSms, API 2021-01-11) through the official SDK (TC3-HMAC-SHA256 signing):
 * the registered template id with its parameters in `{1}..{n}` order and the approved signature.
 * The answer's SerialNo names the message in status callbacks (functions/api/receipts.ts). Loaded
 * on first use, so bundles that never send through Tencent Cloud never load it.
 */
import type { Agent } from 'node:http';
import type { MessageMeta, Notifier, OutboundMessage, SendResult } from '../ports';
import { channelError } from './channel-errors';

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
  /** Seconds. */
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

type SmsClient = {
  SendSms(req: Record<string, unknown>): Promise<{
    SendStatusSet?: { SerialNo?: string; Code?: string; Message?: string; Fee?: number }[];
  }>;
};

export class TencentSms implements Notifier {
  private client?: Promise<SmsClient>;

  constructor(private readonly config: TencentSmsConfig) {}

  private load(): Promise<SmsClient> {
    this.client ??= (async () => {
      const mod = (await import('tencentcloud-sdk-nodejs-sms')) as unknown as {
        sms?: { v20210111: { Client: new (c: unknown) => SmsClient } };
        default?: { sms: { v20210111: { Client: new (c: unknown) => SmsClient } } };
      };
      const sms = mod.sms ?? mod.default?.sms;
      if (!sms) throw new Error('tencentcloud-sdk-nodejs-sms has no sms client');
      return new sms.v20210111.Client({
        credential: { secretId: this.config.secretId, secretKey: this.config.secretKey },
        region: this.config.region ?? 'ap-guangzhou',
        profile: {
          httpProfile: {
            endpoint: this.config.endpoint ?? 'sms.tencentcloudapi.com',
            protocol: this.config.protocol ?? 'https://',
            reqTimeout: this.config.timeout ?? 5,
            ...(this.config.agent ? { agent: this.config.agent } : {}),
          },
        },
      });
    })();
    return this.client;
  }

  async send(m: OutboundMessage, meta: MessageMeta): Promise<SendResult> {
    if (m.channel !== 'sms' || !m.template?.order)
      throw channelError('ChannelMisconfigured', 'Tencent Cloud SMS sends registered templates only');
    const client = await this.load();
    let answer: Awaited<ReturnType<SmsClient['SendSms']>>;
    try {
      answer = await client.SendSms({
        PhoneNumberSet: [m.to],
        SmsSdkAppId: this.config.sdkAppId,
        SignName: m.template.signName,
        TemplateId: m.template.code,
        TemplateParamSet: m.template.order,
        ...(meta.notificationId ? { SessionContext: meta.notificationId.slice(0, 512) } : {}),
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (!e.code) throw channelError('ChannelBusy', e.message ?? 'Tencent Cloud SMS did not answer');
      throw tencentError(e.code, e.message ?? '');
    }
    const status = answer.SendStatusSet?.[0];
    if (!status || status.Code !== 'Ok')
      throw tencentError(status?.Code ?? 'Unknown', status?.Message ?? 'no status');
    return { ...(status.SerialNo ? { providerMessageId: status.SerialNo } : {}), segments: status.Fee ?? 1 };
  }
}
