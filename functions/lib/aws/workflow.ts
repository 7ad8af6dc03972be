/** The Step Functions adapter, for the functions that start, signal, stop or inspect executions. */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { AwsJsonClient, sfnService } from '../../../shared/adapters/aws-json-client';
import { SfnWorkflow } from '../../../shared/adapters/sfn-workflow';
import { WallClock } from '../../../shared/adapters/wall-clock';
import type { FunctionEnv } from '../env';
import { traceCall } from '../xray';

/** Fails at import when the function was deployed without its state machine. */
export function sfnWorkflow(env: FunctionEnv): SfnWorkflow {
  if (!env.STATE_MACHINE_ARN) throw new Error('invalid function environment: STATE_MACHINE_ARN is required');
  const sfn = new AwsJsonClient(sfnService, {
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: fromEnv(),
    observe: traceCall,
  });
  return new SfnWorkflow(sfn, env.STATE_MACHINE_ARN, new WallClock());
}
