/**
 * The admin console's content, deployed last: the build of console/ (console/build.ts on the local
 * machine, no Docker needed) and `/config.json`, which tells the console how to sign in (the
 * Cognito pool and client of the Api stack). The bucket and the distribution are the Edge stack's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerImage, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
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

    this.deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
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
          region: Stack.of(this).region,
          userPoolId: props.userPool.userPoolId,
          userPoolClientId: props.userPoolClient.userPoolClientId,
          // Same origin: CloudFront forwards the API paths.
          apiBaseUrl: '',
        }),
      ],
      distribution: props.distribution,
      distributionPaths: ['/*'],
      prune: true,
      memoryLimit: 512,
    });

    this.acknowledgeFindings(config);
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
      'AwsSolutions-IAM5[Resource::*]':
        'cloudfront:CreateInvalidation/GetInvalidation have no resource-level permissions.',
    };
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      for (const [id, reason] of Object.entries(findings)) Validations.of(child).acknowledge({ id, reason });
    }
  }
}
