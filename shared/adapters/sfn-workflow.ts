/**
 * WorkflowPort on AWS Step Functions. Executions are named `ticket-<id>-<generation>`: starting
 * the generation that runs already is a no-op, and a repair starts the next generation instead
 * of a name Step Functions blocks for 90 days after a failure. A party's part ends with the task
 * failure `PartyDone` (the ASL catches it), every other step is a task success.
 *
 * Step Functions speaks the JSON protocol; its calls go through the JSON-protocol client
 * (aws-json-client.ts) rather than the SDK's SFN client, which weighed 23 KB in each of the ten
 * functions that drive executions. The service's error codes arrive as the errors' names.
 */
import { encodeStep, executionName, taskErrors, wholeSecondsUntil } from '../../workflows/contract';
import type { Clock, EngineStep, ExecutionReport, Step, WorkflowPort } from '../ports';
import type { AwsJsonClient } from './aws-json-client';

type ServiceErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionNotRedrivable'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut';

function isNamed(err: unknown, ...codes: ServiceErrorCode[]): boolean {
  const name = (err as Error | undefined)?.name;
  return codes.some((c) => c === name);
}

export class SfnWorkflow implements WorkflowPort {
  constructor(
    private readonly sfn: Pick<AwsJsonClient, 'call'>,
    private readonly stateMachineArn: string,
    private readonly clock: Clock,
  ) {}

  executionArn(ticketId: string, generation: number): string {
    const [, partition, , region, account, , name] = this.stateMachineArn.split(':');
    return `arn:${partition}:states:${region}:${account}:execution:${name}:${executionName(ticketId, generation)}`;
  }

  encode(step: Step): EngineStep {
    const now = this.clock.now();
    return encodeStep(step, (at) => wholeSecondsUntil(at, now));
  }

  async start(ticketId: string, generation: number, input: Step): Promise<void> {
    try {
      await this.sfn.call('StartExecution', {
        stateMachineArn: this.stateMachineArn,
        name: executionName(ticketId, generation),
        input: JSON.stringify(this.encode(input)),
      });
    } catch (err) {
      // The name is the generation the record owns: it runs (or ran) already. Whether it still
      // runs is the reconciler's question, not intake's.
      if (!isNamed(err, 'ExecutionAlreadyExists')) throw err;
    }
  }

  async resume(token: string, step: Step): Promise<boolean> {
    try {
      if (step.next === 'done') {
        await this.sfn.call('SendTaskFailure', {
          taskToken: token,
          error: taskErrors.partyDone,
          cause: 'done',
        });
      } else {
        await this.sfn.call('SendTaskSuccess', {
          taskToken: token,
          output: JSON.stringify(this.encode(step)),
        });
      }
      return true;
    } catch (err) {
      // The wait already ended (timer fired, answered, execution gone): the record holds the truth.
      if (isNamed(err, 'TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken')) return false;
      throw err;
    }
  }

  async stop(ticketId: string, generation: number, reason: string): Promise<void> {
    try {
      await this.sfn.call('StopExecution', {
        executionArn: this.executionArn(ticketId, generation),
        cause: reason,
      });
    } catch (err) {
      if (!isNamed(err, 'ExecutionDoesNotExist')) throw err;
    }
  }

  async describe(ticketId: string, generation: number): Promise<ExecutionReport> {
    try {
      const out = await this.sfn.call<{ status?: string; redriveStatus?: string }>('DescribeExecution', {
        executionArn: this.executionArn(ticketId, generation),
      });
      return {
        execution: out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE' ? 'running' : 'ended',
        redrivable: out.redriveStatus === 'REDRIVABLE',
      };
    } catch (err) {
      if (isNamed(err, 'ExecutionDoesNotExist')) return { execution: 'missing' };
      throw err;
    }
  }

  async redrive(ticketId: string, generation: number): Promise<boolean> {
    try {
      await this.sfn.call('RedriveExecution', { executionArn: this.executionArn(ticketId, generation) });
      return true;
    } catch (err) {
      if (isNamed(err, 'ExecutionNotRedrivable', 'ExecutionDoesNotExist')) return false;
      throw err;
    }
  }
}
