/**
 * Alibaba Cloud SMS (Dysmsapi 2017-05-25 SendSms) through the official SDK: the message goes as the
 * registered template code with its parameters (JSON) and the approved signature; the answer's
 * BizId names it in delivery receipts (SmsReport, see functions/api/receipts.ts). The SDK signs
 * every call (ACS3-HMAC-SHA256). It is loaded on first use, so bundles that never send through
 * Alibaba Cloud never load it.
 */
import type { MessageMeta, Notifier, OutboundMessage, SendResult } from '../ports';
import { channelError, mainlandNumber } from './channel-errors';

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  /** Default `dysmsapi.aliyuncs.com`; tests point it at a local server (with protocol `http`). */
  endpoint?: string;
  protocol?: 'https' | 'http';
  /** ms; the SDK's own default is 10 s, too long for a sender that paces a queue. */
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

type SmsClient = {
  sendSms(req: unknown): Promise<{ body?: { code?: string; message?: string; bizId?: string } }>;
};
type SdkModule = { default: unknown; SendSmsRequest: new (o: Record<string, unknown>) => unknown };

export class AliyunSms implements Notifier {
  private client?: Promise<{ client: SmsClient; Request: SdkModule['SendSmsRequest'] }>;

  constructor(private readonly config: AliyunSmsConfig) {}

  private load() {
    this.client ??= (async () => {
      const sdk = (await import('@alicloud/dysmsapi20170525')) as unknown as SdkModule & {
        default: SdkModule;
      };
      const core = (await import('@alicloud/openapi-core')) as unknown as {
        $OpenApiUtil: { Config: new (o: Record<string, unknown>) => unknown };
      };
      const mod = (sdk.default?.SendSmsRequest ? sdk.default : sdk) as SdkModule;
      const Client = ((mod.default as { default?: unknown }).default ?? mod.default) as new (
        c: unknown,
      ) => SmsClient;
      const config = new core.$OpenApiUtil.Config({
        accessKeyId: this.config.accessKeyId,
        accessKeySecret: this.config.accessKeySecret,
        endpoint: this.config.endpoint ?? 'dysmsapi.aliyuncs.com',
        protocol: this.config.protocol ?? 'https',
        readTimeout: this.config.readTimeout ?? 5_000,
        connectTimeout: 3_000,
      });
      return { client: new Client(config), Request: mod.SendSmsRequest };
    })();
    return this.client;
  }

  async send(m: OutboundMessage, meta: MessageMeta): Promise<SendResult> {
    if (m.channel !== 'sms' || !m.template)
      throw channelError('ChannelMisconfigured', 'Alibaba Cloud SMS sends registered templates only');
    const { client, Request } = await this.load();
    let answer: Awaited<ReturnType<SmsClient['sendSms']>>;
    try {
      answer = await client.sendSms(
        new Request({
          phoneNumbers: mainlandNumber(m.to),
          signName: m.template.signName,
          templateCode: m.template.code,
          templateParam: JSON.stringify(m.template.params),
          ...(meta.notificationId ? { outId: meta.notificationId.slice(0, 64) } : {}),
        }),
      );
    } catch (err) {
      const e = err as {
        code?: string;
        statusCode?: number;
        data?: { statusCode?: number };
        message?: string;
      };
      const status = e.statusCode ?? e.data?.statusCode;
      if (!e.code || (status !== undefined && status >= 500))
        throw channelError('ChannelBusy', e.message ?? 'Alibaba Cloud SMS did not answer');
      throw aliyunError(e.code, e.message ?? '');
    }
    const body = answer.body ?? {};
    if (body.code !== 'OK') throw aliyunError(body.code ?? 'Unknown', body.message ?? '');
    return { ...(body.bizId ? { providerMessageId: body.bizId } : {}), segments: 1 };
  }
}
