/**
 * The composition root on AWS. The handler modules export factories (`makeQueries(deps)`); each
 * entry (functions/entries/*.ts) reads the environment once, builds here the table-backed core
 * every function shares, adds only the clients it uses (functions/lib/aws/*: the workflow, the
 * notification channels, signed links, token verification) and makes its handler. A function that
 * does not import a client's builder does not carry that client in its bundle. The embedded
 * runtime makes the same handlers with its own adapters. Nothing here is global state.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamo-delivery-store';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { WallClock } from '../../shared/adapters/wall-clock';
import type {
  ConfigStore,
  DeliveryStore,
  EvidenceStore,
  TicketStore,
  WorkflowPort,
} from '../../shared/ports';
import type { AuditReport } from '../../shared/use-cases/clock-reconciler';
import { ConfigService } from '../../shared/use-cases/config-service';
import type { LinkService } from '../../shared/use-cases/links';
import type { TicketDeps } from '../../shared/use-cases/ticket-service';
import { encodeStep, wholeSecondsUntil } from '../../workflows/contract';
import type { FunctionEnv } from './env';
import { logger, metricsPort } from './observability';
import { traceClient } from './xray';

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
  /** Where resolution photos go on AWS (S3 by presigned URL, EVIDENCE_BUCKET); absent: into the store. */
  evidence?: EvidenceStore;
  /** GET /v1/admin/clock-audit: the engine's view of every clock it can check. */
  clockAudit?: () => Promise<AuditReport>;
}

/** What an entry adds to the core: each piece comes from its own builder in functions/lib/aws/. */
export type AwsParts = Partial<
  Pick<Deps, 'workflow' | 'notifier' | 'queue' | 'deadLetters' | 'links' | 'verifyToken' | 'evidence'>
>;

const notConfigured = (what: string) => () => {
  throw new Error(`${what} is not configured for this function`);
};

/**
 * A workflow port for a function that only answers the engine (it returns the next step, it never
 * calls Step Functions): `encode` works, everything else names the missing configuration.
 */
export function answerOnlyWorkflow(clock: { now(): Date }): WorkflowPort {
  const missing = notConfigured('STATE_MACHINE_ARN');
  return {
    start: missing,
    resume: missing,
    stop: missing,
    describe: missing,
    redrive: missing,
    encode: (step) => encodeStep(step, (at) => wholeSecondsUntil(at, clock.now())),
  };
}

/**
 * The dependencies every function shares (the table, the configuration, the clock, metrics), plus
 * the parts its entry built. A part the entry did not build fails when used, naming its variable.
 */
export function awsDeps(env: FunctionEnv, parts: AwsParts = {}): Deps & { store: DynamoStore } {
  const dynamo = traceClient(new DynamoDBClient({}));
  const store = new DynamoStore(dynamo, env.TABLE_NAME, { closedRetentionDays: env.CLOSED_RETENTION_DAYS });
  const clock = new WallClock();
  const noQueue = async () => notConfigured('NOTIFY_QUEUE_URL')();
  return {
    store,
    configStore: store,
    delivery: new DynamoDeliveryStore(dynamo, env.TABLE_NAME),
    configs: new ConfigService(store, clock),
    clock,
    workflow: answerOnlyWorkflow(clock),
    notifier: { send: notConfigured('DISPATCH_TOPIC_ARN') },
    queue: { enqueue: noQueue },
    onDeliveryError: (message, err) => logger.error(message, err as Error),
    onDeferred: (message, err) => logger.warn(message, err as Error),
    publicBaseUrl: env.PUBLIC_BASE_URL,
    metrics: metricsPort,
    local: false,
    ...parts,
  };
}
