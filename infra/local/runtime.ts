/**
 * Boots the whole product on one machine: dynalite on disk, the seed configuration, the lifecycle
 * ASL on the local engine bound to the Lambda handlers, the HTTP API with its authorizer, the
 * console, and the simulated clock. Open tickets are re-attached to fresh executions at start-up.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Context } from 'aws-lambda';
import { makeAdminConfig } from '../../functions/api/admin-config';
import { makeClockAudit } from '../../functions/api/clock-audit';
import { makeExports } from '../../functions/api/exports';
import { makeLinks } from '../../functions/api/links';
import { makeOpen311 } from '../../functions/api/open311';
import { makeQueries } from '../../functions/api/queries';
import { makeReceipts } from '../../functions/api/receipts';
import type { RouteSpec } from '../../functions/api/routes';
import { makeService } from '../../functions/api/service';
import { makeTicketActions } from '../../functions/api/ticket-actions';
import { makeTicketEvidence } from '../../functions/api/ticket-evidence';
import { makeTicketIntake } from '../../functions/api/ticket-intake';
import type { Deps } from '../../functions/lib/deps';
import { makeAdvance } from '../../functions/tasks/advance';
import { makeAwaitParty } from '../../functions/tasks/await-party';
import { makeClockFailed } from '../../functions/tasks/clock-failed';
import { makeOnTimer } from '../../functions/tasks/on-timer';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { seedConfig } from '../../shared/config/seed';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import type { Notifier } from '../../shared/ports';
import { ConfigService } from '../../shared/use-cases/config-service';
import { LinkService, LinkSigner } from '../../shared/use-cases/links';
import { executionInput, generationOf } from '../../shared/use-cases/ticket-service';
import { readLifecycleAsl, substituteAsl, substitutionKeys } from '../../workflows/contract';
import { type LifecycleTask, lifecycleTasks, taskBySubstitution } from '../../workflows/tasks';
import { ClockWatchdog, graceForScale } from './clock-watchdog';
import { LocalWorkflow } from './engine-host';
import { type ApiHandler, type LambdaHandler, lambdaContext, startHttpServer } from './http-server';
import { linkSecretForDataDir } from './link-secret';
import { LocalAuth } from './local-auth';
import { LocalSender, type Pacing } from './local-sender';
import { PrintingOutbox } from './outbox';
import { type SchedulingClock, SimClock } from './sim-clock';
import { staticSite } from './static-site';
import { LOCAL_TABLE, type LocalStore, type StoreTransport, startStore } from './store-server';

export interface RuntimeOptions {
  port: number;
  /** Undefined: everything in memory (tests that need no restart). */
  dataDir?: string;
  timeScale: number;
  clockStart?: string;
  localTokens: boolean;
  /** Directory with the built console (index.html and assets). */
  consoleDir?: string;
  /** Replace the clock (workflow tests drive a ManualClock). */
  clock?: SchedulingClock;
  notifier?: Notifier;
  /** Delivery backoff; tests pass zeros. */
  backoffMs?: readonly number[];
  /** Channel credentials (JSON) for real gateways; default: every channel prints to the outbox. */
  channelsFile?: string;
  intakePerSecond?: number;
  /**
   * How the runtime reaches its store (store-server.ts): `worker` runs dynalite on another core
   * (npm start), `in-process` keeps it on this thread (tests, the simulator's shards).
   */
  storeTransport?: StoreTransport;
  /** The time notifications are paced in (local-sender.ts; default: the wall clock). */
  sendPacing?: Pacing;
  log?: (line: string) => void;
  quiet?: boolean;
  /**
   * Real milliseconds between clock-watchdog passes (default 5 s; 0: no interval, tests and the
   * simulator call `watchdog.pass()` themselves).
   */
  watchdogMs?: number;
}

export interface Runtime {
  url: string;
  deps: Deps;
  workflow: LocalWorkflow;
  clock: SchedulingClock;
  auth: LocalAuth;
  /** The embedded store: its client and request counters (bench, simulator). */
  store: LocalStore;
  /** The notification queue and its sender loop (`drained()` waits for it). */
  outbox: LocalSender;
  resumed: number;
  /** The handlers this runtime made (the bench times them; the simulator can act through them). */
  handlers: { api: Record<RouteSpec['fn'], ApiHandler>; tasks: Record<LifecycleTask, LambdaHandler> };
  /** The clock audit and reconciler over this runtime's engine. */
  watchdog: ClockWatchdog;
  stop(): Promise<void>;
}

/** A token bucket for intake admission (the embedded runtime protects its single store). */
function tokenBucket(perSecond: number) {
  let tokens = perSecond;
  let last = Date.now();
  return {
    take() {
      const now = Date.now();
      tokens = Math.min(perSecond, tokens + ((now - last) / 1000) * perSecond);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const clock =
    opts.clock ??
    (opts.dataDir
      ? SimClock.forDataDir(opts.dataDir, opts.timeScale, opts.clockStart)
      : new SimClock({
          simMs: opts.clockStart ? Date.parse(opts.clockStart) : Date.now(),
          realMs: Date.now(),
          scale: opts.timeScale,
        }));
  const store = await startStore(opts.dataDir, opts.storeTransport ? { transport: opts.storeTransport } : {});
  const db = new DynamoStore(store.client, LOCAL_TABLE);
  const auth = LocalAuth.forDataDir(opts.dataDir);

  if ((await db.latestVersion()) === 0) {
    await db.put(seedConfig(toShanghaiIso(clock.now())));
    log('seeded configuration v1 (Liling: 5 streets, 23 communities, 220 grids, 78 units)');
  }

  const definition = substituteAsl(
    readLifecycleAsl(),
    Object.fromEntries(
      substitutionKeys.map((k) => [k, LocalWorkflow.functionArn(taskBySubstitution[k])]),
    ) as Record<(typeof substitutionKeys)[number], string>,
  );
  // The task handlers are made with the deps, which hold the workflow that calls them: the engine
  // gets forwarders, bound to the handlers once the deps exist (below), before anything runs.
  const tasks: Partial<Record<LifecycleTask, LambdaHandler>> = {};
  const forward = (name: LifecycleTask) => (event: unknown) => {
    const task = tasks[name];
    if (!task) throw new Error(`task ${name} ran before the runtime bound it`);
    return task(event, lambdaContext(name));
  };
  const workflow = new LocalWorkflow(
    definition,
    Object.fromEntries(Object.keys(lifecycleTasks).map((k) => [k, forward(k as LifecycleTask)])),
    clock,
    log,
  );

  // Only this process writes configuration, so the cached latest version is always current.
  const configs = new ConfigService(db, clock, 60_000);
  const outbox = new LocalSender(store.client, LOCAL_TABLE, {
    ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
    ...(opts.channelsFile ? { channelsFile: opts.channelsFile } : {}),
    ...(opts.sendPacing ? { pacing: opts.sendPacing } : {}),
    log,
  });
  const deps: Deps = {
    store: db,
    configStore: db,
    configs,
    clock,
    workflow,
    notifier: opts.notifier ?? new PrintingOutbox(opts.quiet ? () => {} : log),
    queue: outbox,
    delivery: outbox.delivery,
    publicBaseUrl: `http://127.0.0.1:${opts.port}`,
    local: true,
    verifyToken: (token) => auth.verify(`Bearer ${token}`),
    links: new LinkService(db, new LinkSigner(linkSecretForDataDir(opts.dataDir))),
    ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
    onDeferred: (message, err) => log(`${message}: ${(err as Error).message}`),
  };
  const scale = clock instanceof SimClock ? clock.scale : 1;
  const watchdog = new ClockWatchdog(deps, workflow, {
    intervalMs: opts.watchdogMs ?? 5_000,
    graceMs: graceForScale(scale),
    fullEvery: 12,
    log,
  });
  deps.clockAudit = () => watchdog.audit();
  const taskHandlers: Record<LifecycleTask, LambdaHandler> = {
    awaitParty: makeAwaitParty(deps),
    onTimer: makeOnTimer(deps),
    advance: makeAdvance(deps),
    clockFailed: makeClockFailed(deps),
  };
  Object.assign(tasks, taskHandlers);
  outbox.start(deps, deps.notifier);

  let ready = false;
  // The same handler factories as the Lambda entries (functions/entries), made with this
  // runtime's adapters: two runtimes in one process share nothing.
  const handlers: Record<RouteSpec['fn'], ApiHandler> = {
    ticketIntake: makeTicketIntake(deps),
    ticketActions: makeTicketActions(deps),
    queries: makeQueries(deps),
    adminConfig: makeAdminConfig(deps),
    open311: makeOpen311(deps),
    service: makeService(deps),
    links: makeLinks(deps),
    ticketEvidence: makeTicketEvidence(deps),
    exports: makeExports(deps),
    receipts: makeReceipts(deps),
    clockAudit: makeClockAudit(deps),
  };
  const { server, url } = await startHttpServer({
    port: opts.port,
    handlers,
    auth,
    localTokens: opts.localTokens,
    ...(opts.consoleDir && existsSync(opts.consoleDir) ? { console: staticSite(opts.consoleDir) } : {}),
    ...(opts.intakePerSecond ? { intakeLimiter: tokenBucket(opts.intakePerSecond) } : {}),
    ready: () => ready,
    log,
  });
  deps.publicBaseUrl = url;

  // The board's counters against the open tickets, before anything writes: a process killed
  // between a ticket write and its counter updates leaves the change on the record; this applies
  // it and puts any counter that still disagrees back to the truth (board-counts.ts).
  await db.recountBoard(true);
  // A data directory written by an older version: its tickets brought to the current layout (the
  // due index, the city-wide list on the street entries, the daily aggregates), once.
  await db.upgradeLayout(toShanghaiIso(clock.now()));

  // Re-attach every open ticket at its stored stage, as the generation its record owns (nothing
  // of this process ran it yet); overdue stages breach right away. The watchdog keeps them so.
  let resumed = 0;
  for await (const page of db.openTickets()) {
    for (const t of page) {
      const rec = await db.getTicket(t.id);
      if (!rec) continue;
      await workflow.start(t.id, generationOf(rec), executionInput(rec.ticket, clock));
      resumed += 1;
    }
  }
  if ((opts.watchdogMs ?? 5_000) > 0) watchdog.start();
  ready = true;

  return {
    url,
    deps,
    workflow,
    clock,
    auth,
    store,
    outbox,
    resumed,
    handlers: { api: handlers, tasks: taskHandlers },
    watchdog,
    async stop() {
      ready = false;
      await watchdog.stop();
      await new Promise<void>((resolve) => {
        (server as Server).close(() => resolve());
        (server as Server).closeAllConnections();
      });
      await workflow.shutdown();
      // Aborted executions may still have a task handler mid-write: let it land before closing.
      await workflow.settled();
      await outbox.stop();
      if (clock instanceof SimClock) clock.stop();
      await store.close();
    },
  };
}

export type { Context };
