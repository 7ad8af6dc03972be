/**
 * The two SMS gateway signatures pinned against the worked examples in the providers' own
 * documentation, so a change to either signer fails here on the exact step it broke, not only as
 * a refused call in test/functions/notify-channels.test.ts (whose local servers verify
 * independently).
 *
 * - Alibaba Cloud, "V3 request structure and signature": ECS RunInstances, POST, two query
 *   parameters, empty body, AccessKey `YourAccessKeyId` / `YourAccessKeySecret`.
 * - Tencent Cloud, "Signature v3": CVM DescribeInstances at 1551113065, JSON body, SecretKey
 *   `Gu5t9xGARNpq86cd98joQYCN3EXAMPLE`. 1551113065 is 00:44 on the 26th in Beijing: the credential
 *   scope must still say the 25th (UTC).
 */
import { describe, expect, it } from 'vitest';
import { acs3Sign } from '../../shared/adapters/aliyun-sms';
import { tc3Sign } from '../../shared/adapters/tencent-sms';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('ACS3-HMAC-SHA256 (Alibaba Cloud V3 signature)', () => {
  const signed = acs3Sign({
    method: 'POST',
    host: 'ecs.cn-shanghai.aliyuncs.com',
    action: 'RunInstances',
    version: '2014-05-26',
    query: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
    body: '',
    accessKeyId: 'YourAccessKeyId',
    accessKeySecret: 'YourAccessKeySecret',
    date: '2023-10-26T10:22:32Z',
    nonce: '3156853299f313e23d1673dc12e1703d',
  });

  it('builds the documented canonical request', () => {
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com\n' +
          'x-acs-action:RunInstances\n' +
          `x-acs-content-sha256:${EMPTY_SHA256}\n` +
          'x-acs-date:2023-10-26T10:22:32Z\n' +
          'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n' +
          'x-acs-version:2014-05-26\n',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_SHA256,
      ].join('\n'),
    );
  });

  it('signs it to the documented Authorization', () => {
    expect(signed.headers.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,' +
        'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,' +
        'Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    expect(signed.headers['x-acs-content-sha256']).toBe(EMPTY_SHA256);
    // An empty body carries no content-type: a signed header the gateway would not see breaks it.
    expect(signed.headers['content-type']).toBeUndefined();
  });

  it('encodes the query by RFC 3986, as signed and as sent (Chinese sign names, JSON params)', () => {
    const { query } = acs3Sign({
      method: 'POST',
      host: 'dysmsapi.aliyuncs.com',
      action: 'SendSms',
      version: '2017-05-25',
      query: { TemplateParam: '{"a":"b c*~(!)\'"}', SignName: '吹哨' },
      body: '',
      accessKeyId: 'id',
      accessKeySecret: 'secret',
      date: '2026-05-07T09:30:00Z',
      nonce: 'n',
    });
    expect(query).toBe(
      'SignName=%E5%90%B9%E5%93%A8&TemplateParam=%7B%22a%22%3A%22b%20c%2A~%28%21%29%27%22%7D',
    );
  });
});

describe('TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature v3)', () => {
  const payload = String.raw`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`;
  const signed = tc3Sign({
    host: 'cvm.tencentcloudapi.com',
    service: 'cvm',
    action: 'DescribeInstances',
    version: '2017-03-12',
    region: 'ap-guangzhou',
    timestamp: 1551113065,
    payload,
    contentType: 'application/json; charset=utf-8',
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  });

  it('builds the documented canonical request and string to sign', () => {
    expect(signed.canonicalRequest).toBe(
      [
        'POST',
        '/',
        '',
        'content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n',
        'content-type;host',
        '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe(
      'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n' +
        '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    );
  });

  it('signs it to the documented Authorization, with the X-TC headers the call needs', () => {
    expect(signed.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'x-tc-action': 'DescribeInstances',
      'x-tc-version': '2017-03-12',
      'x-tc-timestamp': '1551113065',
      'x-tc-region': 'ap-guangzhou',
      authorization:
        'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host, ' +
        'Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    });
  });
});
