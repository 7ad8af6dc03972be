/**
 * One POST to a gateway over node:http(s), for the SMS adapters that sign their own calls
 * (aliyun-sms.ts, tencent-sms.ts). node:http rather than global fetch because the request must go
 * out with exactly the headers that were signed (fetch adds and normalises its own) and because
 * callers may pass an Agent (tests reach a local server while the signed host stays the real one).
 * No retry here: SendSms is not idempotent, so a second attempt after a timeout could send twice;
 * the sender's queue decides whether and when to try again.
 */
import { type Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  agent?: Agent;
  /** ms for the whole exchange, from the call to the answer's last byte. */
  timeout: number;
  /** ms to open the connection, within `timeout` (a gateway that cannot be reached fails sooner). */
  connectTimeout?: number;
}

export interface PostAnswer {
  status: number;
  body: string;
}

/** Rejects with a plain Error (no `code` the adapters could mistake for a gateway code) on any failure. */
export function signedPost(url: URL, o: PostOptions): Promise<PostAnswer> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<PostAnswer>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    const fail = (message: string) => {
      for (const t of timers) clearTimeout(t);
      reject(new Error(message));
    };
    const req = send(url, {
      method: 'POST',
      headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
      ...(o.agent ? { agent: o.agent } : {}),
    });
    timers.push(setTimeout(() => req.destroy(new Error(`no answer within ${o.timeout} ms`)), o.timeout));
    if (o.connectTimeout !== undefined) {
      const limit = o.connectTimeout;
      req.once('socket', (socket) => {
        // A kept-alive socket is already connected; only a new one can hang while connecting.
        if (!socket.connecting) return;
        const t = setTimeout(() => req.destroy(new Error(`no connection within ${limit} ms`)), limit);
        timers.push(t);
        socket.once('connect', () => clearTimeout(t));
      });
    }
    req.once('error', (err) => fail(err.message));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (err) => fail(err.message));
      res.once('close', () => {
        if (!res.complete) fail('the answer was cut off');
      });
      res.once('end', () => {
        for (const t of timers) clearTimeout(t);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(o.body);
  });
}
