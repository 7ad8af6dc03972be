/**
 * Measures partition heat at the store client: a middleware on the DynamoDB client the runtime
 * uses charges every request's capacity units to the partition keys it touches (heat.ts has the
 * arithmetic), at the simulated second it ran. It learns the table's keys and its indexes'
 * projections from DescribeTable, not from the store adapter, so it keeps measuring whatever keys
 * and indexes the store is given.
 *
 * Where the item images come from: writes ask for the old item (PutItem, DeleteItem: ALL_OLD) or
 * the new one (UpdateItem: ALL_NEW) when the caller did not ask for something else, and the meter
 * keeps a shadow of every item it saw written (its size and index entries): the old image of an
 * update, the full size of an item read with a projection. What the caller did not ask for is
 * taken off the answer again. Query and Scan use the units the store reports (they depend on the
 * items read before any filter, which the client never sees).
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { attributeSize, itemSize } from '../../infra/local/store-server';
import {
  type Charge,
  type IndexEntry,
  type IndexShape,
  type ItemImage,
  indexWriteCharges,
  type PartitionHeat,
  readUnits,
  writeUnits,
} from './heat';

type Item = Record<string, AttributeValue>;

/** The table's shape as the meter needs it. */
export interface TableShape {
  partitionKey: string;
  sortKey?: string;
  indexes: IndexShape[];
}

export async function describeShape(client: DynamoDBClient, tableName: string): Promise<TableShape> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const hash = (ks: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    ks?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
  const range = (ks: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    ks?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const sortKey = range(Table?.KeySchema);
  return {
    partitionKey: hash(Table?.KeySchema),
    ...(sortKey ? { sortKey } : {}),
    indexes: (Table?.GlobalSecondaryIndexes ?? []).map((g) => {
      const sk = range(g.KeySchema);
      return {
        name: g.IndexName ?? '',
        partitionKey: hash(g.KeySchema),
        ...(sk ? { sortKey: sk } : {}),
        projection: (g.Projection?.ProjectionType ?? 'ALL') as IndexShape['projection'],
        ...(g.Projection?.NonKeyAttributes ? { include: g.Projection.NonKeyAttributes } : {}),
      };
    }),
  };
}

const text = (v: AttributeValue | undefined): string | undefined =>
  v === undefined
    ? undefined
    : (v.S ?? v.N ?? (v.B ? Buffer.from(v.B).toString('base64') : JSON.stringify(v)));

/** An item's size and its entry in every index whose keys it carries. */
export function imageOf(shape: TableShape, item: Item): ItemImage {
  const size = itemSize(item);
  const entries: ItemImage['entries'] = {};
  const attr = (name: string | undefined) =>
    name && item[name] !== undefined
      ? Buffer.byteLength(name) + attributeSize(item[name] as AttributeValue)
      : 0;
  for (const g of shape.indexes) {
    const partition = text(item[g.partitionKey]);
    const sort = g.sortKey ? text(item[g.sortKey]) : '';
    // A GSI is sparse: an item is in it only with every key attribute of the index.
    if (partition === undefined || sort === undefined) continue;
    let entrySize = size;
    let projected: string | undefined;
    if (g.projection !== 'ALL') {
      const keys = new Set([shape.partitionKey, shape.sortKey, g.partitionKey, g.sortKey]);
      entrySize = [...keys].reduce((n, k) => n + attr(k), 0);
      if (g.projection === 'INCLUDE') {
        const included = (g.include ?? []).filter((k) => !keys.has(k) && item[k] !== undefined);
        entrySize += included.reduce((n, k) => n + attr(k), 0);
        projected = JSON.stringify(included.map((k) => [k, item[k]]));
      }
    }
    const entry: IndexEntry = { partition, sort, size: entrySize, ...(projected ? { projected } : {}) };
    entries[g.name] = entry;
  }
  return { size, entries };
}

const attributeTypes = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** An AttributeValue has exactly one member, named after its type. */
const isAttributeValue = (v: unknown): boolean => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && attributeTypes.has(keys[0] as string);
};

/**
 * An item as DynamoDB holds it: raw commands answer with AttributeValues, document commands with
 * plain values (whatever their command name says), which are marshalled back to be measured.
 */
export function asItem(value: unknown): Item | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const values = Object.values(value);
  if (values.every(isAttributeValue)) return value as Item;
  return marshall(value as Record<string, unknown>, {
    removeUndefinedValues: true,
    convertClassInstanceToMap: true,
  });
}

interface Pending {
  op: string;
  /** What the caller asked for (undefined: nothing), so what it did not ask for can be removed. */
  callerReturnValues?: string;
  callerConsumedCapacity?: string;
}

const opOf = (commandName: string): string =>
  ({
    PutCommand: 'PutItem',
    UpdateCommand: 'UpdateItem',
    DeleteCommand: 'DeleteItem',
    GetCommand: 'GetItem',
    BatchGetCommand: 'BatchGetItem',
    BatchWriteCommand: 'BatchWriteItem',
  })[commandName] ?? commandName.replace(/Command$/, '');

/** The meter's two middleware steps, by name (detach takes them off again). */
const REQUEST_STEP = 'whistleHeatRequest';
const CHARGE_STEP = 'whistleHeatCharge';

export interface HeatMeter {
  /** Items whose image the meter holds. */
  readonly shadowed: () => number;
  /**
   * Item writes the store did: each table write, plus each index entry it put, deleted or
   * rewrote (the bench's `itemWritesPerTicket` counts these).
   */
  readonly counts: { tableWrites: number; indexWrites: number };
  /** Take the meter off the client (the bench times the product without its extra work). */
  detach(): void;
}

/**
 * Charge every request `client` sends to `heat`, at `now()` (the simulator's clock, ms). The
 * client must already know the table (DescribeTable is read once, here).
 */
export async function attachHeatMeter(
  client: DynamoDBClient,
  tableName: string,
  now: () => number,
  heat: PartitionHeat,
): Promise<HeatMeter> {
  const shape = await describeShape(client, tableName);
  const shadow = new Map<string, ItemImage>();
  /** The meter's own follow-up reads, not charged (they are not the product's). */
  const own = new WeakSet<object>();
  const keyOf = (key: Item) =>
    `${text(key[shape.partitionKey])}\u0000${shape.sortKey ? text(key[shape.sortKey]) : ''}`;
  const partitionOf = (key: Item) => text(key[shape.partitionKey]) ?? '?';
  const charge = (c: Charge) => heat.record(now(), c);
  const counts = { tableWrites: 0, indexWrites: 0 };

  const chargeWrite = (key: Item, after: Item | undefined, oldFromStore?: Item) => {
    const id = keyOf(key);
    const before = oldFromStore ? imageOf(shape, oldFromStore) : shadow.get(id);
    const image = after ? imageOf(shape, after) : undefined;
    charge({
      index: 'table',
      partition: partitionOf(key),
      rcu: 0,
      wcu: writeUnits(Math.max(before?.size ?? 0, image?.size ?? 0)),
    });
    const copies = indexWriteCharges(shape.indexes, before, image);
    for (const c of copies) charge(c);
    counts.tableWrites += 1;
    counts.indexWrites += copies.length;
    if (image) shadow.set(id, image);
    else shadow.delete(id);
  };
  const chargeGet = (key: Item, found: Item | undefined, consistent: boolean) => {
    // The full item's size is billed whatever the projection expression kept.
    const size = shadow.get(keyOf(key))?.size ?? (found ? itemSize(found) : 0);
    charge({ index: 'table', partition: partitionOf(key), rcu: readUnits(size, consistent), wcu: 0 });
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (own.has(input)) return next(args);
      const op = opOf(context.commandName ?? '');
      const pending: Pending = { op };
      if (typeof input.ReturnValues === 'string') pending.callerReturnValues = input.ReturnValues;
      if (typeof input.ReturnConsumedCapacity === 'string')
        pending.callerConsumedCapacity = input.ReturnConsumedCapacity;
      const rv = pending.callerReturnValues ?? 'NONE';
      if ((op === 'PutItem' || op === 'DeleteItem') && rv === 'NONE') input.ReturnValues = 'ALL_OLD';
      if (op === 'UpdateItem' && rv === 'NONE') input.ReturnValues = 'ALL_NEW';
      if ((op === 'Query' || op === 'Scan') && !pending.callerConsumedCapacity)
        input.ReturnConsumedCapacity = 'TOTAL';
      (context as { whistleHeat?: Pending }).whistleHeat = pending;
      const out = await next(args);
      const output = out.output as unknown as Record<string, unknown>;
      if (
        pending.callerReturnValues === undefined &&
        (op === 'PutItem' || op === 'DeleteItem' || op === 'UpdateItem')
      )
        delete output.Attributes;
      return out;
    },
    { step: 'initialize', priority: 'high', name: REQUEST_STEP },
  );

  // Item keys and bodies as DynamoDB sees them: document commands are marshalled by now.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const pending = (context as { whistleHeat?: Pending }).whistleHeat;
      if (!pending) return next(args);
      const input = args.input as Record<string, unknown>;
      const { op } = pending;
      let out: Awaited<ReturnType<typeof next>>;
      try {
        out = await next(args);
      } catch (err) {
        // A refused conditional write is still billed: the item's size on the table's partition.
        if ((err as Error).name === 'ConditionalCheckFailedException') {
          const key = (op === 'PutItem' ? input.Item : input.Key) as Item | undefined;
          if (key)
            charge({
              index: 'table',
              partition: partitionOf(key),
              rcu: 0,
              wcu: writeUnits(shadow.get(keyOf(key))?.size ?? 0),
            });
        }
        throw err;
      }
      const output = out.output as unknown as Record<string, unknown>;
      const attributes = asItem(output.Attributes);
      const consistent = input.ConsistentRead === true;
      switch (op) {
        case 'PutItem': {
          const item = input.Item as Item;
          const rv = pending.callerReturnValues ?? 'ALL_OLD';
          chargeWrite(item, item, rv === 'ALL_OLD' ? attributes : undefined);
          break;
        }
        case 'DeleteItem': {
          const rv = pending.callerReturnValues ?? 'ALL_OLD';
          chargeWrite(input.Key as Item, undefined, rv === 'ALL_OLD' ? attributes : undefined);
          break;
        }
        case 'UpdateItem': {
          const key = input.Key as Item;
          let after = (pending.callerReturnValues ?? 'ALL_NEW') === 'ALL_NEW' ? attributes : undefined;
          if (!after) {
            const get = { TableName: tableName, Key: key, ConsistentRead: true };
            own.add(get);
            after = (await client.send(new GetItemCommand(get))).Item;
          }
          chargeWrite(key, after);
          break;
        }
        case 'GetItem':
          chargeGet(input.Key as Item, asItem(output.Item), consistent);
          break;
        case 'BatchGetItem': {
          const requests = (input.RequestItems ?? {}) as Record<
            string,
            { Keys?: Item[]; ConsistentRead?: boolean }
          >;
          const responses = (output.Responses ?? {}) as Record<string, unknown[]>;
          for (const [table, req] of Object.entries(requests)) {
            if (table !== tableName) continue;
            const found = new Map(
              (responses[table] ?? []).map((x) => {
                const item = asItem(x) as Item;
                return [keyOf(item), item] as const;
              }),
            );
            for (const key of req.Keys ?? [])
              chargeGet(key, found.get(keyOf(key)), req.ConsistentRead === true);
          }
          break;
        }
        case 'BatchWriteItem': {
          const requests = (input.RequestItems ?? {}) as Record<
            string,
            { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
          >;
          for (const r of requests[tableName] ?? []) {
            if (r.PutRequest) chargeWrite(r.PutRequest.Item, r.PutRequest.Item);
            else if (r.DeleteRequest) chargeWrite(r.DeleteRequest.Key, undefined);
          }
          break;
        }
        case 'Query':
        case 'Scan': {
          const consumed = output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
          const index = typeof input.IndexName === 'string' ? input.IndexName : 'table';
          const partition = op === 'Scan' ? '(scan: every partition)' : (queryPartition(shape, input) ?? '?');
          charge({ index, partition, rcu: consumed?.CapacityUnits ?? 0, wcu: 0 });
          if (!pending.callerConsumedCapacity) delete output.ConsumedCapacity;
          break;
        }
      }
      return out;
    },
    { step: 'build', name: CHARGE_STEP },
  );
  return {
    shadowed: () => shadow.size,
    counts,
    detach: () => {
      client.middlewareStack.remove(REQUEST_STEP);
      client.middlewareStack.remove(CHARGE_STEP);
    },
  };
}

/** The partition key value a Query names (its key condition's equality on the hash key). */
export function queryPartition(shape: TableShape, input: Record<string, unknown>): string | undefined {
  const indexName = input.IndexName as string | undefined;
  const hash = indexName ? shape.indexes.find((g) => g.name === indexName)?.partitionKey : shape.partitionKey;
  if (!hash) return undefined;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Item;
  const expr = input.KeyConditionExpression;
  if (typeof expr === 'string') {
    for (const clause of expr.split(/\s+and\s+/i)) {
      const m = /^\(?\s*([#\w.]+)\s*=\s*(:\w+)\s*\)?$/.exec(clause.trim());
      if (!m) continue;
      const name = m[1]?.startsWith('#') ? names[m[1]] : m[1];
      if (name === hash) return text(values[m[2] as string]);
    }
  }
  const legacy = (input.KeyConditions ?? {}) as Record<string, { AttributeValueList?: AttributeValue[] }>;
  return text(legacy[hash]?.AttributeValueList?.[0]);
}
