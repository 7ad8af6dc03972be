/**
 * The SMS adapters' own HTTP: what each sends besides the signature (verified in
 * notify-channels.test.ts), and how a gateway that fails, throttles, stalls or is unreachable maps
 * to the sender's error names (ChannelBusy is retried later, the others fall back at once).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AliyunSms } from '../../shared/adapters/aliyun-sms';
import { TencentSms } from '../../shared/adapters/tencent-sms';
import type { MessageMeta, OutboundMessage } from '../../shared/ports';

type Seen = { req: IncomingMessage; url: URL; body: string };
type Handler = (seen: Seen, reply: (status: number, body: unknown) => void) => void;

let server: Server;
let port: number;
let handler: Handler;
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const s = { req, url: new URL(req.url ?? '/', 'http://local'), body: Buffer.concat(chunks).toString() };
    seen.push(s);
    handler(s, (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const meta: MessageMeta = { ticketId: 't1', kind: 'dispatch', notificationId: 'dispatch.u-1.k' };
const sms = (order?: string[]): OutboundMessage => ({
  channel: 'sms',
  to: '+8613800000001',
  text: '【吹哨报到】工单T1',
  template: {
    code: 'SMS_1',
    signName: '吹哨报到',
    params: { code: 'T1' },
    ...(order ? { order } : {}),
  },
});
const errorOf = (p: Promise<unknown>) => p.then(() => undefined).catch((e: Error) => e);

const aliyun = (o: { readTimeout?: number; endpoint?: string } = {}) =>
  new AliyunSms({
    accessKeyId: 'id',
    accessKeySecret: 'secret',
    endpoint: o.endpoint ?? `127.0.0.1:${port}`,
    protocol: 'http',
    ...(o.readTimeout ? { readTimeout: o.readTimeout } : {}),
  });
const tencent = (o: { timeout?: number; endpoint?: string } = {}) =>
  new TencentSms({
    secretId: 'id',
    secretKey: 'key',
    sdkAppId: '1400000001',
    endpoint: o.endpoint ?? `127.0.0.1:${port}`,
    protocol: 'http://',
    ...(o.timeout ? { timeout: o.timeout } : {}),
  });

describe('Alibaba Cloud SMS over HTTP', () => {
  it('posts SendSms 2017-05-25 with the parameters in the query string and an empty body', async () => {
    seen = [];
    handler = (_, reply) => reply(200, { Code: 'OK', Message: 'OK', BizId: '123^0', RequestId: 'r' });
    expect(await aliyun().send(sms(), meta)).toEqual({ providerMessageId: '123^0', segments: 1 });
    const [{ req, url, body }] = seen as [Seen];
    expect(req.method).toBe('POST');
    expect(url.pathname).toBe('/');
    expect(body).toBe('');
    expect(req.headers).toMatchObject({ 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25' });
    expect(Object.fromEntries(url.searchParams)).toEqual({
      PhoneNumbers: '13800000001',
      SignName: '吹哨报到',
      TemplateCode: 'SMS_1',
      TemplateParam: '{"code":"T1"}',
      OutId: 'dispatch.u-1.k',
    });
  });

  it('retries later on a 5xx, a throttling refusal or a page that is not the gateway’s', async () => {
    handler = (_, reply) => reply(503, { Code: 'ServiceUnavailable', Message: 'busy' });
    expect(await errorOf(aliyun().send(sms(), meta))).toMatchObject({ name: 'ChannelBusy' });
    handler = (_, reply) => reply(400, { Code: 'Throttling.User', Message: 'slow down' });
    expect(await errorOf(aliyun().send(sms(), meta))).toMatchObject({ name: 'ChannelBusy' });
    handler = (_, reply) => reply(200, '<html>proxy</html>');
    expect(await errorOf(aliyun().send(sms(), meta))).toMatchObject({ name: 'ChannelBusy' });
  });

  it('maps the gateway’s codes: a bad template is the template’s fault, a bad key ours', async () => {
    handler = (_, reply) => reply(200, { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '模板不合法' });
    expect(await errorOf(aliyun().send(sms(), meta))).toMatchObject({ name: 'TemplateParamRejected' });
    handler = (_, reply) => reply(404, { Code: 'InvalidAccessKeyId.NotFound', Message: 'no such key' });
    expect(await errorOf(aliyun().send(sms(), meta))).toMatchObject({
      name: 'ChannelMisconfigured',
      message: expect.stringContaining('InvalidAccessKeyId.NotFound'),
    });
  });

  it('gives up on a stalled gateway within its timeout, and on one it cannot reach', async () => {
    handler = () => {};
    const started = Date.now();
    expect(await errorOf(aliyun({ readTimeout: 200 }).send(sms(), meta))).toMatchObject({
      name: 'ChannelBusy',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await errorOf(aliyun({ endpoint: '127.0.0.1:1' }).send(sms(), meta))).toMatchObject({
      name: 'ChannelBusy',
    });
  });
});

describe('Tencent Cloud SMS over HTTP', () => {
  it('posts SendSms 2021-01-11 as JSON with the region and the session context', async () => {
    seen = [];
    handler = (_, reply) =>
      reply(200, {
        Response: { SendStatusSet: [{ SerialNo: '2019:1', Code: 'Ok', Fee: 2 }], RequestId: 'r' },
      });
    expect(await tencent().send(sms(['T1']), meta)).toEqual({ providerMessageId: '2019:1', segments: 2 });
    const [{ req, body }] = seen as [Seen];
    expect(req.headers).toMatchObject({
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-region': 'ap-guangzhou',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(JSON.parse(body)).toEqual({
      PhoneNumberSet: ['+8613800000001'],
      SmsSdkAppId: '1400000001',
      SignName: '吹哨报到',
      TemplateId: 'SMS_1',
      TemplateParamSet: ['T1'],
      SessionContext: 'dispatch.u-1.k',
    });
  });

  it('maps API errors and per-number codes; retries later on throttling and a failed HTTP exchange', async () => {
    const apiError = (Code: string) => (_: Seen, reply: (s: number, b: unknown) => void) =>
      reply(200, { Response: { Error: { Code, Message: 'm' }, RequestId: 'r' } });
    handler = apiError('RequestLimitExceeded');
    expect(await errorOf(tencent().send(sms(['T1']), meta))).toMatchObject({ name: 'ChannelBusy' });
    handler = apiError('AuthFailure.SecretIdNotFound');
    expect(await errorOf(tencent().send(sms(['T1']), meta))).toMatchObject({ name: 'ChannelMisconfigured' });
    handler = (_, reply) =>
      reply(200, {
        Response: { SendStatusSet: [{ Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'm' }] },
      });
    expect(await errorOf(tencent().send(sms(['T1']), meta))).toMatchObject({ name: 'RecipientRefused' });
    handler = (_, reply) => reply(502, 'bad gateway');
    expect(await errorOf(tencent().send(sms(['T1']), meta))).toMatchObject({ name: 'ChannelBusy' });
  });

  it('gives up on a stalled gateway within its timeout', async () => {
    handler = () => {};
    const started = Date.now();
    expect(await errorOf(tencent({ timeout: 0.2 }).send(sms(['T1']), meta))).toMatchObject({
      name: 'ChannelBusy',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
