/**
 * The JSON-protocol client as every function builds it: the Lambda region, the role's credentials
 * from the environment (read per call, so rotations are picked up), one X-Ray subsegment per call.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { AwsJsonClient, type AwsJsonService } from '../../../shared/adapters/aws-json-client';
import { traceCall } from '../xray';

export function lambdaJsonClient(service: AwsJsonService): AwsJsonClient {
  return new AwsJsonClient(service, {
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: fromEnv(),
    observe: traceCall,
  });
}
