/**
 * Local stand-ins for the providers, implementing their documented requests, signatures and
 * answers, so the adapters can be tested offline: the server verifies each signature an adapter
 * made and renders the registered template the way the gateway would (that rendering is what a unit
 * reads, and must equal the text the record shows).
 *
 * - Alibaba Cloud Dysmsapi SendSms (RPC, ACS3-HMAC-SHA256: canonical request of method, path,
 *   sorted query, the x-acs-*, host and content-type headers, and the payload hash)
 * - Tencent Cloud SMS SendSms (TC3-HMAC-SHA256 over content-type and host, keyed by date/service)
 * - WeCom group robot (webhook key in the URL) and DingTalk robot (加签: HMAC-SHA256 of
 *   `timestamp\nsecret`, base64, within an hour)
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { SmsTemplate } from '../../shared/domain/model';

export interface SentSms {
  provider: 'aliyun' | 'tencent';
  phone: string;
  templateCode: string;
  params: Record<string, string> | string[];
  /** 【signature】 + the registered text filled in, as the handset shows it. */
  rendered: string;
  id: string;
}
export interface GroupPost {
  provider: 'wecom' | 'dingtalk';
  robot: string;
  body: {
    msgtype: string;
    text: { content: string; mentioned_mobile_list?: string[] };
    at?: { atMobiles: string[] };
  };
}

export interface ProviderOptions {
  aliyun?: { accessKeyId: string; accessKeySecret: string; signName: string; templates: SmsTemplate[] };
  tencent?: {
    secretId: string;
    secretKey: string;
    sdkAppId: string;
    signName: string;
    templates: SmsTemplate[];
  };
  wecom?: Record<string, string>;
  dingtalk?: Record<string, { accessToken: string; secret: string }>;
}

export interface ProviderServers {
  url: string;
  port: number;
  /** Reaches this server whatever host the client names (the Tencent adapter signs its real host). */
  agent: Agent;
  sms: SentSms[];
  groups: GroupPost[];
  /** Requests refused for a bad signature or key, by provider. */
  refusedAuth: string[];
  /** Phone → gateway code to answer instead of OK (`isv.MOBILE_NUMBER_ILLEGAL`, ...). */
  refusePhone: Map<string, string>;
  close(): Promise<void>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function fill(
  provider: 'aliyun' | 'tencent',
  t: SmsTemplate,
  params: Record<string, string> | string[],
): string {
  return provider === 'aliyun'
    ? t.text.replace(
        /\$\{(\w+)\}/g,
        (_, n: string) => (params as Record<string, string>)[n] ?? `<missing ${n}>`,
      )
    : t.text.replace(/\{(\d+)\}/g, (_, n: string) => (params as string[])[Number(n) - 1] ?? `<missing ${n}>`);
}

/** ACS3-HMAC-SHA256 as Alibaba Cloud documents it (V3 signature). */
function aliyunSignatureOk(
  req: IncomingMessage,
  url: URL,
  payload: Buffer,
  id: string,
  secret: string,
): boolean {
  const auth = String(req.headers.authorization ?? '');
  const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(auth);
  if (!m || m[1] !== id) return false;
  const signed = (m[2] as string).split(';');
  if (!signed.includes('host') || !signed.includes('x-acs-date') || !signed.includes('x-acs-content-sha256'))
    return false;
  const hashed = sha256(payload);
  if (req.headers['x-acs-content-sha256'] !== hashed) return false;
  const query = [...url.searchParams.keys()]
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(url.searchParams.get(k) ?? '')}`)
    .join('&');
  const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
  const canonical = [req.method, url.pathname, query, headers, signed.join(';'), hashed].join('\n');
  const expected = hmac(secret, `ACS3-HMAC-SHA256\n${sha256(canonical)}`).toString('hex');
  return expected === m[3];
}

/** TC3-HMAC-SHA256 as Tencent Cloud documents it (API 3.0 signature v3). */
function tencentSignatureOk(req: IncomingMessage, payload: Buffer, id: string, key: string): boolean {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/(\w+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(
      auth,
    );
  if (!m || m[1] !== id || m[3] !== 'sms') return false;
  const timestamp = Number(req.headers['x-tc-timestamp']);
  if (Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  if (date !== m[2]) return false;
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  const canonical = [
    'POST',
    '/',
    '',
    `content-type:${req.headers['content-type']}\nhost:${host}\n`,
    m[4],
    sha256(payload),
  ].join('\n');
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/sms/tc3_request\n${sha256(canonical)}`;
  const kSigning = hmac(hmac(hmac(`TC3${key}`, date), 'sms'), 'tc3_request');
  return hmac(kSigning, toSign).toString('hex') === m[5];
}

export async function startProviderServers(o: ProviderOptions): Promise<ProviderServers> {
  const sms: SentSms[] = [];
  const groups: GroupPost[] = [];
  const refusedAuth: string[] = [];
  const refusePhone = new Map<string, string>();
  let seq = 0;

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const payload = await body(req);
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(value));
    };
    // Alibaba Cloud: RPC action in the headers, parameters in the query string.
    if (req.headers['x-acs-action'] === 'SendSms' && o.aliyun) {
      const a = o.aliyun;
      const requestId = randomUUID();
      if (!aliyunSignatureOk(req, url, payload, a.accessKeyId, a.accessKeySecret)) {
        refusedAuth.push('aliyun');
        return reply(400, {
          Code: 'SignatureDoesNotMatch',
          Message: 'signature mismatch',
          RequestId: requestId,
        });
      }
      const q = url.searchParams;
      const phone = q.get('PhoneNumbers') ?? '';
      const refused = refusePhone.get(phone);
      if (refused) return reply(200, { Code: refused, Message: '号码不可用', RequestId: requestId });
      const t = a.templates.find((x) => x.code === q.get('TemplateCode'));
      if (!t || q.get('SignName') !== a.signName)
        return reply(200, { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '模板不合法', RequestId: requestId });
      const params = JSON.parse(q.get('TemplateParam') ?? '{}') as Record<string, string>;
      if (Object.values(params).some((v) => [...v].length > 35 || /https?:\/\//.test(v)))
        return reply(200, {
          Code: 'isv.PARAM_LENGTH_LIMIT',
          Message: '参数超出长度限制',
          RequestId: requestId,
        });
      seq += 1;
      const id = `${900000 + seq}^0`;
      sms.push({
        provider: 'aliyun',
        phone,
        templateCode: t.code,
        params,
        rendered: `【${a.signName}】${fill('aliyun', t, params)}`,
        id,
      });
      return reply(200, { Code: 'OK', Message: 'OK', BizId: id, RequestId: requestId });
    }
    // Tencent Cloud: JSON body, action in X-TC-Action.
    if (req.headers['x-tc-action'] === 'SendSms' && o.tencent) {
      const t0 = o.tencent;
      const requestId = randomUUID();
      if (!tencentSignatureOk(req, payload, t0.secretId, t0.secretKey)) {
        refusedAuth.push('tencent');
        return reply(200, {
          Response: {
            Error: { Code: 'AuthFailure.SignatureFailure', Message: 'signature mismatch' },
            RequestId: requestId,
          },
        });
      }
      const b = JSON.parse(payload.toString('utf8')) as {
        PhoneNumberSet: string[];
        SmsSdkAppId: string;
        SignName: string;
        TemplateId: string;
        TemplateParamSet?: string[];
      };
      const phone = b.PhoneNumberSet[0] ?? '';
      const t = t0.templates.find((x) => x.code === b.TemplateId);
      const status = (Code: string, Message: string, SerialNo = '') => ({
        Response: {
          SendStatusSet: [
            { SerialNo, PhoneNumber: phone, Fee: 1, SessionContext: '', Code, Message, IsoCode: 'CN' },
          ],
          RequestId: requestId,
        },
      });
      const refused = refusePhone.get(phone);
      if (refused) return reply(200, status(refused, 'refused'));
      if (!t || b.SignName !== t0.signName || b.SmsSdkAppId !== t0.sdkAppId)
        return reply(200, status('FailedOperation.TemplateIncorrectOrUnapproved', 'template not approved'));
      seq += 1;
      const id = `2019:${100000 + seq}`;
      const params = b.TemplateParamSet ?? [];
      sms.push({
        provider: 'tencent',
        phone,
        templateCode: t.code,
        params,
        rendered: `【${t0.signName}】${fill('tencent', t, params)}`,
        id,
      });
      return reply(200, status('Ok', 'send success', id));
    }
    if (url.pathname === '/cgi-bin/webhook/send' && o.wecom) {
      const robot = Object.entries(o.wecom).find(([, key]) => key === url.searchParams.get('key'))?.[0];
      if (!robot) {
        refusedAuth.push('wecom');
        return reply(200, { errcode: 93000, errmsg: 'invalid webhook url' });
      }
      groups.push({ provider: 'wecom', robot, body: JSON.parse(payload.toString('utf8')) });
      return reply(200, { errcode: 0, errmsg: 'ok' });
    }
    if (url.pathname === '/robot/send' && o.dingtalk) {
      const entry = Object.entries(o.dingtalk).find(
        ([, r]) => r.accessToken === url.searchParams.get('access_token'),
      );
      const timestamp = Number(url.searchParams.get('timestamp'));
      const sign = url.searchParams.get('sign') ?? '';
      const expected = entry
        ? hmac(entry[1].secret, `${timestamp}\n${entry[1].secret}`).toString('base64')
        : '';
      if (!entry || sign !== expected || Math.abs(Date.now() - timestamp) > 3_600_000) {
        refusedAuth.push('dingtalk');
        return reply(200, { errcode: 310000, errmsg: 'sign not match' });
      }
      groups.push({ provider: 'dingtalk', robot: entry[0], body: JSON.parse(payload.toString('utf8')) });
      return reply(200, { errcode: 0, errmsg: 'ok' });
    }
    reply(404, { error: `no provider at ${url.pathname}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  class LoopbackAgent extends Agent {
    // Returning the socket is enough: the agent then calls its own callback with it.
    override createConnection() {
      return connect(port, '127.0.0.1');
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    agent: new LoopbackAgent() as Agent,
    sms,
    groups,
    refusedAuth,
    refusePhone,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
