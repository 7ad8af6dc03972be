/**
 * The embedded store: dynalite (DynamoDB's API over LevelDB) on disk in the data directory, with
 * the table created on first start and reused after restarts.
 *
 * How the runtime's own client reaches dynalite (docs/performance.md has the measurements):
 * - `in-process` (the default of startStore): a smithy request handler hands the DynamoDB JSON
 *   request straight to dynalite's request listener, no socket, no HTTP parser: same wire
 *   protocol, same validation, same adapter code; about 2.5× the PutItem rate of loopback HTTP.
 * - `worker` (`npm start`): the same, with dynalite in a worker thread (store-worker.mjs), so the
 *   store works on the second core: about twice the intake of `in-process`.
 * - `tcp`: loopback HTTP, as before. dynalite always listens on a loopback port (`endpoint`) too.
 * WHISTLE_STORE_TRANSPORT picks one when the caller does not.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';
import dynalite from 'dynalite';
import { globalSecondaryIndexes, projectedAttributes, tableKeys } from '../../shared/adapters/table-design';
import { journalWrites, repairTornWrites, type WriteJournal } from './store-repair';

export const LOCAL_TABLE = 'whistle-dispatch';

export type StoreTransport = 'in-process' | 'worker' | 'tcp';

/** What the runtime's client asked of the store (the bench and the simulator read these). */
export interface StoreStats {
  /** PutItem, UpdateItem, DeleteItem, BatchWriteItem requests. */
  writes: number;
  /** GetItem, BatchGetItem, Query, Scan requests. */
  reads: number;
  /** Requests sent and not yet answered. */
  inFlight: number;
  byOperation: Record<string, number>;
  /** Capacity units reported by the store (only while `consumedCapacity` is on). */
  readUnits: number;
  writeUnits: number;
  /**
   * Write units the table's GSIs would add on DynamoDB (dynalite reports the base table only):
   * one unit per started KB of the item for every index whose key the item carries.
   */
  indexWriteUnits: number;
}

export interface LocalStore {
  client: DynamoDBClient;
  endpoint: string;
  transport: StoreTransport;
  stats: StoreStats;
  /** Ask the store for ReturnConsumedCapacity=TOTAL on every request (cost measurements). */
  consumedCapacity: boolean;
  close(): Promise<void>;
}

export function storeClient(
  endpoint: string,
  requestHandler?: RequestHandler<HttpRequest, HttpResponse>,
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Loopback: keep connections open, many in flight (the store is the bottleneck, not sockets).
    requestHandler:
      requestHandler ?? new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
    maxAttempts: 3,
  });
}

// ---------------------------------------------------------------------------------------------
// In-process transport
// ---------------------------------------------------------------------------------------------

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of IncomingMessage dynalite's listener uses: method, url, headers and body events. */
class LoopbackRequest extends EventEmitter {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {
    super();
  }
}

/** The part of ServerResponse dynalite's listener uses. */
class LoopbackResponse {
  statusCode = 200;
  /** dynalite keeps its negotiated content type here. */
  contentType: string | undefined;
  readonly headers: Record<string, string> = {};

  constructor(private readonly done: (res: LoopbackResponse, body: string) => void) {}

  setHeader(name: string, value: string | number): void {
    this.headers[name.toLowerCase()] = String(value);
  }

  end(body?: string): void {
    this.done(this, body ?? '');
  }
}

function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // The SDK's JSON body is a Uint8Array subclass whose valueOf() is a string: wrap its memory
  // instead of letting Buffer.from convert it.
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('the in-process store transport only carries string or byte bodies');
}

/**
 * A smithy HttpHandler that serves each request with dynalite's request listener in this process.
 * The SDK still serializes and parses exactly as over HTTP; only the socket (and, see skipSigning,
 * the signature nobody checks) is gone.
 */
export class InProcessHandler implements RequestHandler<HttpRequest, HttpResponse> {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly listener: RequestListener) {}

  handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) {
        for (const one of Array.isArray(v) ? v : [v]) if (one !== null) query.append(k, one);
      }
      const qs = query.toString();
      const req = new LoopbackRequest(request.method, `${request.path || '/'}${qs ? `?${qs}` : ''}`, headers);
      const res = new LoopbackResponse((r, body) =>
        resolve({
          response: { statusCode: r.statusCode, headers: r.headers, body: Buffer.from(body, 'utf8') },
        }),
      );
      try {
        this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        const body = bodyBytes(request.body);
        if (body?.length) req.emit('data', body);
        req.emit('end');
      } catch (err) {
        reject(err);
      }
    });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/**
 * dynalite checks that a request carries SigV4 headers, never the signature itself. In-process,
 * where no request leaves the process, the HMAC chain over every body is pure cost (a fifth of a
 * ticket write, half of a read): a fixed, well-formed placeholder replaces it.
 */
function skipSigning(client: DynamoDBClient): void {
  if (!client.middlewareStack.remove('httpSigningMiddleware')) return;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as HttpRequest;
      request.headers.authorization =
        'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
      request.headers['x-amz-date'] = '20260101T000000Z';
      return next(args);
    },
    { step: 'finalizeRequest', name: 'whistleLocalSignature' },
  );
}

type WorkerReply =
  | { type: 'ready'; port: number }
  | { type: 'closed' }
  | { type: 'response'; id: number; statusCode: number; headers: Record<string, string>; body: string }
  | { type: 'response'; id: number; error: string };

/** dynalite in a worker thread (store-worker.mjs), reached by messages instead of a socket. */
export class WorkerHandler implements RequestHandler<HttpRequest, HttpResponse> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private next = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type !== 'response') return;
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      done?.(m);
    });
  }

  static async start(path: string | undefined): Promise<{ handler: WorkerHandler; port: number }> {
    const worker = new Worker(new URL('./store-worker.mjs', import.meta.url), {
      workerData: { path },
      // The worker is plain JavaScript: no TypeScript loader needed (nor wanted) there.
      execArgv: [],
    });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: WorkerReply) =>
        m.type === 'ready' ? resolve(m.port) : reject(new Error('store worker')),
      );
    });
    return { handler: new WorkerHandler(worker), port };
  }

  handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const id = ++this.next;
    const body = bodyBytes(request.body);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => {
        if (m.type !== 'response') return;
        if ('error' in m) reject(new Error(`store worker: ${m.error}`));
        else
          resolve({
            response: { statusCode: m.statusCode, headers: m.headers, body: Buffer.from(m.body, 'utf8') },
          });
      });
      this.worker.postMessage({
        type: 'request',
        id,
        method: request.method,
        url: request.path || '/',
        headers,
        body,
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'closed') {
          this.worker.off('message', onMessage);
          resolve();
        }
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'close' });
    });
    await this.worker.terminate();
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

// ---------------------------------------------------------------------------------------------
// Instrumentation
// ---------------------------------------------------------------------------------------------

const writeOps = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const readOps = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
/** lib-dynamodb command names → the DynamoDB operation they send. */
const documentOps: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Get: 'GetItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};

function operationOf(commandName: string | undefined): string {
  const name = (commandName ?? 'Unknown').replace(/Command$/, '');
  return documentOps[name] ?? name;
}

/** DynamoDB's item size rules (names + values, 1 byte per list/map element, 3 bytes per container). */
export function attributeSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + attributeSize({ N: s }), 0);
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + b.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((n, x) => n + 1 + attributeSize(x), 0);
  if (v.M !== undefined) return 3 + itemSize(v.M) + Object.keys(v.M).length;
  return 0;
}

export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name, 'utf8') + attributeSize(value);
  return size;
}

/**
 * The entry an item puts in one index: its keys, the index's keys and the projected attributes
 * (table-design.ts), plus DynamoDB's 100 bytes of index overhead. Undefined when the item carries
 * no key of that index.
 */
export function indexEntrySize(
  item: Record<string, AttributeValue>,
  g: { partitionKey: string; sortKey: string },
  projection: 'ALL' | 'INCLUDE' = 'INCLUDE',
): number | undefined {
  if (item[g.partitionKey] === undefined) return undefined;
  if (projection === 'ALL') return itemSize(item) + 100;
  const names = [
    tableKeys.partitionKey,
    tableKeys.sortKey,
    g.partitionKey,
    g.sortKey,
    ...projectedAttributes,
  ];
  const entry = Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]]));
  return itemSize(entry as Record<string, AttributeValue>) + 100;
}

/** An upper bound from the new item alone: a put into every index whose key it carries. */
function indexWriteUnits(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  let units = 0;
  for (const g of globalSecondaryIndexes) {
    const size = indexEntrySize(item, g);
    if (size !== undefined) units += Math.max(1, Math.ceil(size / 1024));
  }
  return units;
}

interface CapacityOutput {
  ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
}

function instrument(store: Pick<LocalStore, 'client' | 'stats' | 'consumedCapacity'>): void {
  const { stats } = store;
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = operationOf(context.commandName);
      const input = args.input as Record<string, unknown>;
      if (store.consumedCapacity && (writeOps.has(op) || readOps.has(op)))
        input.ReturnConsumedCapacity = 'TOTAL';
      stats.byOperation[op] = (stats.byOperation[op] ?? 0) + 1;
      if (writeOps.has(op)) stats.writes += 1;
      if (readOps.has(op)) stats.reads += 1;
      stats.inFlight += 1;
      try {
        const out = await next(args);
        if (store.consumedCapacity) {
          const consumed = (out.output as CapacityOutput).ConsumedCapacity;
          const units = [consumed ?? []].flat().reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
          if (writeOps.has(op)) stats.writeUnits += units;
          else stats.readUnits += units;
        }
        return out;
      } finally {
        stats.inFlight -= 1;
      }
    },
    { step: 'initialize', priority: 'low', name: 'whistleStoreStats' },
  );
  // Item sizes need the marshalled item: lib-dynamodb marshals right before serialization.
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (store.consumedCapacity && operationOf(context.commandName) === 'PutItem') {
        const item = (args.input as { Item?: Record<string, AttributeValue> }).Item;
        stats.indexWriteUnits += indexWriteUnits(item);
      }
      return next(args);
    },
    { step: 'build', name: 'whistleStoreIndexUnits' },
  );
}

export function emptyStoreStats(): StoreStats {
  return {
    writes: 0,
    reads: 0,
    inFlight: 0,
    byOperation: {},
    readUnits: 0,
    writeUnits: 0,
    indexWriteUnits: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Table and start-up
// ---------------------------------------------------------------------------------------------

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await createTable(client, tableName);
  }
  // A new table is CREATING for a moment (on AWS for seconds): writes before ACTIVE fail.
  for (let i = 0; i < 600; i += 1) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, i < 20 ? 5 : 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const attrs = new Set<string>([tableKeys.partitionKey, tableKeys.sortKey]);
  for (const g of globalSecondaryIndexes) {
    attrs.add(g.partitionKey);
    attrs.add(g.sortKey);
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projectedAttributes] },
      })),
    }),
  );
}

function transportFromEnv(): StoreTransport {
  const t = process.env.WHISTLE_STORE_TRANSPORT;
  return t === 'tcp' || t === 'worker' ? t : 'in-process';
}

/**
 * Start dynalite on disk (or in memory when `dir` is undefined), make sure the table exists, and
 * return a client on the chosen transport (default: in-process, see the header).
 */
export async function startStore(
  dir: string | undefined,
  opts: { transport?: StoreTransport } = {},
): Promise<LocalStore> {
  let path: string | undefined;
  if (dir) {
    path = join(dir, 'store');
    mkdirSync(path, { recursive: true });
  }
  const transport = opts.transport ?? transportFromEnv();
  let client: DynamoDBClient;
  let endpoint: string;
  let shutdown: () => Promise<void>;
  if (transport === 'worker') {
    const { handler, port } = await WorkerHandler.start(path);
    endpoint = `http://127.0.0.1:${port}`;
    client = storeClient(endpoint, handler);
    shutdown = () => handler.close();
  } else {
    const server: Server = dynalite({
      ...(path ? { path } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    endpoint = `http://127.0.0.1:${port}`;
    const listener = server.listeners('request')[0] as RequestListener | undefined;
    if (transport === 'in-process' && !listener) throw new Error('dynalite exposes no request listener');
    client = storeClient(
      endpoint,
      transport === 'in-process' && listener ? new InProcessHandler(listener) : undefined,
    );
    shutdown = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (transport !== 'tcp') skipSigning(client);
  let journal: WriteJournal | undefined;
  const store: LocalStore = {
    client,
    endpoint,
    transport,
    stats: emptyStoreStats(),
    consumedCapacity: false,
    close: async () => {
      journal?.settle();
      client.destroy();
      await shutdown();
    },
  };
  instrument(store);
  await ensureTable(client, LOCAL_TABLE);
  if (path) {
    // Mend what the last crash tore (the journal is emptied only once that is done), then journal
    // every write from now on so the next start can do the same.
    const file = join(path, 'write-journal');
    await repairTornWrites(client, LOCAL_TABLE, file);
    journal = journalWrites(client, file);
  }
  return store;
}
