/**
 * The admin console's content, deployed last: the build of console/ (console/build.ts on the local
 * machine, no Docker needed) and `/config.json`, which tells the console how to sign in (the
 * Cognito pool and client of the Api stack). The bucket and the distribution are the Edge stack's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { repoRoot, type StageConfig } from '../config';
import { consoleBucketName } from './edge-stack';

export interface ConsoleStackProps extends StackProps {
  config: StageConfig;
  distribution: cloudfront.IDistribution;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
}

export class ConsoleStack extends Stack {
  readonly deployment: BucketDeployment;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { config } = props;
    // By name, not by reference: see consoleBucketName.
    const bucket = s3.Bucket.fromBucketName(this, 'SiteBucket', consoleBucketName(config.stage));

    const build = Source.asset(join(repoRoot, 'console'), {
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
    });

    // Script, style and chunk names carry their content hash: a browser and the edge keep them a
    // year, so a weak connection downloads the console once. Old builds' assets are kept (no
    // prune): a page loaded before a deploy can still fetch the chunks it names.
    const assets = new BucketDeployment(this, 'DeployAssets', {
      destinationBucket: bucket,
      sources: [build],
      exclude: ['*'],
      include: ['assets/*'],
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      prune: false,
      memoryLimit: 512,
    });
    // The shell (index.html, config.json) is revalidated on every load, so a deploy shows at once.
    this.deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      sources: [
        build,
        Source.jsonData('config.json', {
          stage: config.stage,
          region: Stack.of(this).region,
          userPoolId: props.userPool.userPoolId,
          userPoolClientId: props.userPoolClient.userPoolClientId,
          // Same origin: CloudFront forwards the API paths.
          apiBaseUrl: '',
        }),
      ],
      exclude: ['assets/*'],
      cacheControl: [CacheControl.noCache()],
      // No `distribution` here: BucketDeployment would grant cloudfront:CreateInvalidation on "*".
      // Pruning skips the excluded assets/, which the deployment above owns.
      prune: true,
      memoryLimit: 512,
    });
    // After the assets: the new shell never names a chunk not yet uploaded.
    this.deployment.node.addDependency(assets);
    this.invalidateAfterDeploy(props.distribution);

    this.acknowledgeFindings(config);
  }

  /**
   * Invalidates the distribution once the new build is in the bucket, with a grant on exactly this
   * distribution. The staged zips' keys are content hashes: a new build is a new caller
   * reference, so the invalidation runs on every change and never twice for the same build.
   */
  private invalidateAfterDeploy(distribution: cloudfront.IDistribution): void {
    const { account, partition } = Stack.of(this);
    const build = Fn.join('-', this.deployment.objectKeys);
    const invalidation = new cr.AwsCustomResource(this, 'Invalidate', {
      resourceType: 'Custom::ConsoleInvalidation',
      installLatestAwsSdk: false,
      onUpdate: {
        service: 'CloudFront',
        action: 'CreateInvalidation',
        parameters: {
          DistributionId: distribution.distributionId,
          InvalidationBatch: { CallerReference: build, Paths: { Quantity: 1, Items: ['/*'] } },
        },
        physicalResourceId: cr.PhysicalResourceId.of(build),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['cloudfront:CreateInvalidation'],
          resources: [`arn:${partition}:cloudfront::${account}:distribution/${distribution.distributionId}`],
        }),
      ]),
    });
    invalidation.node.addDependency(this.deployment);
  }

  /**
   * The BucketDeployment handler is a CDK-provided singleton Lambda (Python + awscli layer) whose
   * role CDK writes: it copies the staged zip from the bootstrap asset bucket into the site bucket
   * and invalidates the distribution.
   */
  private acknowledgeFindings(config: StageConfig): void {
    const siteObjects = `Resource::arn:<AWS::Partition>:s3:::whistle-dispatch-${config.stage}-console-<AWS::AccountId>-<AWS::Region>/*`;
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
    };
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      for (const [id, reason] of Object.entries(findings)) Validations.of(child).acknowledge({ id, reason });
    }
    // The invalidation's provider: a CDK-managed singleton function.
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('AWS679f53fac002430cb0da5b7982bd2287')) continue;
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK-managed AwsCustomResource provider role; the managed policy only lets it write its own logs.',
      });
    }
  }
}
