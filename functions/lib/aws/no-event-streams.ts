/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (an esbuild alias in
 * infra/constructs/bundling.ts). Every SDK client's protocol can load event-stream support on
 * demand, so esbuild bundles it (about 14 KB minified) into every function, yet no operation
 * these functions call (DynamoDB, Step Functions, SNS, S3 PutObject) has an event-stream member:
 * the codec never runs. Clients that wire a marshaller at construction (S3) get one that fails
 * loudly if a future call did stream, instead of mis-parsing the stream.
 */
const unavailable = (): never => {
  throw new Error('event streams are not bundled into this function (functions/lib/aws/no-event-streams.ts)');
};

const marshaller = { serialize: unavailable, deserialize: unavailable };

export const eventStreamSerdeProvider = (_config?: unknown) => marshaller;

/** As the original: the client's marshaller from its provider. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (c: T) => unknown }>(
  input: T,
) => Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}
