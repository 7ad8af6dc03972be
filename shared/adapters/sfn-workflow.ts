/**
 * WorkflowPort on AWS Step Functions. Executions are named after the ticket and its open count,
 * so a retried intake that starts the same execution again is a no-op (StartExecution is
 * idempotent for the same name and input while the execution runs).
 */
import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { Step, WorkflowPort } from '../ports';

export class SfnWorkflow implements WorkflowPort {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  private executionArn(ticketId: string): string {
    const [, , , region, account, , name] = this.stateMachineArn.split(':');
    return `arn:aws:states:${region}:${account}:execution:${name}:ticket-${ticketId}`;
  }

  async start(ticketId: string, input: Step): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: `ticket-${ticketId}`,
          input: JSON.stringify(input),
        }),
      );
    } catch (err) {
      // Same name, different input: the ticket's execution runs (or ran) already.
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
    }
  }

  async sendTaskSuccess(token: string, output: Step): Promise<boolean> {
    try {
      await this.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }),
      );
      return true;
    } catch (err) {
      // The wait already ended (timer fired, or answered): the ticket record still holds the truth.
      if (err instanceof TaskTimedOut || err instanceof TaskDoesNotExist || err instanceof InvalidToken)
        return false;
      throw err;
    }
  }

  async stop(ticketId: string, reason: string): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({ executionArn: this.executionArn(ticketId), cause: reason }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ExecutionDoesNotExist') throw err;
    }
  }
}
