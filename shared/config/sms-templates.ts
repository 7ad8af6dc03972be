/**
 * The template texts to register with a mainland SMS gateway, one per notice kind (docs/notifications.md
 * explains the procedure). Written to the gateways' rules: no 【】, every variable once and never
 * next to another, the link only behind the approved fixed prefix, the ticket code in each. The
 * free-text variables (item, unit) are cut to the gateway's variable limit by the sender.
 */
import type { NotificationKind, SmsTemplate } from '../domain/model';

/** The texts with Alibaba Cloud's `${name}` variables; `LINK` stands for the approved link prefix. */
const texts: Record<NotificationKind, string> = {
  dispatch: '工单${code}（${item}）已派至贵单位，请于${due}前签收，处理：LINK${link}',
  warning: '工单${code}（${item}）即将超时，请于${due}前${stage}，处理：LINK${link}',
  escalation: '工单${code}的${stage}已超时（时限${due}），${level}：${unit}，详情：LINK${link}',
  urge: '督办提醒：工单${code}请于${due}前${stage}，处理：LINK${link}',
  feedback_request: '工单${code}已办结，请于${due}前反馈居民评价，回访：LINK${link}',
  reopen: '工单${code}需重新办理，请于${due}前${stage}，处理：LINK${link}',
  closure: '您一同反映的问题（工单${code}）已办结，感谢参与，详情：LINK${link}',
};

/** Alibaba Cloud templates for every kind, with the codes the console assigned. */
export function aliyunTemplates(
  linkBase: string,
  codes: Partial<Record<NotificationKind, string>> = {},
): SmsTemplate[] {
  return (Object.keys(texts) as NotificationKind[]).map((kind, i) => ({
    kind,
    code: codes[kind] ?? `SMS_${480_000_001 + i}`,
    text: texts[kind].replace('LINK', linkBase),
  }));
}

/** The same texts for Tencent Cloud: `{1}..{n}` in order, and which parameter each carries. */
export function tencentTemplates(
  linkBase: string,
  codes: Partial<Record<NotificationKind, string>> = {},
): SmsTemplate[] {
  return aliyunTemplates(linkBase).map((t, i) => {
    const params: string[] = [];
    const text = t.text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      params.push(name);
      return `{${params.length}}`;
    });
    return {
      kind: t.kind,
      code: codes[t.kind] ?? String(2_100_001 + i),
      text,
      params: params as SmsTemplate['params'],
    };
  });
}
