/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (an esbuild alias in
 * infra/constructs/bundling.ts). Every SDK client's protocol can load event-stream support on
 * demand, so esbuild bundles it (about 14 KB minified) into every function, yet no operation
 * these functions call (DynamoDB, Step Functions, SQS, SNS, Secrets Manager, S3 PutObject) has
 * an event-stream member: the import never runs. If a future call did stream, it fails loudly
 * here instead of mis-parsing the stream.
 */
const unavailable = (): never => {
  throw new Error('event streams are not bundled into this function (functions/lib/aws/no-event-streams.ts)');
};

export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}

export const eventStreamSerdeProvider = unavailable;
