/**
 * The notification channels panel (issue 21): which SMS gateway carries SMS, this month's spend
 * against the cap, the sender's queue, and each channel's rate. Shown above a ticket's
 * notifications to supervisors and admins; reads GET /v1/notifications/channels.
 */
import { Fragment } from 'preact';
import * as z from 'zod';
import { get } from '../api';
import { Card, Loading, ProblemBox, useAsync } from '../components';
import { t } from '../i18n';

const channelStatusSchema = z.object({
  smsProvider: z.string(),
  month: z.string(),
  spentYuan: z.number(),
  capYuan: z.number().nullable(),
  queue: z.object({ due: z.number(), waiting: z.number() }),
  channels: z.array(
    z.object({
      channel: z.string(),
      provider: z.string(),
      perSecond: z.number(),
      robots: z.number().optional(),
    }),
  ),
});

const providerNames: Record<string, string> = {
  sns: 'Amazon SNS',
  aliyun: '阿里云短信 Alibaba Cloud',
  tencent: '腾讯云短信 Tencent Cloud',
  wecom: '企业微信 WeCom',
  dingtalk: '钉钉 DingTalk',
};

const yuan = (n: number) => `¥${n.toFixed(2)}`;

export function NotificationChannels(props: { refreshKey?: unknown }) {
  const status = useAsync(() => get(channelStatusSchema, '/v1/notifications/channels'), [props.refreshKey]);
  return (
    <Card title={t('channels.title')} id="notification-channels">
      {status.error ? (
        <ProblemBox error={status.error} onRetry={status.reload} />
      ) : !status.data ? (
        <Loading />
      ) : (
        <dl class="facts">
          <dt>{t('channels.sms')}</dt>
          <dd>{providerNames[status.data.smsProvider] ?? status.data.smsProvider}</dd>
          <dt>{t('channels.spend')}</dt>
          <dd>
            {yuan(status.data.spentYuan)} /{' '}
            {status.data.capYuan === null ? t('channels.noCap') : yuan(status.data.capYuan)}{' '}
            <span class="muted">({status.data.month})</span>
          </dd>
          <dt>{t('channels.queue')}</dt>
          <dd>
            {t('channels.queueDetail', { due: status.data.queue.due, waiting: status.data.queue.waiting })}
          </dd>
          {status.data.channels.map((c) => (
            <Fragment key={c.channel}>
              <dt>{providerNames[c.provider] ?? c.channel}</dt>
              <dd>
                {t('channels.rate', { perSecond: Math.round(c.perSecond * 100) / 100 })}
                {c.robots !== undefined ? ` · ${t('channels.robots', { n: c.robots })}` : ''}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
    </Card>
  );
}
