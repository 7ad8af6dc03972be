/**
 * The admin console: a private bucket behind CloudFront (origin access control), deployed from
 * console/ by console/build.ts on the local machine (no Docker needed).
 *
 * CloudFront also forwards the API paths (/v1/*, /open311/*, /healthz, ...) to the HTTP API, so
 * the console calls the API on its own origin exactly as it does on the embedded runtime
 * (`GET /` serves the console there too). That needs no CORS and no API URL baked into the
 * build; `/config.json` only tells the console how to sign in (the Cognito pool and client).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { routes } from '../../functions/api/routes';
import { repoRoot, type StageConfig } from '../config';

export interface ConsoleStackProps extends StackProps {
  config: StageConfig;
  httpApi: apigw.IHttpApi;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
}

/** CloudFront path patterns covering every API route: `/v1/*` for nested paths, exact otherwise. */
export function apiPathPatterns(): string[] {
  const patterns = routes.map((r) => {
    const [first, ...rest] = r.path.split('/').filter(Boolean);
    return rest.length > 0 ? `/${first}/*` : `/${first}`;
  });
  return [...new Set(patterns)];
}

export class ConsoleStack extends Stack {
  readonly distribution: cloudfront.Distribution;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { config } = props;
    const destroy = config.removalPolicy === RemovalPolicy.DESTROY;

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
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });

    // Deep links (/tickets/42) load the app shell; files with an extension are served as they are.
    const spaRewrite = new cloudfront.Function(this, 'SpaRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.indexOf('.') === -1) { r.uri = '/index.html'; } return r; }",
      ),
    });

    const region = Stack.of(this).region;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            `connect-src 'self' https://cognito-idp.${region}.amazonaws.com`,
            "img-src 'self' data:",
            "style-src 'self' 'unsafe-inline'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
          ].join('; '),
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

    // execute-api host out of https://<id>.execute-api.<region>.amazonaws.com
    const apiHost = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: new origins.HttpOrigin(apiHost, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
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
      additionalBehaviors: Object.fromEntries(apiPathPatterns().map((p) => [p, apiBehavior])),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Users are in mainland China and Hong Kong; Asia edges are in PRICE_CLASS_200.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      ...customDomain,
    });

    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(join(repoRoot, 'console'), {
          bundling: {
            // Only used if local bundling declines; the machines have no Docker, so it never should.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
            local: {
              tryBundle(outputDir: string): boolean {
                const result = spawnSync('npx', ['tsx', 'console/build.ts', outputDir], {
                  cwd: repoRoot,
                  stdio: 'inherit',
                });
                // Fail loudly: falling back to Docker would only hide a broken console build.
                if (result.status !== 0) throw new Error(`console/build.ts failed (exit ${result.status})`);
                return true;
              },
            },
          },
        }),
        Source.jsonData('config.json', {
          stage: config.stage,
          region,
          userPoolId: props.userPool.userPoolId,
          userPoolClientId: props.userPoolClient.userPoolClientId,
          // Same origin: CloudFront forwards the API paths.
          apiBaseUrl: '',
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
      memoryLimit: 512,
    });

    this.acknowledgeFindings(config);
  }

  private acknowledgeFindings(config: StageConfig): void {
    const d = this.distribution;
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: every page and API call requires a Cognito sign-in, and staff also work from roaming phones.',
    });
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF yet: the API stage is throttled and every non-public route needs a JWT; a web ACL (about $5/month + rules) is planned for prod with the custom domain.',
    });
    if (!config.consoleDomain) {
      Validations.of(d).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum at TLSv1; set consoleDomain/consoleCertificateArn to get TLSv1.2_2021.',
      });
    }
    // The BucketDeployment handler is a CDK-provided singleton Lambda (Python + awscli layer)
    // whose role CDK writes: it copies the staged zip from the bootstrap asset bucket into the
    // site bucket and invalidates the distribution.
    const siteObjects = `Resource::<${this.logicalIdOf(this.bucket)}.Arn>/*`;
    const findings: Record<string, string> = {
      'AwsSolutions-L1': 'Runtime chosen by aws-cdk-lib for its BucketDeployment handler.',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'CDK-managed BucketDeployment handler role; only writes its own logs.',
      'AwsSolutions-IAM5[Action::s3:GetObject*]':
        'Reads the staged console zip (CDK grant on the asset bucket).',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]': 'Reads bucket metadata for the copy (CDK grant).',
      'AwsSolutions-IAM5[Action::s3:List*]': 'Lists objects to prune files the new build no longer has.',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]': 'Prunes files the new build no longer has.',
      'AwsSolutions-IAM5[Action::s3:Abort*]': 'Aborts failed multipart uploads of large assets.',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]':
        'Staged assets live under content-hashed keys in the CDK bootstrap bucket.',
      [`AwsSolutions-IAM5[${siteObjects}]`]: 'Writes every file of the console build into the site bucket.',
      'AwsSolutions-IAM5[Resource::*]':
        'cloudfront:CreateInvalidation/GetInvalidation have no resource-level permissions.',
    };
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      for (const [id, reason] of Object.entries(findings)) Validations.of(child).acknowledge({ id, reason });
    }
  }

  private logicalIdOf(bucket: s3.Bucket): string {
    return this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  }
}
