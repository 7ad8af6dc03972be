/**
 * The one table under the store's repositories (dynamo-store.ts composes them): the document
 * client and the table's name, with the operations they all repeat. Every call maps DynamoDB's
 * transient failures to StoreBusyError; a failed condition is an answer (false, undefined), not an
 * error, and each repository decides what it means.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreBusyError, ValidationError } from '../domain/errors';
import { isTransientError } from './transient-errors';

export type Item = Record<string, unknown>;
export type ItemKey = { pk: string; sk: string };

export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isTransientError(err)) throw new StoreBusyError(`store unavailable: ${(err as Error).message}`);
    throw err;
  }
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const entries = Object.entries(parsed);
      if (entries.length > 0 && entries.length <= 6 && entries.every(([, v]) => typeof v === 'string')) {
        return parsed as Record<string, unknown>;
      }
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('invalid cursor', [
    { path: 'cursor', message: 'not a cursor this API returned' },
  ]);
}

/**
 * A list's key condition on an index: its key (`:pk`, set by the caller) and, from the filter,
 * the range on the time-ordered sort key (`<instant>#<id>`); `to` closes with `~`, which sorts
 * after what follows an instant, so the entries at `to` itself are in.
 */
export function timeRangeCondition(
  pkName: string,
  skName: string,
  filter: { from?: string; to?: string },
  values: Record<string, unknown>,
): string {
  let keyCondition = `${pkName} = :pk`;
  if (filter.from && filter.to) {
    keyCondition += ` AND ${skName} BETWEEN :from AND :to`;
    values[':from'] = filter.from;
    values[':to'] = `${filter.to}~`;
  } else if (filter.from) {
    keyCondition += ` AND ${skName} >= :from`;
    values[':from'] = filter.from;
  } else if (filter.to) {
    keyCondition += ` AND ${skName} <= :to`;
    values[':to'] = `${filter.to}~`;
  }
  return keyCondition;
}

/** Returns false on a failed condition; other errors propagate. */
async function unlessConditionFails(op: () => Promise<unknown>): Promise<boolean> {
  try {
    await guard(op);
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

export type QueryInput = Omit<QueryCommandInput, 'TableName'>;

export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  async get(
    key: ItemKey,
    opts: { projection?: string; consistent?: boolean } = {},
  ): Promise<Item | undefined> {
    const out = await guard(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.name,
          Key: key,
          ...(opts.projection ? { ProjectionExpression: opts.projection } : {}),
          ...(opts.consistent ? { ConsistentRead: true } : {}),
        }),
      ),
    );
    return out.Item;
  }

  /** A put, conditional when `condition` is given: false when the condition failed. */
  async put(
    item: Item,
    condition?: { expression: string; values?: Record<string, unknown> },
  ): Promise<boolean> {
    return unlessConditionFails(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ...(condition
            ? {
                ConditionExpression: condition.expression,
                ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
              }
            : {}),
        }),
      ),
    );
  }

  /** Conditional put of a new item: false when an item with its key exists already. */
  async putIfAbsent(item: Item): Promise<boolean> {
    return this.put(item, { expression: 'attribute_not_exists(pk)' });
  }

  /**
   * The guarded write of a versioned item (one conditional PutItem on `version`): the item it
   * replaced, or undefined when the stored version is not `expectedVersion` any more.
   */
  async putIfVersion(item: Item, expectedVersion: number): Promise<{ old: Item | undefined } | undefined> {
    try {
      const out = await guard(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.name,
            Item: item,
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': expectedVersion },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return { old: out.Attributes };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /** An UpdateItem, conditional when `condition` is given: false when the condition failed. */
  async update(input: {
    key: ItemKey;
    update: string;
    condition?: string;
    names?: Record<string, string>;
    values?: Record<string, unknown>;
  }): Promise<boolean> {
    return unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.name,
          Key: input.key,
          UpdateExpression: input.update,
          ...(input.condition ? { ConditionExpression: input.condition } : {}),
          ...(input.names ? { ExpressionAttributeNames: input.names } : {}),
          ...(input.values ? { ExpressionAttributeValues: input.values } : {}),
        }),
      ),
    );
  }

  async query(input: QueryInput) {
    return guard(() => this.doc.send(new QueryCommand({ TableName: this.name, ...input })));
  }

  /**
   * One page of a list the API serves: from the caller's cursor (an opaque token; a token this
   * API did not return is a ValidationError) to the cursor of the next page, if any.
   */
  async queryPage(
    input: QueryInput,
    cursor: string | undefined,
  ): Promise<{ items: Item[]; nextCursor?: string }> {
    const startKey = decodeCursor(cursor);
    const out = await this.query({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return { items: out.Items ?? [], ...(nextCursor ? { nextCursor } : {}) };
  }

  /** Every page of a query, one after the other (each read only when the caller asks for it). */
  async *queryPages(input: QueryInput): AsyncIterable<Item[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.query({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) });
      yield page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async scan(input: Omit<ScanCommandInput, 'TableName'>) {
    return guard(() => this.doc.send(new ScanCommand({ TableName: this.name, ...input })));
  }

  /**
   * Items by key: 100 a request, the keys the store left unprocessed asked again (five rounds at
   * most). Returns what it read and how many keys stayed unprocessed; each caller decides.
   */
  async batchGet(
    keys: Record<string, unknown>[],
    opts: { consistent?: boolean; projection?: string } = {},
  ): Promise<{ items: Item[]; unprocessed: number }> {
    const items: Item[] = [];
    let unprocessed = 0;
    for (let i = 0; i < keys.length; i += 100) {
      let batch = keys.slice(i, i + 100);
      for (let attempt = 0; batch.length > 0 && attempt < 5; attempt += 1) {
        const res = await guard(() =>
          this.doc.send(
            new BatchGetCommand({
              RequestItems: {
                [this.name]: {
                  Keys: batch,
                  ...(opts.consistent ? { ConsistentRead: true } : {}),
                  ...(opts.projection ? { ProjectionExpression: opts.projection } : {}),
                },
              },
            }),
          ),
        );
        items.push(...(res.Responses?.[this.name] ?? []));
        batch = (res.UnprocessedKeys?.[this.name]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
      unprocessed += batch.length;
    }
    return { items, unprocessed };
  }
}
