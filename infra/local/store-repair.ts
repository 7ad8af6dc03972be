/**
 * Crash safety of the embedded store. dynalite keeps each global secondary index in its own
 * LevelDB keys and maintains it with separate writes (old index entries deleted, new ones put,
 * then the item itself), so a process killed in between leaves an index that disagrees with the
 * table: a ticket missing from the status index is never re-attached at the next start, a torn
 * first write leaves a phantom entry that lists a ticket twice. DynamoDB itself converges; dynalite
 * never does.
 *
 * So every write is first noted in a small journal in the data directory (synchronously: it
 * survives a SIGKILL), and a start that finds the journal non-empty rebuilds the index entries of
 * exactly those items from the table, the truth. A clean stop, or a moment with no write in flight,
 * empties the journal.
 */
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import {
  type AttributeValue,
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { globalSecondaryIndexes, tableKeys } from '../../shared/adapters/table-design';

type Item = Record<string, AttributeValue>;

const writeOps: Record<string, 'Item' | 'Key'> = {
  PutItemCommand: 'Item',
  PutCommand: 'Item',
  UpdateItemCommand: 'Key',
  UpdateCommand: 'Key',
  DeleteItemCommand: 'Key',
  DeleteCommand: 'Key',
};

/** Past this size the journal is emptied at the next moment no write is in flight. */
const JOURNAL_ROTATE_BYTES = 64 * 1024;

export interface WriteJournal {
  /** Empty the journal if nothing is in flight (clean stop). */
  settle(): void;
}

/**
 * Note the key of every item write before it reaches dynalite (`+`) and once it is answered
 * (`-`): after a kill, the keys with a `+` and no `-` are the writes that may be torn.
 */
export function journalWrites(client: DynamoDBClient, file: string): WriteJournal {
  let inFlight = 0;
  let bytes = existsSync(file) ? statSync(file).size : 0;
  const note = (line: string) => {
    appendFileSync(file, line);
    bytes += line.length;
  };
  const settle = () => {
    if (inFlight === 0 && bytes > 0) {
      truncateSync(file, 0);
      bytes = 0;
    }
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const field = writeOps[context.commandName ?? ''];
      const holder = field
        ? ((args.input as Record<string, Item | undefined>)[field] ?? undefined)
        : undefined;
      const pk = holder?.[tableKeys.partitionKey]?.S;
      const sk = holder?.[tableKeys.sortKey]?.S;
      if (pk === undefined || sk === undefined) return next(args);
      const key = JSON.stringify([pk, sk]);
      note(`+${key}\n`);
      inFlight += 1;
      try {
        return await next(args);
      } finally {
        inFlight -= 1;
        note(`-${key}\n`);
        if (bytes > JOURNAL_ROTATE_BYTES) settle();
      }
    },
    // After lib-dynamodb marshalled the input (it does so at `initialize`).
    { step: 'build', name: 'whistleWriteJournal' },
  );
  return { settle };
}

const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) => a?.S === b?.S;
const keyOf = (pk: string, sk: string) => `${pk}\u0000${sk}`;

/**
 * Rebuild the index entries of every item the journal names (run at start, before serving).
 * Returns how many items were repaired.
 */
export async function repairTornWrites(client: DynamoDBClient, table: string, file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  // Writes begun and never answered: the only ones a kill can have torn.
  const open = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const sign = line[0];
    if (sign !== '+' && sign !== '-') continue;
    const k = line.slice(1);
    open.set(k, (open.get(k) ?? 0) + (sign === '+' ? 1 : -1));
  }
  const keys = new Map<string, { pk: string; sk: string }>();
  for (const [line, n] of open) {
    if (n <= 0) continue;
    try {
      const [pk, sk] = JSON.parse(line) as [string, string];
      if (typeof pk === 'string' && typeof sk === 'string') keys.set(keyOf(pk, sk), { pk, sk });
    } catch {
      // the last line of a journal cut by the kill: its write never started
    }
  }
  if (keys.size === 0) {
    truncateSync(file, 0);
    return 0;
  }

  // The truth: the items as the table holds them.
  const truth = new Map<string, Item>();
  const all = [...keys.values()];
  for (let i = 0; i < all.length; i += 100) {
    let pending: Item[] = all
      .slice(i, i + 100)
      .map((k) => ({ [tableKeys.partitionKey]: { S: k.pk }, [tableKeys.sortKey]: { S: k.sk } }));
    for (let round = 0; pending.length > 0 && round < 10; round += 1) {
      const out = await client.send(
        new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[table] ?? []) {
        const pk = item[tableKeys.partitionKey]?.S;
        const sk = item[tableKeys.sortKey]?.S;
        if (pk !== undefined && sk !== undefined) truth.set(keyOf(pk, sk), item);
      }
      pending = (out.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
    }
  }

  // Index entries of those items under keys the truth does not have: phantoms of a torn write.
  // Keys only in the scan; the whole entry is fetched for the few phantoms.
  const phantoms = new Map<string, Item[]>();
  for (const g of globalSecondaryIndexes) {
    let start: Item | undefined;
    do {
      const out = await client.send(
        new ScanCommand({
          TableName: table,
          IndexName: g.indexName,
          ProjectionExpression: '#pk, #sk, #gk, #gs',
          ExpressionAttributeNames: {
            '#pk': tableKeys.partitionKey,
            '#sk': tableKeys.sortKey,
            '#gk': g.partitionKey,
            '#gs': g.sortKey,
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const entry of out.Items ?? []) {
        const k = keyOf(entry[tableKeys.partitionKey]?.S ?? '', entry[tableKeys.sortKey]?.S ?? '');
        if (!keys.has(k)) continue;
        const t = truth.get(k);
        if (t && same(t[g.partitionKey], entry[g.partitionKey]) && same(t[g.sortKey], entry[g.sortKey]))
          continue;
        const whole = await client.send(
          new QueryCommand({
            TableName: table,
            IndexName: g.indexName,
            KeyConditionExpression: '#gk = :gk AND #gs = :gs',
            ExpressionAttributeNames: { '#gk': g.partitionKey, '#gs': g.sortKey },
            ExpressionAttributeValues: {
              ':gk': entry[g.partitionKey] as AttributeValue,
              ':gs': entry[g.sortKey] as AttributeValue,
            },
          }),
        );
        const full = whole.Items?.find(
          (x) =>
            same(x[tableKeys.partitionKey], entry[tableKeys.partitionKey]) &&
            same(x[tableKeys.sortKey], entry[tableKeys.sortKey]),
        );
        if (full) phantoms.set(k, [...(phantoms.get(k) ?? []), full]);
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }

  for (const [k, { pk, sk }] of keys) {
    const t = truth.get(k);
    // Writing a phantom back as the item and then the truth over it makes dynalite delete the
    // phantom's index entries (the "existing" item's keys) and put the truth's.
    for (const phantom of phantoms.get(k) ?? []) {
      await client.send(new PutItemCommand({ TableName: table, Item: phantom }));
      if (!t) {
        await client.send(
          new DeleteItemCommand({
            TableName: table,
            Key: { [tableKeys.partitionKey]: { S: pk }, [tableKeys.sortKey]: { S: sk } },
          }),
        );
      }
    }
    if (t) await client.send(new PutItemCommand({ TableName: table, Item: t }));
  }
  truncateSync(file, 0);
  return keys.size;
}
