/**
 * The public edge, deployed first: the HTTP API's endpoint (routes, stage and authorizer are the
 * API stack's), the console's private bucket, and the CloudFront distribution in front of both.
 *
 * Why first: links in SMS and e-mail must point at the console's address, and the functions that
 * send them (workflow tasks, the urge action) live in later stacks. CloudFront forwards the API
 * paths to the HTTP API, so the distribution needs the API, and the API's handlers need the
 * distribution's address: a cycle, as long as the API resource and its routes sit in one stack.
 * Creating the bare API resource here breaks it: Edge → Workflow → Api → Console, with the public
 * base URL handed to every function as a plain environment variable.
 *
 * CloudFront also forwards /v1/*, /open311/*, /healthz, ... to the API, so the console calls the
 * API on its own origin exactly as on the embedded runtime (no CORS, no API URL in the build).
 */
import {
  Annotations,
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { routes } from '../../functions/api/routes';
import { ORIGIN_VERIFY_HEADER } from '../../functions/lib/origin-verify';
import { consoleCsp, cspString } from '../../functions/lib/security-headers';
import { LINK_CODE_LENGTH } from '../../shared/domain/links';
import { SMS_MAX_LINK_CHARS } from '../../shared/use-cases/notify';
import type { StageConfig } from '../config';

export interface EdgeStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The console bucket's name, fixed so the Console stack can address it without a cross-stack
 * import (an imported ARN would make the deployment role's grant, and its cdk-nag finding id,
 * depend on a generated export name). Account and region keep it globally unique.
 */
export function consoleBucketName(stage: string): string {
  return `whistle-dispatch-${stage}-console-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** The evidence bucket's name, fixed for the same reason: the links function is granted by name. */
export function evidenceBucketName(stage: string): string {
  return `whistle-dispatch-${stage}-evidence-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** CloudFront path patterns covering every API route: `/v1/*` for nested paths, exact otherwise. */
export function apiPathPatterns(): string[] {
  const patterns = routes.map((r) => {
    const [first, ...rest] = r.path.split('/').filter(Boolean);
    return rest.length > 0 ? `/${first}/*` : `/${first}`;
  });
  return [...new Set(patterns)];
}

export class EdgeStack extends Stack {
  readonly httpApi: apigw.HttpApi;
  readonly distribution: cloudfront.Distribution;
  readonly bucket: s3.Bucket;
  /** Resolution photos uploaded from the link pages by presigned PUT (under `evidence/`). */
  readonly evidenceBucket: s3.Bucket;
  /** `https://<console domain>` or `https://<id>.cloudfront.net`: the origin of every link we send. */
  readonly publicBaseUrl: string;
  /** The header value CloudFront adds to API requests; the API functions refuse requests without it. */
  readonly originVerifySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const destroy = config.removalPolicy === RemovalPolicy.DESTROY;

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `whistle-dispatch-${config.stage}`,
      description: 'Whistle Dispatch API v1 (routes, stage and authorizer: the Api stack)',
      // The Api stack's own $default stage carries throttling and access logs, which the implicit one cannot.
      createDefaultStage: false,
      ...(config.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: config.corsOrigins,
              allowMethods: [
                apigw.CorsHttpMethod.GET,
                apigw.CorsHttpMethod.POST,
                apigw.CorsHttpMethod.PUT,
                apigw.CorsHttpMethod.OPTIONS,
              ],
              allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    // Receives S3 server access logs and CloudFront standard logs (the latter still needs ACLs).
    const logBucket = new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(config.stage === 'prod' ? 400 : 30) }],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });
    Validations.of(logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'SiteBucket', {
      bucketName: consoleBucketName(config.stage),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });

    // Deep links (/tickets/42, /l/<code> from an SMS) load the app shell; files with an
    // extension are served as they are.
    const spaRewrite = new cloudfront.Function(this, 'SpaRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.indexOf('.') === -1) { r.uri = '/index.html'; } return r; }",
      ),
    });

    const region = Stack.of(this).region;
    // The embedded runtime sends the same policy (functions/lib/security-headers.ts); here the
    // console also signs in with Cognito.
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: cspString(consoleCsp([`https://cognito-idp.${region}.amazonaws.com`])),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    // The execute-api endpoint must stay public (CloudFront calls it), so CloudFront proves it is
    // the caller: a secret header on every API request, checked by every API function
    // (functions/lib/origin-verify.ts). A direct call skips the WAF and is refused with a 403.
    this.originVerifySecret = new secretsmanager.Secret(this, 'OriginVerifySecret', {
      description: `Whistle Dispatch ${config.stage}: header value CloudFront adds to API requests`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: config.removalPolicy,
    });
    Validations.of(this.originVerifySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotated by hand (a new value, then a deploy of this stack, which resolves it into the distribution); the functions accept the previous value while CloudFront switches over, so a scheduled rotation Lambda would add nothing but a second moving part.',
    });

    // execute-api host out of https://<id>.execute-api.<region>.amazonaws.com
    const apiHost = Fn.select(2, Fn.split('/', this.httpApi.apiEndpoint));
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: new origins.HttpOrigin(apiHost, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        // A dynamic reference: CloudFormation resolves it at deploy time, the template holds none.
        customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originVerifySecret.secretValue.unsafeUnwrap() },
      }),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // Responses are per user (Authorization): never cache; forward everything but Host.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };

    const customDomain =
      config.consoleDomain && config.consoleCertificateArn
        ? {
            domainNames: [config.consoleDomain],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', config.consoleCertificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {};

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Whistle Dispatch console (${config.stage})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          { function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      // Phone links may arrive without `https://` (the SMS fitter drops the scheme when the link is
      // long): a plain-HTTP tap on /l/* must be redirected, not refused like the API's paths.
      additionalBehaviors: Object.fromEntries(
        apiPathPatterns().map((p) => [
          p,
          p.startsWith('/l/') || p === '/l*'
            ? { ...apiBehavior, viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS }
            : apiBehavior,
        ]),
      ),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Users are in mainland China and Hong Kong; Asia edges are in PRICE_CLASS_200.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      ...customDomain,
      // The us-east-1 web ACL of the Waf stack (managed rules, per-client rate limits).
      ...(config.webAclArn ? { webAclId: config.webAclArn } : {}),
    });

    this.publicBaseUrl =
      config.publicBaseUrl ??
      (config.consoleDomain
        ? `https://${config.consoleDomain}`
        : `https://${this.distribution.distributionDomainName}`);

    // Here, not in the Data stack: the phone page PUTs photos straight to S3 from the console's
    // origin, so the bucket's CORS rule needs that origin (this stack's distribution).
    this.evidenceBucket = new s3.Bucket(this, 'EvidenceBucket', {
      bucketName: evidenceBucketName(config.stage),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'evidence-bucket/',
      cors: [
        {
          allowedOrigins: [this.publicBaseUrl.replace(/(https:\/\/[^/]+).*$/, '$1')],
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          allowedHeaders: ['content-type', 'if-none-match'],
          maxAge: 3600,
        },
      ],
      // Evidence is kept as written: every version is kept (an overwrite the policy below misses
      // would still leave the original), old versions and broken uploads are cleaned up, and in
      // prod each photo is under Object Lock for the assessment period.
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      ...(config.evidenceRetentionDays
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: s3.ObjectLockRetention.governance(
              Duration.days(config.evidenceRetentionDays),
            ),
          }
        : {}),
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });
    // Write-once: a PUT under evidence/ must carry If-None-Match (S3 then refuses to overwrite).
    this.evidenceBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EvidenceIsWriteOnce',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.evidenceBucket.arnForObjects('evidence/*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );

    new CfnOutput(this, 'ConsoleUrl', { value: this.publicBaseUrl });
    this.warnOnLongLinks(config);
    this.acknowledgeFindings(config);
  }

  /**
   * SMS links are `<base>/l/<13-char code>`; the fitter drops `https://` when the whole link is
   * too long, which covers the CloudFront address. A configured origin longer than that cannot
   * fit one segment: say so at synth time rather than on the duty officers' phones.
   */
  private warnOnLongLinks(config: StageConfig): void {
    const explicit =
      config.publicBaseUrl ?? (config.consoleDomain ? `https://${config.consoleDomain}` : undefined);
    if (!explicit) return;
    const bare = `${explicit.replace(/^https:\/\//, '')}/l/${'0'.repeat(LINK_CODE_LENGTH)}`;
    if (bare.length > SMS_MAX_LINK_CHARS) {
      Annotations.of(this).addWarningV2(
        'whistle:sms-link-length',
        `SMS links to ${explicit} are ${bare.length} characters even without https:// (one segment allows ${SMS_MAX_LINK_CHARS}): dispatch SMS will take two segments. Use a shorter console domain.`,
      );
    }
  }

  private acknowledgeFindings(config: StageConfig): void {
    const d = this.distribution;
    const guard = (id: string, reason: string) => ({ id: `cdk-validator-cfnguard::${id}`, reason });
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: every page and API call requires a Cognito sign-in, and staff also work from roaming phones.',
    });
    if (!config.webAclArn) {
      Validations.of(d).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'The web ACL is the Waf stack in us-east-1, attached by -c webAclArn=<its WebAclArn output> once deployed (a cross-region reference would break the offline synth); until then every route has its own throttle and the prod synth warns.',
      });
      if (config.stage === 'prod') {
        Annotations.of(this).addWarningV2(
          'whistle:no-waf',
          'prod without webAclArn: CloudFront has no WAF (no per-client rate limits). Deploy the Waf stack (us-east-1) and pass -c webAclArn=<its WebAclArn output>.',
        );
      }
    }
    Validations.of(d).acknowledge(
      guard(
        'cloudfront_origin_failover_enabled_check',
        'One console bucket and one API: a failover origin would need a second bucket and API in another region, which this deployment does not run.',
      ),
    );
    if (!config.consoleDomain) {
      const noDomain =
        'Without a custom domain the distribution serves *.cloudfront.net with CloudFront’s own certificate, for which CloudFront fixes the security policy (TLSv1, no SNI choice); set consoleDomain/consoleCertificateArn (production) to get an ACM certificate, SNI and TLSv1.2_2021 (the synth warns).';
      Validations.of(d).acknowledge(
        { id: 'AwsSolutions-CFR4', reason: noDomain },
        guard('cloudfront_custom_ssl_certificate_check', noDomain),
        guard('cloudfront_sni_enabled_check', noDomain),
        guard('cloudfront_security_policy_check', noDomain),
      );
      if (config.stage === 'prod') {
        Annotations.of(this).addWarningV2(
          'whistle:tls-minimum',
          'prod without consoleDomain: viewers may negotiate TLS 1.0/1.1 on *.cloudfront.net. Set consoleDomain and consoleCertificateArn for TLSv1.2_2021.',
        );
      }
    }
    const buckets: [s3.Bucket, string][] = [
      [this.bucket, 'the console build (public files, redeployed from the repository)'],
      [this.evidenceBucket, 'resolution photos'],
    ];
    for (const [bucket, what] of buckets) {
      Validations.of(bucket).acknowledge(
        guard(
          's3_bucket_default_encryption_kms_check',
          `SSE-S3 (AES-256) for ${what}: CloudFront OAC and presigned URLs work without a KMS key policy; a customer key adds cost and a policy to keep in step, not protection for data that is shown to its users.`,
        ),
        guard(
          's3_event_notifications_enabled_check',
          `No process reacts to new objects of ${what}; nothing to notify.`,
        ),
      );
    }
    Validations.of(this.bucket).acknowledge(
      guard(
        's3_bucket_versioning_enabled_check',
        'The console build is reproduced from git at every deploy (pruned copy): versions would keep nothing of value.',
      ),
      guard(
        's3_bucket_object_lock_enabled_check',
        'The console build is replaced at every deploy: it cannot be locked.',
      ),
      guard(
        's3_lifecycle_policy_check',
        'The deployment prunes files the new build no longer has; nothing accumulates.',
      ),
    );
    if (!config.evidenceRetentionDays) {
      Validations.of(this.evidenceBucket).acknowledge(
        guard(
          's3_bucket_object_lock_enabled_check',
          'Dev: the bucket is torn down with the stack, which Object Lock would prevent; prod locks every photo (evidenceRetentionDays).',
        ),
      );
    }
    const logs = this.node.tryFindChild('LogBucket') as s3.Bucket;
    Validations.of(logs).acknowledge(
      guard(
        's3_bucket_default_encryption_kms_check',
        'SSE-S3: CloudFront standard logs cannot be delivered to an SSE-KMS bucket.',
      ),
      guard(
        's3_bucket_logging_enabled_check',
        'This is the access-log bucket; logging it into itself would loop.',
      ),
      guard(
        's3_bucket_versioning_enabled_check',
        'Access logs are written once and expire by lifecycle; versions would only keep deleted logs longer.',
      ),
      guard(
        's3_bucket_object_lock_enabled_check',
        'Access logs expire by lifecycle, which Object Lock would block.',
      ),
      guard(
        's3_event_notifications_enabled_check',
        'No process reacts to new access-log files; nothing to notify.',
      ),
      guard(
        's3_bucket_acl_prohibited_check',
        'CloudFront standard logging writes through the bucket ACL (BUCKET_OWNER_PREFERRED); the bucket is otherwise private (Block Public Access).',
      ),
    );
  }
}
