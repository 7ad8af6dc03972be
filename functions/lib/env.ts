/**
 * Function environment, read once at module scope and validated: a missing variable fails the
 * cold start loudly instead of a request later. The CDK function construct sets exactly these.
 */
import * as z from '../../shared/zod';

export const envNames = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  topicArn: 'DISPATCH_TOPIC_ARN',
  smsMaxPrice: 'SMS_MAX_PRICE',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  deadLetterQueueArn: 'DEAD_LETTER_QUEUE_ARN',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  linkSecretArn: 'LINK_SECRET_ARN',
  evidenceBucket: 'EVIDENCE_BUCKET',
  tokenIssuer: 'TOKEN_ISSUER',
  tokenAudience: 'TOKEN_AUDIENCE',
  notifyQueueUrl: 'NOTIFY_QUEUE_URL',
  channelsSecretArn: 'CHANNELS_SECRET_ARN',
  senderConcurrency: 'SENDER_CONCURRENCY',
  closedRetentionDays: 'CLOSED_RETENTION_DAYS',
  archiveBucket: 'ARCHIVE_BUCKET',
  originVerifySecretArn: 'ORIGIN_VERIFY_SECRET_ARN',
} as const;

const envSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(3)),
  STATE_MACHINE_ARN: z.optional(z.string().check(z.minLength(1))),
  DISPATCH_TOPIC_ARN: z.optional(z.string().check(z.minLength(1))),
  /** `AWS.SNS.SMS.MaxPrice` in USD for every SMS (the stage's smsMaxPrice). */
  SMS_MAX_PRICE: z.optional(z.string().check(z.regex(/^\d+(\.\d{1,5})?$/, 'a price in USD such as 0.05'))),
  /** The delivery DLQ: failed messages are parked there (URL) and SNS redrives to it (ARN). */
  DEAD_LETTER_QUEUE_URL: z.optional(z.url()),
  DEAD_LETTER_QUEUE_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** Origin of the links in SMS and e-mail: the console (CloudFront or its custom domain). */
  PUBLIC_BASE_URL: z._default(z.url(), 'http://127.0.0.1:3000'),
  /** The Secrets Manager secret holding the link HMAC key: read once at cold start, never an env value. */
  LINK_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** Resolution photos (the links function): presigned PUT and GET under `evidence/`. */
  EVIDENCE_BUCKET: z.optional(z.string().check(z.minLength(3))),
  /** Cognito user pool issuer and app client: functions that verify tokens themselves (Open311). */
  TOKEN_ISSUER: z.optional(z.url()),
  TOKEN_AUDIENCE: z.optional(z.string().check(z.minLength(1))),
  /** The notification queue: tasks and actions enqueue, the sender drains it. */
  NOTIFY_QUEUE_URL: z.optional(z.url()),
  /** Secrets Manager secret with the channel credentials (gateways, robots); read once at init. */
  CHANNELS_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** How many sender instances run at most: each takes its share of the channel rates. */
  SENDER_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 2),
  /** Days a closed or cancelled ticket stays in the table before TTL hands it to the archive. */
  CLOSED_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(3650)), 180),
  /** The archive bucket: tickets TTL removed from the table, with their timeline and records. */
  ARCHIVE_BUCKET: z.optional(z.string().check(z.minLength(3))),
  /** The header value CloudFront adds to API requests (functions/lib/origin-verify.ts); read lazily, once. */
  ORIGIN_VERIFY_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
});
export type FunctionEnv = z.infer<typeof envSchema>;

export function readFunctionEnv(source: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid function environment: ${fields}`);
  }
  return parsed.data;
}
