/**
 * cost: USD per 1,000 tickets on AWS at published on-demand prices (us-east-1, arm64), from a
 * measured run of the Liling workload: state transitions of finished executions, Lambda
 * invocations and their measured durations, DynamoDB capacity units (ReturnConsumedCapacity, plus
 * the GSI writes dynalite does not report), HTTP API requests and SNS messages. SMS is listed
 * apart: its price depends on the destination country.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { indexEntrySize, itemSize } from '../../infra/local/store-server';
import { Simulation } from '../../scripts/sim/driver';
import { scenarios } from '../../scripts/sim/workload';
import { globalSecondaryIndexes } from '../../shared/adapters/table-design';
import { round } from './common';
import { prices } from './prices';

export { prices };

/**
 * Log volume is estimated, not measured (the local engine writes no CloudWatch events): the state
 * machine logs ALL with execution data, about 0.9 KB an event: two per state, three more per Task
 * (scheduled, started, finished), one per callback (submitted), two per execution; a Lambda
 * invocation writes its three platform lines, about 0.4 KB in JSON.
 */
const LOG_KB = { sfnEvent: 0.9, lambdaInvocation: 0.4 } as const;

/** Memory of each Lambda (infra/constructs/app-function.ts: API 512 MB, workflow tasks 256 MB). */
export const memoryMb = { api: 512, task: 256 } as const;

interface Timed {
  calls: number;
  ms: number;
}

type Middy = {
  use?: (m: {
    before?: (r: unknown) => void;
    after?: (r: unknown) => void;
    onError?: (r: unknown) => void;
  }) => unknown;
};

/** Time every invocation of a middy handler (a middleware added at the end of its chain). */
function timeHandler(handler: unknown, into: Timed): void {
  const started = new WeakMap<object, number>();
  const stop = (request: unknown) => {
    const t0 = started.get(request as object);
    if (t0 === undefined) return;
    into.calls += 1;
    into.ms += performance.now() - t0;
  };
  (handler as Middy).use?.({
    before: (request) => {
      started.set(request as object, performance.now());
    },
    after: stop,
    onError: stop,
  });
}

export interface CostResult {
  tickets: number;
  simulatedDays: number;
  finishedExecutions: number;
  perTicket: {
    transitions: number;
    lambda: Record<string, { invocations: number; meanMs: number; memoryMb: number }>;
    writeUnits: number;
    readUnits: number;
    apiRequests: number;
    emails: number;
    snsPublishes: number;
    sms: number;
    smsParts: number;
    storeOpsPerInvocation: number;
    /** Estimated CloudWatch Logs ingestion (state machine events and Lambda platform lines). */
    logKb: number;
    /** Bytes a ticket leaves in the store (table and index copies, its notices and links included). */
    storedKb: number;
  };
  usdPer1000: {
    /** Estimated (see LOG_KB), not in the totals' targets but in the totals. */
    cloudWatchLogs: number;
    stepFunctions: number;
    lambda: number;
    dynamodb: number;
    httpApi: number;
    snsEmail: number;
    total: number;
    /** Lambda again, had every store call taken 5 ms and every SNS/Step Functions call 15 ms (AWS latencies). */
    lambdaAtAwsLatency: number;
    totalAtAwsLatency: number;
  };
  smsPer1000: { messages: number; parts: number; note: string };
  target: { stepFunctions: number; total: number; stepFunctionsMet: boolean; totalMet: boolean };
}

export async function benchCost(opts: {
  tickets: number;
  days: number;
  tailDays: number;
}): Promise<CostResult> {
  const timed = {
    ticketIntake: { calls: 0, ms: 0 },
    ticketActions: { calls: 0, ms: 0 },
    awaitParty: { calls: 0, ms: 0 },
    onTimer: { calls: 0, ms: 0 },
    advance: { calls: 0, ms: 0 },
  };
  let storeStats: {
    writes: number;
    reads: number;
    readUnits: number;
    writeUnits: number;
    indexWriteUnits: number;
  } = {
    writes: 0,
    reads: 0,
    readUnits: 0,
    writeUnits: 0,
    indexWriteUnits: 0,
  };
  const stored = new Map<string, number>();
  const report = await new Simulation({
    scenario: scenarios.liling,
    seed: 'cost',
    tickets: opts.tickets,
    days: opts.days,
    tailDays: opts.tailDays,
    via: 'handlers',
    resolutionMs: 60_000,
    onRuntime: (rt) => {
      timeHandler(rt.handlers.api.ticketIntake, timed.ticketIntake);
      timeHandler(rt.handlers.api.ticketActions, timed.ticketActions);
      timeHandler(rt.handlers.tasks.awaitParty, timed.awaitParty);
      timeHandler(rt.handlers.tasks.onTimer, timed.onTimer);
      timeHandler(rt.handlers.tasks.advance, timed.advance);
      rt.store.consumedCapacity = true;
      storeStats = rt.store.stats;
      // Bytes stored: the last version of every item put (DynamoDB bills 100 bytes of overhead an
      // item), in the table and, projected as deployed, in every index whose key it carries.
      rt.store.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutItemCommand') {
            const item = (args.input as { Item?: Record<string, AttributeValue> }).Item;
            if (item) {
              const entries = globalSecondaryIndexes.reduce(
                (sum, g) => sum + (indexEntrySize(item, g) ?? 0),
                0,
              );
              stored.set(`${item.pk?.S}|${item.sk?.S}`, itemSize(item) + 100 + entries);
            }
          }
          return next(args);
        },
        { step: 'build', name: 'whistleCostStoredBytes' },
      );
    },
  }).run();

  const n = Math.max(1, report.tickets.created);
  const engine = report.run.engine;
  const transitions = engine.transitionsPerFinished.mean;
  const lambda: CostResult['perTicket']['lambda'] = {};
  let lambdaUsd = 0;
  let lambdaAwsUsd = 0;
  let invocations = 0;
  for (const [fn, t] of Object.entries(timed)) {
    const mem = fn === 'ticketIntake' || fn === 'ticketActions' ? memoryMb.api : memoryMb.task;
    const perTicket = t.calls / n;
    const meanMs = t.calls ? t.ms / t.calls : 0;
    lambda[fn] = { invocations: round(perTicket, 2), meanMs: round(meanMs, 2), memoryMb: mem };
    invocations += t.calls;
    // Lambda bills whole milliseconds.
    lambdaUsd +=
      perTicket *
      (prices.lambdaPerRequest + (Math.ceil(meanMs) / 1000) * (mem / 1024) * prices.lambdaPerGbSecondArm);
  }
  const storeOps = storeStats.writes + storeStats.reads;
  const opsPerInvocation = storeOps / Math.max(1, invocations);
  // On AWS the same invocations wait on the network: store calls ~5 ms, SNS and Step Functions ~15 ms.
  const messages = report.notifications.sms + report.notifications.email;
  for (const [fn, t] of Object.entries(timed)) {
    const mem = fn === 'ticketIntake' || fn === 'ticketActions' ? memoryMb.api : memoryMb.task;
    const perTicket = t.calls / n;
    const meanMs = t.calls ? t.ms / t.calls : 0;
    const awsMs = meanMs + opsPerInvocation * 5 + (messages / Math.max(1, invocations)) * 15 + 15;
    lambdaAwsUsd +=
      perTicket *
      (prices.lambdaPerRequest + (Math.ceil(awsMs) / 1000) * (mem / 1024) * prices.lambdaPerGbSecondArm);
  }
  const wru = (storeStats.writeUnits + storeStats.indexWriteUnits) / n;
  const rru = storeStats.readUnits / n;
  const apiRequests = (timed.ticketIntake.calls + timed.ticketActions.calls) / n;
  const emails = report.notifications.email / n;
  const publishes = (report.notifications.email + report.notifications.sms) / n;
  const per1000 = (x: number) => round(x * 1000, 4);
  const sfn = transitions * prices.stepFunctionsPerTransition;
  const dynamo = wru * prices.dynamoPerWriteUnit + rru * prices.dynamoPerReadUnit;
  const http = apiRequests * prices.httpApiPerRequest;
  const sns = emails * prices.snsEmailPerMessage + publishes * prices.snsPerPublish;
  const tasks = (timed.awaitParty.calls + timed.onTimer.calls + timed.advance.calls) / n;
  const callbacks = timed.awaitParty.calls / n;
  const logKb =
    (transitions * 2 + tasks * 3 + callbacks + 2) * LOG_KB.sfnEvent +
    (invocations / n) * LOG_KB.lambdaInvocation;
  const logs = (logKb / 1024 / 1024) * prices.cloudWatchLogsPerGb;
  const total = sfn + lambdaUsd + dynamo + http + sns + logs;
  const totalAws = sfn + lambdaAwsUsd + dynamo + http + sns + logs;
  return {
    tickets: report.tickets.created,
    simulatedDays: report.window.simulatedDays,
    finishedExecutions: engine.transitionsPerFinished.count,
    perTicket: {
      transitions,
      lambda,
      writeUnits: round(wru, 2),
      readUnits: round(rru, 2),
      apiRequests: round(apiRequests, 2),
      emails: round(emails, 2),
      snsPublishes: round(publishes, 2),
      sms: round(report.notifications.sms / n, 2),
      smsParts: round(report.notifications.smsParts / n, 2),
      storeOpsPerInvocation: round(opsPerInvocation, 2),
      logKb: round(logKb, 1),
      storedKb: round([...stored.values()].reduce((a, b) => a + b, 0) / n / 1024, 1),
    },
    usdPer1000: {
      cloudWatchLogs: per1000(logs),
      stepFunctions: per1000(sfn),
      lambda: per1000(lambdaUsd),
      dynamodb: per1000(dynamo),
      httpApi: per1000(http),
      snsEmail: per1000(sns),
      total: per1000(total),
      lambdaAtAwsLatency: per1000(lambdaAwsUsd),
      totalAtAwsLatency: per1000(totalAws),
    },
    smsPer1000: {
      messages: round((report.notifications.sms / n) * 1000),
      parts: round((report.notifications.smsParts / n) * 1000),
      note: 'priced per destination country (SNS SMS): multiply by the per-part price of the country',
    },
    target: {
      stepFunctions: 0.3,
      total: 1,
      stepFunctionsMet: sfn * 1000 <= 0.3,
      totalMet: totalAws * 1000 <= 1,
    },
  };
}
