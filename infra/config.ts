/**
 * Stage configuration for the CDK app: one typed object per deploy stage, chosen with
 * `-c stage=dev|prod` and validated with zod so a typo fails the synth with the allowed values
 * instead of silently deploying dev settings to production.
 */
import { fileURLToPath } from 'node:url';
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';

/** Absolute path of the repository root: entry files and the console are resolved against it. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const deployStages = ['dev', 'prod'] as const;
export type DeployStage = (typeof deployStages)[number];

/** Namespace of the custom metrics the functions emit (Powertools) and the dashboard reads. */
export const metricsNamespace = 'WhistleDispatch';

/** One API Gateway throttle: steady requests per second and the bucket's burst. */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/**
 * How the API's routes are throttled: ticket intake (every facade), the units' and supervisors'
 * actions (POST/PUT under /v1), console and API reads (GET /v1), the signed-link pages (/l/*),
 * Open311's public reads, and the service routes (health, docs, gateway receipts).
 */
export const routeThrottleClasses = ['intake', 'actions', 'reads', 'links', 'open311', 'service'] as const;
export type RouteThrottleClass = (typeof routeThrottleClasses)[number];

export interface StageConfig {
  stage: DeployStage;
  /** Retention of every log group (functions, state machine, API access logs). */
  logRetention: RetentionDays;
  /** Stateful resources (table, user pool, buckets, keys): kept in prod, torn down in dev. */
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  /** Receives the CloudWatch alarms; unset means the alarm topic has no subscriber yet. */
  alarmEmail?: string;
  /** `AWS.SNS.SMS.MaxPrice` in USD per message: caps what one dispatch SMS may cost. */
  smsMaxPrice: string;
  /**
   * SNS account-level `MonthlySpendLimit` (USD). Unset leaves the account's value alone: setting
   * more than AWS has granted the account fails the deploy, so it is given only once raised.
   */
  smsMonthlySpendLimit?: number;
  /** Percentage of successful SMS whose carrier receipt is logged (failures are always logged). */
  smsSuccessSamplingRate: number;
  /**
   * Origin of the links in SMS and e-mail when neither the console domain nor the CloudFront
   * address is right (a gateway in front of CloudFront, say). Default: the console's address.
   */
  publicBaseUrl?: string;
  /** Custom console domain (with an ACM certificate in us-east-1); unset uses *.cloudfront.net. */
  consoleDomain?: string;
  consoleCertificateArn?: string;
  /** Extra browser origins allowed by the API's CORS (the console itself is served same-origin). */
  corsOrigins: string[];
  /** Default route throttling of the HTTP API stage (requests per second and burst). */
  apiThrottle: { rateLimit: number; burstLimit: number };
  /** SlaBreaches summed over 15 minutes above this raises the breach-spike alarm. */
  breachSpikeThreshold: number;
  /** Cognito feature plan: `plus` turns on threat protection (adaptive auth, leaked passwords). */
  userPoolFeaturePlan: 'essentials' | 'plus';
  /**
   * Cognito MFA: `required` (TOTP) for every account, admins and supervisors included; `optional`
   * only where the pool holds test accounts (dev).
   */
  mfa: 'required' | 'optional';
  /** Cognito's e-mail (invitations, password resets) through SES from this verified address; unset: Cognito's default sender. */
  cognitoEmailFrom?: string;
  /** Region of that SES identity, when it is not the stack's. */
  cognitoSesRegion?: string;
  /**
   * Route throttles by route class (`routeThrottleClass` in infra/stacks/api-stack.ts), each route
   * its own bucket: a flood on one class (a guesser on `/l/*`, a scraper on Open311) answers 429 on
   * its own routes and leaves intake, the units' actions and the console alone. The stage default
   * (`apiThrottle`) covers any route a class does not name.
   */
  routeThrottles: Record<RouteThrottleClass, Throttle>;
  /**
   * Per-client limits at the edge (WAF rate-based rules on CloudFront, requests per client IP in
   * any 5 minutes): every request, the intake POSTs, and the signed-link pages.
   */
  wafRateLimits: { all: number; intake: number; links: number };
  /**
   * The web ACL (WAF, CloudFront scope, so in us-east-1: the `…-Waf` stack) the distribution is
   * attached to: its ARN from that stack's output, given as context (`-c webAclArn=…`) so the
   * synth stays offline and needs no cross-region lookup. Unset: no WAF (the prod synth warns).
   */
  webAclArn?: string;
  /**
   * Evidence photos are kept under Object Lock (governance) this many days; unset: versioning
   * and lifecycle only (dev, whose buckets are torn down).
   */
  evidenceRetentionDays?: number;
  /** Open311: fields a resident wrote that public reads show (functions/api/open311.ts). */
  open311PublicFields: string;
  /** Open311: the jurisdiction this deployment serves. */
  open311Jurisdiction: string;
  /**
   * Reserved concurrency of each lifecycle task function: a 17:30 wave can never take every
   * concurrent execution of the account from the API (and the API never starves the clocks).
   * Unset in dev: new accounts have too little concurrency to reserve any.
   */
  taskConcurrency?: number;
  /** Minutes between reconciler runs (the clock audit over the due index). */
  reconcileEveryMinutes: number;
  /**
   * Notification sender instances at most (the queue's MaximumConcurrency); each takes its share of
   * every channel's rate, so the channels' limits hold whatever the backlog.
   */
  senderConcurrency: number;
  /** Reserved concurrency of the sender (one beyond its queue share, for the sweep); unset in dev. */
  senderReservedConcurrency?: number;
}

const defaults: Record<DeployStage, StageConfig> = {
  dev: {
    stage: 'dev',
    logRetention: RetentionDays.TWO_WEEKS,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    smsMaxPrice: '0.05',
    smsSuccessSamplingRate: 100,
    // The console's dev server and the embedded runtime (npm start) may call the dev API directly.
    corsOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
    apiThrottle: { rateLimit: 20, burstLimit: 40 },
    breachSpikeThreshold: 5,
    userPoolFeaturePlan: 'essentials',
    mfa: 'optional',
    routeThrottles: {
      intake: { rateLimit: 10, burstLimit: 20 },
      actions: { rateLimit: 20, burstLimit: 40 },
      reads: { rateLimit: 20, burstLimit: 40 },
      links: { rateLimit: 10, burstLimit: 20 },
      open311: { rateLimit: 5, burstLimit: 10 },
      service: { rateLimit: 5, burstLimit: 10 },
    },
    wafRateLimits: { all: 1000, intake: 200, links: 100 },
    open311PublicFields: '',
    open311Jurisdiction: 'liling.gov.cn',
    reconcileEveryMinutes: 5,
    senderConcurrency: 2,
  },
  prod: {
    stage: 'prod',
    // Ticket handling is audited yearly (rankings, 通报); logs must outlive one assessment period.
    logRetention: RetentionDays.THIRTEEN_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    smsMaxPrice: '0.10',
    // Carrier receipts of every failure, and of one success in five: enough to prove delivery.
    smsSuccessSamplingRate: 20,
    corsOrigins: [],
    // Below the StartExecution / SendTask* refill rates (T10), so Step Functions never throttles first.
    apiThrottle: { rateLimit: 100, burstLimit: 200 },
    breachSpikeThreshold: 20,
    userPoolFeaturePlan: 'plus',
    mfa: 'required',
    // Per route, sized on a Beijing day (60,000 tickets, docs/performance.md): the busiest hour
    // brings 2.5 tickets/s and 9 unit actions/s, an incident ten times that. Every intake route
    // has the same admission limit; link pages and Open311 reads are public, so tighter.
    routeThrottles: {
      intake: { rateLimit: 50, burstLimit: 100 },
      actions: { rateLimit: 100, burstLimit: 200 },
      reads: { rateLimit: 100, burstLimit: 200 },
      links: { rateLimit: 50, burstLimit: 100 },
      open311: { rateLimit: 20, burstLimit: 40 },
      service: { rateLimit: 20, burstLimit: 40 },
    },
    // Per client IP in 5 minutes. A street command centre or the hotline's integration posts from
    // one address: intake allows it 3.3 tickets/s (the whole city's busiest-hour rate); a phone
    // acting through its links needs a handful, a guesser is held to one page a second.
    wafRateLimits: { all: 6000, intake: 1000, links: 300 },
    // Photos are evidence of a resolution: kept beyond the yearly assessment (13 months).
    evidenceRetentionDays: 400,
    open311PublicFields: '',
    open311Jurisdiction: 'liling.gov.cn',
    // 20,000 timeouts spread over five minutes ≈ 70 a second × ~0.2 s ≈ 15 busy: room for bursts.
    taskConcurrency: 100,
    reconcileEveryMinutes: 5,
    senderConcurrency: 5,
    senderReservedConcurrency: 6,
  },
};

const stageSchema = z.enum(deployStages, {
  error: (issue) => `invalid stage ${JSON.stringify(issue.input)}: pass -c stage=<${deployStages.join('|')}>`,
});

/** Per-deploy overrides from context (`-c alarmEmail=ops@example.org`), never secrets. */
const overridesSchema = z
  .object({
    alarmEmail: z.email().optional(),
    smsMaxPrice: z
      .string()
      .regex(/^\d+(\.\d{1,5})?$/, 'a price in USD such as 0.05')
      .optional(),
    smsMonthlySpendLimit: z.coerce.number().int().min(1).max(1_000_000).optional(),
    publicBaseUrl: z
      .string()
      .regex(/^https:\/\/[a-z0-9.-]+(:\d+)?(\/[\w./-]*[\w-])?$/, 'an https URL without a trailing slash')
      .optional(),
    consoleDomain: z
      .string()
      .regex(/^(?=.{4,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, 'a lowercase host name')
      .optional(),
    consoleCertificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
        'an ACM certificate ARN in us-east-1',
      )
      .optional(),
    cognitoEmailFrom: z.email().optional(),
    cognitoSesRegion: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as ap-southeast-1')
      .optional(),
    webAclArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/,
        'a WAFv2 web ACL ARN of CloudFront scope (us-east-1, global/webacl/…)',
      )
      .optional(),
    open311PublicFields: z
      .string()
      .regex(
        /^((description|address|location|media)(,(description|address|location|media))*)?$/,
        'a comma list of description, address, location, media',
      )
      .optional(),
  })
  .refine((o) => (o.consoleDomain === undefined) === (o.consoleCertificateArn === undefined), {
    message: 'consoleDomain and consoleCertificateArn go together (CloudFront needs the certificate)',
  });

/** Reads a context value that may arrive as a string from `-c` or typed from cdk.json / tests. */
type ContextReader = (key: string) => unknown;

/**
 * Builds the stage config from CDK context: `stage` picks the defaults, a few keys override them.
 * Throws with the allowed values when the stage or an override is invalid.
 */
export function loadStageConfig(tryGetContext: ContextReader): StageConfig {
  const stage = stageSchema.safeParse(tryGetContext('stage') ?? 'dev');
  if (!stage.success) throw new Error(stage.error.issues.map((i) => i.message).join('; '));
  const raw = {
    alarmEmail: tryGetContext('alarmEmail'),
    smsMaxPrice: tryGetContext('smsMaxPrice'),
    smsMonthlySpendLimit: tryGetContext('smsMonthlySpendLimit'),
    publicBaseUrl: tryGetContext('publicBaseUrl'),
    consoleDomain: tryGetContext('consoleDomain'),
    consoleCertificateArn: tryGetContext('consoleCertificateArn'),
    cognitoEmailFrom: tryGetContext('cognitoEmailFrom'),
    cognitoSesRegion: tryGetContext('cognitoSesRegion'),
    open311PublicFields: tryGetContext('open311PublicFields'),
    webAclArn: tryGetContext('webAclArn'),
  };
  const overrides = overridesSchema.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!overrides.success) {
    const fields = overrides.error.issues.map((i) => `${i.path.join('.') || 'context'}: ${i.message}`);
    throw new Error(`invalid stage context: ${fields.join('; ')}`);
  }
  const base = defaults[stage.data];
  const o = overrides.data;
  return {
    ...base,
    ...(o.alarmEmail ? { alarmEmail: o.alarmEmail } : {}),
    ...(o.smsMaxPrice ? { smsMaxPrice: o.smsMaxPrice } : {}),
    ...(o.smsMonthlySpendLimit ? { smsMonthlySpendLimit: o.smsMonthlySpendLimit } : {}),
    ...(o.publicBaseUrl ? { publicBaseUrl: o.publicBaseUrl } : {}),
    ...(o.consoleDomain
      ? { consoleDomain: o.consoleDomain, consoleCertificateArn: o.consoleCertificateArn }
      : {}),
    corsOrigins: o.consoleDomain ? [...base.corsOrigins, `https://${o.consoleDomain}`] : base.corsOrigins,
    ...(o.cognitoEmailFrom ? { cognitoEmailFrom: o.cognitoEmailFrom } : {}),
    ...(o.cognitoSesRegion ? { cognitoSesRegion: o.cognitoSesRegion } : {}),
    ...(o.open311PublicFields !== undefined ? { open311PublicFields: o.open311PublicFields } : {}),
    ...(o.webAclArn ? { webAclArn: o.webAclArn } : {}),
  };
}
