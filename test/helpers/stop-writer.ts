import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A writer that dies after its ticket write, before any counter or aggregate update: while
 * `stopped` is on, every request to a `BOARD#` or `MET#` key throws. `remove()` takes it off.
 */
export function stopWriterBeforeCounters(client: DynamoDBClient, name: string) {
  const state = { stopped: false, remove: () => client.middlewareStack.remove(name) };
  client.middlewareStack.add(
    (next) => async (args) => {
      const key = (args.input as { Key?: { pk?: { S?: string } | string } }).Key?.pk;
      const pk = typeof key === 'string' ? key : key?.S;
      if (state.stopped && /^(BOARD|MET)#/.test(pk ?? ''))
        throw new Error('injected: the writer stopped here');
      return next(args);
    },
    { step: 'initialize', name },
  );
  return state;
}
