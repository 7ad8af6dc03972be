/**
 * WorkflowPort on AWS Step Functions. Executions are named `ticket-<id>-<generation>`: starting
 * the generation that runs already is a no-op, and a repair starts the next generation instead
 * of a name Step Functions blocks for 90 days after a failure. A party's part ends with the task
 * failure `PartyDone` (the ASL catches it), every other step is a task success.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  InvalidToken,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { encodeStep, executionName, taskErrors, wholeSecondsUntil } from '../../workflows/contract';
import type { Clock, EngineStep, ExecutionReport, Step, WorkflowPort } from '../ports';

/** By class or by name: errors rebuilt from an HTTP response may not be instances of the class. */
function isNamed(err: unknown, type: abstract new (...args: never[]) => Error): boolean {
  return err instanceof type || (err as Error | undefined)?.name === type.name;
}

export class SfnWorkflow implements WorkflowPort {
  constructor(
    private readonly client: SFNClient,
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
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName(ticketId, generation),
          input: JSON.stringify(this.encode(input)),
        }),
      );
    } catch (err) {
      // The name is the generation the record owns: it runs (or ran) already. Whether it still
      // runs is the reconciler's question, not intake's.
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
    }
  }

  async resume(token: string, step: Step): Promise<boolean> {
    try {
      if (step.next === 'done') {
        await this.client.send(
          new SendTaskFailureCommand({ taskToken: token, error: taskErrors.partyDone, cause: 'done' }),
        );
      } else {
        await this.client.send(
          new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(this.encode(step)) }),
        );
      }
      return true;
    } catch (err) {
      // The wait already ended (timer fired, answered, execution gone): the record holds the truth.
      if (err instanceof TaskTimedOut || err instanceof TaskDoesNotExist || err instanceof InvalidToken)
        return false;
      throw err;
    }
  }

  async stop(ticketId: string, generation: number, reason: string): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({ executionArn: this.executionArn(ticketId, generation), cause: reason }),
      );
    } catch (err) {
      if (!isNamed(err, ExecutionDoesNotExist)) throw err;
    }
  }

  async describe(ticketId: string, generation: number): Promise<ExecutionReport> {
    try {
      const out = await this.client.send(
        new DescribeExecutionCommand({ executionArn: this.executionArn(ticketId, generation) }),
      );
      return {
        execution: out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE' ? 'running' : 'ended',
        redrivable: out.redriveStatus === 'REDRIVABLE',
      };
    } catch (err) {
      if (isNamed(err, ExecutionDoesNotExist)) return { execution: 'missing' };
      throw err;
    }
  }

  async redrive(ticketId: string, generation: number): Promise<boolean> {
    try {
      await this.client.send(
        new RedriveExecutionCommand({ executionArn: this.executionArn(ticketId, generation) }),
      );
      return true;
    } catch (err) {
      if (isNamed(err, ExecutionNotRedrivable) || isNamed(err, ExecutionDoesNotExist)) return false;
      throw err;
    }
  }
}
