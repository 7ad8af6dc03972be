/**
 * The composition root on AWS. The handler modules export factories (`makeQueries(deps)`); the
 * entries build these dependencies once per container and make their handler with them, and the
 * embedded runtime makes the same handlers with its own. Nothing here is global state.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamo-delivery-store';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { SfnWorkflow } from '../../shared/adapters/sfn-workflow';
import { SnsNotifier } from '../../shared/adapters/sns-notifier';
import { SqsDeadLetters } from '../../shared/adapters/sqs-dead-letters';
import { SqsNotificationQueue } from '../../shared/adapters/sqs-notification-queue';
import { WallClock } from '../../shared/adapters/wall-clock';
import type { ConfigStore, DeliveryStore, TicketStore } from '../../shared/ports';
import type { AuditReport } from '../../shared/use-cases/clock-reconciler';
import { ConfigService } from '../../shared/use-cases/config-service';
import { LinkService, LinkSigner } from '../../shared/use-cases/links';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';
import { type FunctionEnv, readFunctionEnv } from './env';
import { logger, metricsPort, tracer } from './observability';

export interface Deps extends TicketDeps {
  store: TicketStore;
  configStore: ConfigStore;
  /** Only the embedded runtime issues dev tokens and serves local-only routes. */
  local: boolean;
  /** Verify a bearer token outside the authorizer (Open311's api_key): claims, or undefined. */
  verifyToken?: (token: string) => Promise<Record<string, unknown> | undefined>;
  /** Signed links in messages: minted with every notice, opened by the phone pages (LINK_SECRET_ARN). */
  links?: LinkService;
  /** The sender's bookkeeping (spend, queue, receipt index): channel view, receipts, the sender. */
  delivery?: DeliveryStore;
  /** GET /v1/admin/clock-audit: the engine's view of every clock it can check. */
  clockAudit?: () => Promise<AuditReport>;
}

/**
 * The link HMAC key from Secrets Manager. Read once per container at cold start (module scope,
 * below): the key never sits in the function's configuration, where anyone allowed to read the
 * function (lambda:GetFunctionConfiguration) would see it.
 */
export async function readLinkSecret(client: SecretsManagerClient, secretArn: string): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!out.SecretString || out.SecretString.length < 16) {
    throw new Error(`secret ${secretArn} holds no usable link key (at least 16 characters)`);
  }
  return out.SecretString;
}

const linkSecretArn = process.env.LINK_SECRET_ARN;
const linkSecret = linkSecretArn
  ? await readLinkSecret(tracer.captureAWSv3Client(new SecretsManagerClient({})), linkSecretArn)
  : undefined;

/** Cognito ID tokens, verified against the pool's published keys (fetched once, cached by jose). */
function cognitoVerifier(issuer: string, audience: string | undefined) {
  const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  return async (token: string) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        requiredClaims: ['exp'],
        ...(audience ? { audience } : {}),
      });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
}

/**
 * The SNS client of the notifier. One SDK attempt per call: deliver() in shared/use-cases/notify.ts
 * owns the retry schedule (backoff, permanent errors fail at once), and SDK retries underneath
 * would multiply it and blur the recorded attempt counts.
 */
export function notifierSnsClient(): SNSClient {
  return tracer.captureAWSv3Client(new SNSClient({ maxAttempts: 1 }));
}

/** Pieces of the composition the ticket use cases need only when their variable is set. */
export function notificationDeps(
  env: FunctionEnv,
): Pick<Deps, 'notifier' | 'deadLetters' | 'onDeliveryError' | 'queue'> {
  const unavailable = () => {
    throw new Error('DISPATCH_TOPIC_ARN is not configured for this function');
  };
  const noQueue = async () => {
    throw new Error('NOTIFY_QUEUE_URL is not configured for this function');
  };
  return {
    queue: env.NOTIFY_QUEUE_URL
      ? new SqsNotificationQueue(tracer.captureAWSv3Client(new SQSClient({})), env.NOTIFY_QUEUE_URL)
      : { enqueue: noQueue },
    notifier: env.DISPATCH_TOPIC_ARN
      ? new SnsNotifier(notifierSnsClient(), env.DISPATCH_TOPIC_ARN, env.SMS_MAX_PRICE)
      : { send: unavailable },
    ...(env.DEAD_LETTER_QUEUE_URL
      ? {
          deadLetters: new SqsDeadLetters(
            tracer.captureAWSv3Client(new SQSClient({})),
            env.DEAD_LETTER_QUEUE_URL,
          ),
        }
      : {}),
    onDeliveryError: (message, err) => logger.error(message, err as Error),
  };
}

/**
 * The dependencies on AWS, from the validated environment. Each Lambda entry
 * (functions/entries/*.ts) calls it once at module scope and hands the result to its handler
 * factory; the embedded runtime calls the same factories with its own adapters.
 */
export function awsDeps(): Deps {
  const env = readFunctionEnv();
  const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const store = new DynamoStore(dynamo, env.TABLE_NAME, { closedRetentionDays: env.CLOSED_RETENTION_DAYS });
  const clock = new WallClock();
  const unavailable = (what: string) => () => {
    throw new Error(`${what} is not configured for this function`);
  };
  return {
    store,
    configStore: store,
    delivery: new DynamoDeliveryStore(dynamo, env.TABLE_NAME),
    configs: new ConfigService(store, clock),
    clock,
    workflow: env.STATE_MACHINE_ARN
      ? new SfnWorkflow(tracer.captureAWSv3Client(new SFNClient({})), env.STATE_MACHINE_ARN, clock)
      : {
          start: unavailable('STATE_MACHINE_ARN'),
          resume: unavailable('STATE_MACHINE_ARN'),
          stop: unavailable('STATE_MACHINE_ARN'),
          describe: unavailable('STATE_MACHINE_ARN'),
          redrive: unavailable('STATE_MACHINE_ARN'),
          encode: unavailable('STATE_MACHINE_ARN'),
        },
    onDeferred: (message, err) => logger.warn(message, err as Error),
    ...notificationDeps(env),
    publicBaseUrl: env.PUBLIC_BASE_URL,
    metrics: metricsPort,
    local: false,
    ...(env.TOKEN_ISSUER ? { verifyToken: cognitoVerifier(env.TOKEN_ISSUER, env.TOKEN_AUDIENCE) } : {}),
    ...(linkSecret ? { links: new LinkService(store, new LinkSigner(linkSecret)) } : {}),
  };
}
