/**
 * Delivery receipts pushed by the mainland SMS gateways: Alibaba Cloud SmsReport (HTTP batch push)
 * and Tencent Cloud's status callback. Neither signs its request, so the URL registered with the
 * gateway carries a key derived from the link secret (`/v1/receipts/<provider>/<key>`, shown to
 * admins in GET /v1/notifications/channels); a wrong key is a 404, as for any unknown path.
 * Each report moves its message to `delivered`, or to `failed` with the carrier's reason, which
 * falls back to the recipient's next channel. Answers in the gateway's own format; a record another
 * sender holds answers 503, and the gateway pushes again later.
 */
import { NotFoundError, ServiceUnavailableError } from '../../shared/domain/errors';
import { NotificationSender, type Receipt } from '../../shared/use-cases/notification-sender';
import { TokenBuckets } from '../../shared/use-cases/token-buckets';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parse } from '../lib/http';
import { aliyunReceiptBody, receiptProvider, tencentReceiptBody } from './schemas';

function receiptSender(deps: Deps): NotificationSender {
  if (!deps.delivery) throw new Error('the delivery store is not configured for this function');
  // Receipts only change records; fallbacks they activate are sent by the sender behind the queue.
  return new NotificationSender({
    tickets: deps,
    delivery: deps.delivery,
    channels: deps.notifier,
    queue: deps.queue,
    limiter: new TokenBuckets(),
    owner: 'receipts',
  });
}

function receiptsOf(provider: 'aliyun' | 'tencent', body: unknown): Receipt[] {
  if (provider === 'aliyun') {
    return parse(aliyunReceiptBody, body, 'SmsReport').map((r) => ({
      provider,
      providerMessageId: r.biz_id,
      delivered: r.success,
      ...(r.err_code ? { code: r.err_code } : {}),
      ...(r.err_msg ? { detail: r.err_msg } : {}),
    }));
  }
  return parse(tencentReceiptBody, body, 'status callback').map((r) => ({
    provider,
    providerMessageId: r.sid,
    delivered: r.report_status === 'SUCCESS',
    ...(r.errmsg ? { code: r.errmsg } : {}),
    ...(r.description ? { detail: r.description } : {}),
  }));
}

export function makeReceipts(deps: Deps) {
  // Built on the first receipt, once per handler (its token buckets live as long as it does).
  let sender: NotificationSender | undefined;
  return httpHandler(deps, {
    'POST /v1/receipts/{provider}/{key}': async (req) => {
      const provider = receiptProvider.safeParse(req.params.provider);
      if (!provider.success || !deps.links?.isReceiptKey(provider.data, req.params.key ?? ''))
        throw new NotFoundError('no such receipt address');
      const receipts = receiptsOf(provider.data, req.json());
      sender ??= receiptSender(deps);
      const s = sender;
      let busy = 0;
      let unknown = 0;
      for (const r of receipts) {
        const outcome = await s.applyReceipt(r);
        if (outcome === 'busy') busy += 1;
        if (outcome === 'unknown') unknown += 1;
      }
      if (busy > 0)
        throw new ServiceUnavailableError(`${busy} receipt(s) name a message being sent; push again later`);
      if (unknown > 0) deps.metrics?.count('ReceiptsUnknown', unknown, { provider: provider.data });
      return provider.data === 'aliyun'
        ? json(200, { code: 0, msg: '接收成功' })
        : json(200, { result: 0, errmsg: 'OK' });
    },
  });
}
