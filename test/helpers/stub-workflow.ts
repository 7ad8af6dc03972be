/**
 * A WorkflowPort that records what the use cases ask of the engine, for tests of use cases and
 * adapters that run without one (the real engine is tested in test/workflows/).
 */
import type { EngineStep, ExecutionReport, Step, WorkflowPort } from '../../shared/ports';
import { encodeStep } from '../../workflows/contract';

export class RecordingWorkflow implements WorkflowPort {
  readonly started: { ticketId: string; generation: number; input: Step }[] = [];
  readonly resumed: { token: string; step: Step }[] = [];
  readonly stopped: { ticketId: string; generation: number }[] = [];

  async start(ticketId: string, generation: number, input: Step): Promise<void> {
    this.started.push({ ticketId, generation, input });
  }
  async resume(token: string, step: Step): Promise<boolean> {
    this.resumed.push({ token, step });
    return true;
  }
  async stop(ticketId: string, generation: number): Promise<void> {
    this.stopped.push({ ticketId, generation });
  }
  async describe(): Promise<ExecutionReport> {
    return { execution: 'unknown' };
  }
  async redrive(): Promise<boolean> {
    return false;
  }
  encode(step: Step): EngineStep {
    return encodeStep(step, () => 1);
  }
}
