/** The Step Functions adapter, for the functions that start, signal, stop or inspect executions. */
import { sfnService } from '../../../shared/adapters/aws-json-client';
import { SfnWorkflow } from '../../../shared/adapters/sfn-workflow';
import { WallClock } from '../../../shared/adapters/wall-clock';
import type { FunctionEnv } from '../env';
import { lambdaJsonClient } from './json-client';

/** Fails at import when the function was deployed without its state machine. */
export function sfnWorkflow(env: FunctionEnv): SfnWorkflow {
  if (!env.STATE_MACHINE_ARN) throw new Error('invalid function environment: STATE_MACHINE_ARN is required');
  return new SfnWorkflow(lambdaJsonClient(sfnService), env.STATE_MACHINE_ARN, new WallClock());
}
