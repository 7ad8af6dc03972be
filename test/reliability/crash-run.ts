/**
 * Crash recovery, end to end: the embedded runtime runs as a child process exactly as `npm start`
 * runs it (dynalite on disk, simulated clock), tickets are driven through it over HTTP by an
 * at-least-once client, and the process is SIGKILLed at random points and restarted on the same
 * data directory. Then every promise is checked from the outside: each ticket exists once, each
 * open clock resumed (overdue stages breached, whole ladder), each notice recorded once.
 *
 * `npm test` runs a reduced count (crash-recovery.test.ts); the bench calls runCrashRecovery
 * with the full one (RELIABILITY_TICKETS, RELIABILITY_KILLS, RELIABILITY_TIME_SCALE).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_TABLE, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { ticketSchema } from '../../shared/domain/model';
import { freePort } from './support';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const nodeBin = join(repoRoot, 'node_modules/.bin/node');

/** Open tickets in a stopped runtime's store. */
async function countOpen(dataDir: string): Promise<number> {
  const store = await startStore(dataDir, { transport: 'in-process' });
  try {
    let n = 0;
    for await (const page of new DynamoStore(store.client, LOCAL_TABLE).openTickets()) n += page.length;
    return n;
  } finally {
    await store.close();
  }
}

export interface CrashOptions {
  tickets: number;
  /** SIGKILLs in all: kills − 1 at random points of the drive, the last one after it. */
  kills: number;
  /** Simulated seconds per real second: urgent stages fall due within seconds. */
  timeScale?: number;
  /** Tickets driven at once. */
  concurrency?: number;
  /** Seed of the kill points and downtimes (reported, so a failure can be replayed). */
  seed?: number;
  /** Keep the data directory (for inspection). */
  keepDataDir?: boolean;
  log?: (line: string) => void;
}

export interface CrashReport {
  seed: number;
  tickets: number;
  kills: number;
  restarts: number;
  /** Open tickets the runtime said it re-attached, per restart. */
  reattached: number[];
  requests: number;
  /** Requests that failed (connection refused/reset, 503 while starting) and were sent again. */
  retries: number;
  replays: number;
  /** Breach records and notifications checked at the end. */
  breaches: number;
  notifications: number;
  /** The clock audit (GET /v1/admin/clock-audit) once every ladder completed: 0 is the promise. */
  strandedAfterChaos: number;
  /** `clock_repaired` timeline events: clocks the reconciler had to restart, re-send or redrive. */
  repairs: number;
  /** Every broken promise, in words; empty when nothing was lost or doubled. */
  violations: string[];
  durationMs: number;
  dataDir: string;
}

/** Counts for `npm run bench` (full) and `npm test` (reduced), from the environment. */
export function crashOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: { tickets: number; kills: number },
): CrashOptions {
  const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
  return {
    tickets: num(env.RELIABILITY_TICKETS, defaults.tickets),
    kills: num(env.RELIABILITY_KILLS, defaults.kills),
    timeScale: num(env.RELIABILITY_TIME_SCALE, 1800),
    ...(env.RELIABILITY_SEED ? { seed: Number(env.RELIABILITY_SEED) } : {}),
  };
}

/**
 * The full count, for `npm run bench`: 300 tickets, 8 kills unless RELIABILITY_TICKETS /
 * RELIABILITY_KILLS / RELIABILITY_TIME_SCALE / RELIABILITY_SEED say otherwise.
 */
export function crashRecoveryBench(
  env: NodeJS.ProcessEnv = process.env,
  log?: (line: string) => void,
): Promise<CrashReport> {
  return runCrashRecovery({
    ...crashOptionsFromEnv(env, { tickets: 300, kills: 8 }),
    ...(log ? { log } : {}),
  });
}

/** mulberry32: a small seeded generator, so a failing run's kill points can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The child process
// ---------------------------------------------------------------------------------------------

class RuntimeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  readonly url: string;
  restarts = 0;
  readonly reattached: number[] = [];
  private output = '';
  private killing = false;
  /** Exits nobody asked for: a crash of the runtime itself is a failure of the run. */
  readonly crashes: string[] = [];
  /** Workflow executions the runtime reported failed: a ticket whose clocks stopped. */
  readonly failedExecutions: string[] = [];
  private pendingLine = '';

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly timeScale: number,
    private readonly clockStart: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Start on the data directory and resolve once the runtime printed its banner (ready). */
  async start(): Promise<void> {
    this.output = '';
    const child = spawn(nodeBin, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(this.port),
        WHISTLE_DATA_DIR: this.dataDir,
        WHISTLE_TIME_SCALE: String(this.timeScale),
        WHISTLE_CLOCK_START: this.clockStart,
        WHISTLE_QUIET: '1',
        WHISTLE_LOCAL_TOKENS: 'on',
        // Intake admission is not under test here: the driver never exceeds it.
        WHISTLE_INTAKE_PER_SECOND: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.killing = false;
    // Never leave a runtime behind if this process ends first (a failed or interrupted run).
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    this.exited = new Promise((res) =>
      child.once('exit', (code, signal) => {
        if (!this.killing) this.crashes.push(`exit ${code ?? signal}: ${this.output.slice(-3000)}`);
        res();
      }),
    );
    let banner = false;
    const started = new Promise<void>((res, rej) => {
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.output = (this.output + text).slice(-20_000);
        const lines = (this.pendingLine + text).split('\n');
        this.pendingLine = lines.pop() ?? '';
        for (const l of lines) if (/^execution for \S+ failed/.test(l)) this.failedExecutions.push(l);
        const m = banner ? null : this.output.match(/\((\d+) open tickets re-attached\)/);
        if (m) {
          banner = true;
          this.reattached.push(Number(m[1]));
          res();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => {
        this.output = (this.output + c.toString('utf8')).slice(-20_000);
      });
      child.once('exit', (code, signal) =>
        rej(new Error(`runtime exited during start (${code ?? signal}): ${this.output.slice(-2000)}`)),
      );
    });
    await Promise.race([
      started,
      sleep(60_000).then(() => {
        throw new Error(`runtime did not start in 60 s: ${this.output.slice(-2000)}`);
      }),
    ]);
  }

  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killing = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async restart(downtimeMs: number): Promise<void> {
    await this.kill();
    await sleep(downtimeMs);
    this.restarts += 1;
    await this.start();
  }

  /** The simulated clock of the data directory (it runs on while the process is down). */
  simNow(): number {
    const a = JSON.parse(readFileSync(join(this.dataDir, 'clock.json'), 'utf8')) as {
      simMs: number;
      realMs: number;
      scale: number;
    };
    return a.simMs + (Date.now() - a.realMs) * a.scale;
  }
}

// ---------------------------------------------------------------------------------------------
// The at-least-once client
// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

class Client {
  requests = 0;
  retries = 0;
  /** Unexpected 5xx (500 is never acceptable; 503 only while starting or busy). */
  readonly errors: string[] = [];

  constructor(private readonly url: string) {}

  /** One HTTP call, or undefined when the connection failed (process down). */
  private async once(method: string, path: string, token?: string, body?: unknown, headers = {}) {
    this.requests += 1;
    try {
      const res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      let parsed: unknown = {};
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        parsed = { text };
      }
      return { status: res.status, body: parsed as Record<string, unknown>, headers: res.headers };
    } catch {
      return undefined;
    }
  }

  /**
   * Send until the server gives an answer that is not "try again": connection failures (killed),
   * 503 (starting, store busy) and 429 are retried after a short pause, as a real client would.
   */
  async call(method: string, path: string, token?: string, body?: unknown, headers = {}): Promise<Reply> {
    let last = 'no answer';
    for (let attempt = 0; ; attempt += 1) {
      const res = await this.once(method, path, token, body, headers);
      last = res ? `${res.status} ${JSON.stringify(res.body).slice(0, 300)}` : 'connection failed';
      if (res && res.status !== 503 && res.status !== 429) {
        if (res.status >= 500)
          this.errors.push(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
        else return res;
      }
      if (attempt > 300) throw new Error(`${method} ${path}: still ${last} after ${attempt} attempts`);
      this.retries += 1;
      await sleep(40 + Math.random() * 80);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

type Fate = 'idle' | 'ack' | 'close';

interface Plan {
  i: number;
  key: string;
  community: string;
  street: string;
  lead: string;
  body: Record<string, unknown>;
  fate: Fate;
  id?: string;
}

const places = [
  { community: 'cm-nanqiao', street: 'lailongmen' },
  { community: 'cm-xishan', street: 'xishan' },
  { community: 'cm-guoci', street: 'guoci' },
] as const;

function plan(i: number, runId: string, fate: Fate): Plan {
  const place = places[i % places.length] as (typeof places)[number];
  // Every third ticket is a joint dispatch (a street office and three co-handling units).
  const cooperative = i % 3 === 1;
  return {
    i,
    key: `crash-${runId}-${i}`,
    community: place.community,
    street: place.street,
    lead: `u-street-${place.street}`,
    fate,
    body: {
      dutyItemId: cooperative ? 'di-fire-lane-blocked' : 'di-neighbor-dispute',
      communityId: place.community,
      title: `压测工单 ${i}`,
      description: `第 ${i} 号：崩溃恢复测试，请勿处理`,
      channel: 'grid',
      priority: 'urgent',
      reporter: { name: '张三', phone: '+8613800000000' },
    },
  };
}

interface TicketView {
  id: string;
  status: string;
  assignments: { unitId: string; role: string; acknowledgedAt?: string }[];
  clocks: {
    stage: string;
    unitId?: string;
    dueAt: string;
    level2At: string;
    level3At: string;
    warnAt: string;
    warnedAt?: string;
    doneAt?: string;
    notifiedAt?: string;
  }[];
  breaches: { stage: string; unitId: string; level: number; dueAt: string; breachedAt: string }[];
  timeline: { type: string; unitId?: string; at: string }[];
  flags: string[];
}

interface NotificationRow {
  id: string;
  ticketId: string;
  unitId?: string;
  kind: string;
  stage?: string;
  level?: number;
  channel: string;
  status: string;
}

export async function runCrashRecovery(opts: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = rng(seed);
  const log = opts.log ?? (() => {});
  const scale = opts.timeScale ?? 1800;
  const concurrency = opts.concurrency ?? 8;
  const dataDir = mkdtempSync(join(tmpdir(), 'whistle-crash-'));
  const proc = new RuntimeProcess(dataDir, await freePort(), scale, '2026-09-28T09:00:00+08:00');
  const client = new Client(proc.url);
  const violations: string[] = [];
  let replays = 0;
  const runId = seed.toString(36);

  try {
    await proc.start();
    log('started');
    const tok = async (claims: Record<string, string>) => {
      const r = await client.call('POST', '/v1/local/tokens', undefined, claims);
      return (r.body as { token: string }).token;
    };
    const admin = await tok({ role: 'admin', sub: 'crash-admin' });
    const reporters = new Map<string, string>();
    const units = new Map<string, string>();
    for (const p of places) {
      reporters.set(
        p.community,
        await tok({ role: 'reporter', communityId: p.community, sub: `rep-${p.community}` }),
      );
      const office = `u-street-${p.street}`;
      units.set(office, await tok({ role: 'unit', unitId: office, sub: `unit-${office}` }));
    }

    // The tail of the plan is created just before the last kill: those tickets fall due while
    // the process is down, so only a re-attached workflow can breach them.
    const tail = Math.max(3, Math.round(opts.tickets / 20));
    const fates: Fate[] = ['idle', 'ack', 'close'];
    const drive = Array.from({ length: Math.max(0, opts.tickets - tail) }, (_, i) =>
      plan(i, runId, fates[i % 3] as Fate),
    );
    const late = Array.from({ length: tail }, (_, j) => plan(drive.length + j, runId, 'idle'));

    const opsOf = (p: Plan) => 1 + (p.fate === 'ack' ? 1 : p.fate === 'close' ? 3 : 0);
    const totalOps = drive.reduce((n, p) => n + opsOf(p), 0);
    const killPoints = Array.from({ length: Math.max(0, opts.kills - 1) }, () =>
      Math.floor(totalOps * (0.1 + 0.8 * random())),
    ).sort((a, b) => a - b);
    let done = 0;
    let restarting: Promise<void> | undefined;
    const progressed = () => {
      done += 1;
      if (!restarting && killPoints.length > 0 && done >= (killPoints[0] ?? Number.POSITIVE_INFINITY)) {
        killPoints.shift();
        const downtime = Math.floor(100 + random() * 1_400);
        log(`kill at op ${done}/${totalOps}, down ${downtime} ms`);
        restarting = proc.restart(downtime).finally(() => {
          log('restarted');
          restarting = undefined;
        });
      }
    };

    const create = async (p: Plan) => {
      const res = await client.call('POST', '/v1/tickets', reporters.get(p.community), p.body, {
        'idempotency-key': p.key,
      });
      if (res.status !== 201 && res.status !== 200) {
        violations.push(`create ${p.key}: ${res.status} ${JSON.stringify(res.body)}`);
        return false;
      }
      if (res.status === 200) replays += 1;
      const id = res.body.id as string;
      if (p.id && p.id !== id) violations.push(`key ${p.key} answered ${p.id}, then ${id}`);
      p.id = id;
      return true;
    };
    /** An action retried after a kill may find itself already applied: 409 is then success. */
    const act = async (p: Plan, action: string, token: string | undefined, body?: unknown) => {
      const res = await client.call('POST', `/v1/tickets/${p.id}/${action}`, token, body ?? {});
      if (res.status !== 200 && res.status !== 409) {
        violations.push(`${action} ${p.id}: ${res.status} ${JSON.stringify(res.body)}`);
        return false;
      }
      return true;
    };
    const run = async (p: Plan) => {
      if (!(await create(p))) return;
      progressed();
      if (p.fate === 'idle') return;
      const unit = units.get(p.lead);
      if (!(await act(p, 'acknowledge', unit))) return;
      progressed();
      if (p.fate === 'ack') return;
      if (!(await act(p, 'resolve', unit, { summary: '已到场处置完毕' }))) return;
      progressed();
      if (!(await act(p, 'feedback', reporters.get(p.community), { rating: 'satisfied' }))) return;
      progressed();
    };

    const queue = [...drive];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) await run(p);
      }),
    );
    await restarting;
    // Kill points the drive outran (it finished while a restart was under way) are taken now.
    for (; killPoints.length > 0; killPoints.shift()) await proc.restart(Math.floor(100 + random() * 1_400));
    log(`drive done: ${client.requests} requests`);

    // The last kill: right after the tail was created, down until all of it is overdue.
    await Promise.all(late.map((p) => create(p)));
    await sleep(random() * 300);
    await proc.kill();
    // Urgent tickets must be acknowledged within 30 simulated minutes.
    const tailDue = 30 * 60_000;
    const downFor = Math.ceil(tailDue / scale) + 500;
    log(`last kill; down ${downFor} ms so the tail falls due while down`);
    const killedAt = proc.simNow();
    // What is open while the runtime is down, read from its data directory: exactly what the
    // restart must re-attach (counting over the API afterwards would race auto-closes).
    const downSince = Date.now();
    const openAtRestart = await countOpen(dataDir);
    await sleep(Math.max(0, downFor - (Date.now() - downSince)));
    proc.restarts += 1;
    await proc.start();
    log('restarted after the last kill');
    const restartedAt = proc.simNow();
    const kills = proc.restarts;

    // ---- Checks -------------------------------------------------------------------------------
    const all = [...drive, ...late];
    const listAll = async (): Promise<TicketView[]> => {
      const out: TicketView[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10_000; page += 1) {
        const r = await client.call(
          'GET',
          `/v1/tickets?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          admin,
        );
        out.push(...((r.body.items as TicketView[]) ?? []));
        cursor = (r.body.nextCursor as string | null) ?? undefined;
        if (!cursor) break;
      }
      return out;
    };

    // Every key acknowledged once exists exactly once, and nothing else exists.
    const listed = await listAll();
    const byId = new Map<string, number>();
    for (const t of listed) byId.set(t.id, (byId.get(t.id) ?? 0) + 1);
    for (const p of all) {
      if (!p.id) continue;
      const n = byId.get(p.id) ?? 0;
      if (n !== 1) violations.push(`ticket ${p.id} (${p.key}) listed ${n} times`);
    }
    const planned = new Set(all.map((p) => p.id));
    for (const id of byId.keys()) if (!planned.has(id)) violations.push(`ticket ${id} was never asked for`);
    const created = all.filter((p) => p.id).length;
    if (created !== all.length) violations.push(`${all.length - created} tickets never got a 2xx`);

    // The last restart re-attached exactly the open tickets.
    const lastReattached = proc.reattached.at(-1);
    if (lastReattached !== openAtRestart)
      violations.push(`last restart re-attached ${lastReattached} tickets, ${openAtRestart} are open`);

    // Let the simulated clock pass every open clock's last level, then wait for the ladders.
    const fetchTicket = async (id: string) =>
      (await client.call('GET', `/v1/tickets/${id}`, admin)).body as unknown as TicketView;
    const lastInstant = Math.max(
      ...listed.flatMap((t) =>
        t.clocks.filter((c) => !c.doneAt && c.stage !== 'feedback').map((c) => Date.parse(c.level3At)),
      ),
      0,
    );
    const margin = 2 * 60_000;
    const waitMs = Math.max(0, (lastInstant + margin - proc.simNow()) / scale);
    log(`waiting ${Math.round(waitMs)} ms for the last escalation level`);
    await sleep(waitMs);

    const expectations = (t: TicketView, now: number): string[] => {
      const problems: string[] = [];
      for (const c of t.clocks) {
        if (c.doneAt || c.stage === 'feedback') continue;
        const unitId = c.unitId ?? '';
        for (const [i, at] of [c.dueAt, c.level2At, c.level3At].entries()) {
          if (Date.parse(at) + margin > now) continue;
          const n = t.breaches.filter(
            (b) => b.stage === c.stage && b.unitId === unitId && b.level === i + 1,
          ).length;
          if (n !== 1) problems.push(`${t.id} ${c.stage}/${unitId} level ${i + 1}: ${n} breach records`);
        }
      }
      if (t.status === 'received') problems.push(`${t.id} was never dispatched`);
      return problems;
    };
    log('checking');
    const deadline = Date.now() + 30_000;
    let finalTickets: TicketView[] = [];
    for (;;) {
      finalTickets = await Promise.all(all.filter((p) => p.id).map((p) => fetchTicket(p.id as string)));
      const now = proc.simNow();
      const pending = finalTickets.flatMap((t) => expectations(t, now));
      if (pending.length === 0) break;
      if (Date.now() > deadline) {
        violations.push(...pending.slice(0, 50));
        break;
      }
      await sleep(250);
    }

    log('ladders complete');
    // The clock audit from the outside, as an operator would ask it: nothing stranded.
    const audit = await client.call('GET', '/v1/admin/clock-audit', admin);
    const strandedAfterChaos = audit.status === 200 ? Number(audit.body.stranded) : Number.NaN;
    if (strandedAfterChaos !== 0)
      violations.push(
        `clock audit after the chaos: ${audit.status} ${JSON.stringify(audit.body).slice(0, 2000)}`,
      );
    const repairs = finalTickets.reduce(
      (n, t) => n + t.timeline.filter((e) => e.type === 'clock_repaired').length,
      0,
    );
    // Per ticket: the record parses, its fate holds, no single-shot event twice.
    const plans = new Map(all.map((p) => [p.id, p]));
    let breachCount = 0;
    let notificationCount = 0;
    const breachRows = (await allBreaches(client, admin)).map(
      (b) => `${b.ticketId}/${b.stage}/${b.unitId}/${b.level}`,
    );
    const breachRowCount = new Map<string, number>();
    for (const k of breachRows) breachRowCount.set(k, (breachRowCount.get(k) ?? 0) + 1);
    for (const t of finalTickets) {
      const p = plans.get(t.id) as Plan;
      const parsed = ticketSchema.safeParse(t);
      if (!parsed.success) violations.push(`${t.id} does not parse: ${parsed.error.issues[0]?.message}`);
      const want = { idle: 'dispatched', ack: 'acknowledged', close: 'closed' }[p.fate];
      if (t.status !== want) violations.push(`${t.id} (${p.fate}) is ${t.status}, expected ${want}`);
      const once = (type: string, unitId?: string) =>
        t.timeline.filter((e) => e.type === type && (unitId === undefined || e.unitId === unitId)).length;
      for (const type of ['created', 'resolved', 'feedback', 'closed', 'dispatched'])
        if (once(type) > 1) violations.push(`${t.id}: ${once(type)} '${type}' events`);
      for (const a of t.assignments)
        if (once('acknowledged', a.unitId) > 1) violations.push(`${t.id}: ${a.unitId} acknowledged twice`);
      const keys = t.breaches.map((b) => `${b.stage}/${b.unitId}/${b.level}/${b.dueAt}`);
      if (new Set(keys).size !== keys.length) violations.push(`${t.id}: a breach recorded twice`);
      breachCount += t.breaches.length;
      for (const b of t.breaches) {
        const n = breachRowCount.get(`${t.id}/${b.stage}/${b.unitId}/${b.level}`) ?? 0;
        if (n !== 1)
          violations.push(
            `${t.id}: breach ${b.stage}/${b.unitId}/${b.level} listed ${n} times in /v1/breaches`,
          );
      }

      // Notifications: one record per logical notice, every dispatch and escalation present.
      const rows = (await client.call('GET', `/v1/notifications?ticketId=${t.id}&limit=100`, admin)).body
        .items as NotificationRow[];
      notificationCount += rows.length;
      const ids = rows.map((r) => r.id);
      if (new Set(ids).size !== ids.length) violations.push(`${t.id}: notification ids repeat`);
      const records = new Map<string, NotificationRow>();
      for (const r of rows) records.set(r.id.slice(0, r.id.lastIndexOf('#')), r);
      const recs = [...records.values()];
      for (const a of t.assignments) {
        const told = t.clocks.some((c) => c.unitId === a.unitId && c.notifiedAt);
        const n = recs.filter((r) => r.kind === 'dispatch' && r.unitId === a.unitId).length;
        if (told && n !== 1) violations.push(`${t.id}: ${n} dispatch records for ${a.unitId}, told once`);
        if (!told && n > 1) violations.push(`${t.id}: ${n} dispatch records for ${a.unitId}`);
      }
      const lead = t.assignments.find((a) => a.role === 'lead');
      if (p.fate !== 'close' && lead && !t.clocks.some((c) => c.unitId === lead.unitId && c.notifiedAt))
        violations.push(`${t.id}: open ticket whose lead was never told`);
      // Escalations: none lost (one per breach at least), none invented (each for a clock that did
      // reach that level before it was done: a notice goes out before its write, so a unit acting
      // in that instant can leave a true notice the record does not show).
      const nowMs = proc.simNow();
      // A clock counts as reached if it was done no earlier than a request's length before the
      // instant (2 real seconds of simulated time): the unit acted as the timer fired.
      const sameInstant = 2_000 * scale;
      const doneBy = (c: TicketView['clocks'][number]) =>
        c.doneAt ? Date.parse(c.doneAt) + sameInstant : nowMs;
      const reached = (stage: string, level: number) =>
        t.clocks.filter(
          (c) =>
            c.stage === stage &&
            Date.parse([c.dueAt, c.level2At, c.level3At][level - 1] as string) <= doneBy(c),
        ).length;
      for (const level of [1, 2, 3]) {
        for (const stage of ['acknowledge', 'arrive', 'resolve']) {
          const breaches = t.breaches.filter((b) => b.level === level && b.stage === stage).length;
          const notices = recs.filter(
            (r) => r.kind === 'escalation' && r.level === level && r.stage === stage,
          ).length;
          if (notices < breaches)
            violations.push(
              `${t.id}: ${breaches} ${stage} breaches at level ${level}, ${notices} escalation notices`,
            );
          if (notices > reached(stage, level))
            violations.push(
              `${t.id}: ${notices} ${stage} escalations at level ${level}, only ${reached(stage, level)} due`,
            );
        }
      }
      // Warnings: at most one per clock, and only for a clock that reached its warning instant.
      for (const r of recs.filter((x) => x.kind === 'warning')) {
        const clocks = t.clocks.filter((c) => c.stage === r.stage && c.unitId === r.unitId);
        const due = clocks.filter((c) => Date.parse(c.warnAt) <= doneBy(c));
        const same = recs.filter((x) => x.kind === 'warning' && x.stage === r.stage && x.unitId === r.unitId);
        if (same.length > clocks.length || due.length === 0)
          violations.push(
            `${t.id}: ${same.length} warnings to ${r.unitId} on ${r.stage}, ${due.length} clocks due`,
          );
      }
      if (t.flags.includes('notification_failed')) violations.push(`${t.id}: flagged notification_failed`);
    }

    // The tail fell due while the process was down: only the re-attached workflow could breach it.
    let tailBreachedAfterRestart = 0;
    for (const p of late) {
      const t = finalTickets.find((x) => x.id === p.id);
      const due = t?.clocks.find((c) => c.stage === 'acknowledge' && c.unitId === p.lead)?.dueAt;
      if (!t || !due) continue;
      if (Date.parse(due) > restartedAt) violations.push(`${p.id}: not yet due at the restart (setup)`);
      const first = t.timeline.find((e) => e.type === 'breach_level_1' && e.unitId === p.lead);
      if (first && Date.parse(first.at) >= killedAt) tailBreachedAfterRestart += 1;
    }
    if (tailBreachedAfterRestart !== late.length)
      violations.push(
        `${late.length - tailBreachedAfterRestart} tickets overdue during the downtime never breached`,
      );

    return {
      seed,
      tickets: created,
      kills,
      restarts: proc.restarts,
      reattached: proc.reattached.slice(1),
      requests: client.requests,
      retries: client.retries,
      replays,
      breaches: breachCount,
      notifications: notificationCount,
      strandedAfterChaos,
      repairs,
      violations: [
        ...proc.crashes.map((c) => `the runtime died by itself: ${c}`),
        ...proc.failedExecutions.map((l) => `the runtime said: ${l}`),
        ...client.errors.map((e) => `unexpected ${e}`),
        ...violations,
      ],
      durationMs: Date.now() - started,
      dataDir,
    };
  } catch (err) {
    if (proc.crashes.length > 0)
      throw new Error(`${(err as Error).message}; the runtime died: ${proc.crashes.join('\n')}`);
    throw err;
  } finally {
    await proc.kill();
    if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function allBreaches(client: Client, admin: string) {
  const out: { ticketId: string; stage: string; unitId: string; level: number }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page += 1) {
    const r = await client.call(
      'GET',
      `/v1/breaches?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      admin,
    );
    out.push(...(r.body.items as typeof out));
    cursor = (r.body.nextCursor as string | null) ?? undefined;
    if (!cursor) break;
  }
  return out;
}
