/**
 * A stand-in for the JSON-protocol client (shared/adapters/aws-json-client.ts) in adapter unit
 * tests: answers per operation (and input) what the test says, throws what the test throws, and
 * records every call. The client's own requests are tested against a real endpoint in
 * test/functions/aws-json-client.test.ts.
 */
import { AwsServiceError } from '../../shared/adapters/aws-json-client';

type Input = Record<string, unknown>;
type Answer = (input: Input) => unknown;

export class JsonClientStub {
  private readonly answers = new Map<string, Answer>();
  readonly sent: { operation: string; input: Input }[] = [];

  on(operation: string, answer: Answer): this {
    this.answers.set(operation, answer);
    return this;
  }

  /** The inputs of every call to `operation`, in order. */
  calls(operation: string): Input[] {
    return this.sent.filter((c) => c.operation === operation).map((c) => c.input);
  }

  reset(): void {
    this.answers.clear();
    this.sent.length = 0;
  }

  async call<T>(operation: string, input: Input): Promise<T> {
    this.sent.push({ operation, input });
    const answer = this.answers.get(operation);
    return (answer ? await answer(input) : {}) as T;
  }
}

/** An error as the service answers it (`TaskTimedOut`, 400). */
export function serviceError(name: string, status = 400, message = `${name} (injected)`): AwsServiceError {
  return new AwsServiceError(name, message, status, status >= 500 || /Throttl/.test(name));
}

export const fail = (err: Error) => () => {
  throw err;
};
