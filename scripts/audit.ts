/**
 * npm run audit -- [--url URL] [--token T] [--data DIR] [--repair] [--json]
 *
 * The clock audit from a terminal: every open party whose SLA clock is not running as its record
 * says (shared/domain/clock-audit.ts). Exits 0 when nothing is stranded, 1 when something is.
 * - A running runtime (default http://localhost:$PORT, 3000): asks GET /v1/admin/clock-audit with
 *   the token given, else a dev admin token from the runtime itself.
 * - A stopped runtime's data directory (--data): first what the records alone show (an instant
 *   long past with nothing recorded, a start or signal never delivered), then the runtime is booted
 *   over the directory without serving, re-attaches every open ticket as `npm start` would, and
 *   the engine is audited. With --repair the reconciler repairs what it finds (timeline events
 *   `clock_repaired`) before the final audit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { graceForScale } from '../infra/local/clock-watchdog';
import { startRuntime } from '../infra/local/runtime';
import { LOCAL_TABLE, startStore } from '../infra/local/store-server';
import { DynamoStore } from '../shared/adapters/dynamo-store';
import type { Finding } from '../shared/domain/clock-audit';
import { toShanghaiIso } from '../shared/domain/deadlines';
import { auditRecordAlone } from '../shared/use-cases/clock-reconciler';

const usage = `usage: npm run audit -- [options]
  --url URL      a running runtime (default http://localhost:\${PORT:-3000})
  --token T      a bearer token with role admin (default: a dev token from the runtime)
  --data DIR     audit a stopped runtime's data directory instead (e.g. ./.data)
  --repair       with --data: repair what the audit finds, then audit again
  --json         print the report as JSON`;

interface Report {
  source: string;
  at: string;
  checked: number;
  stranded: number;
  tickets: number;
  items: Finding[];
  /** --data: what the records showed before the engine re-attached them. */
  beforeRestart?: { stranded: number; items: Finding[] };
  repairs?: number;
  /** --data: board counters and attention markers that disagreed with the open tickets. */
  board?: { counters: number; drifted: string[]; markers: number; repaired: boolean };
}

async function fromUrl(base: string, token: string | undefined): Promise<Report> {
  let bearer = token ?? process.env.WHISTLE_TOKEN;
  if (!bearer) {
    const res = await fetch(new URL('/v1/local/tokens', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'admin', sub: 'admin-audit-cli' }),
    });
    if (!res.ok) throw new Error(`no dev token from ${base} (${res.status}): pass --token`);
    bearer = ((await res.json()) as { token: string }).token;
  }
  const res = await fetch(new URL('/v1/admin/clock-audit', base), {
    headers: { authorization: `Bearer ${bearer}` },
  });
  if (!res.ok) throw new Error(`GET /v1/admin/clock-audit answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as Omit<Report, 'source'>;
  return { source: base, ...body };
}

/** The data directory's simulated now, continuing its saved timeline as the runtime would. */
function savedClock(dir: string): { now: Date; scale: number } {
  const file = join(dir, 'clock.json');
  if (!existsSync(file)) return { now: new Date(), scale: 1 };
  const a = JSON.parse(readFileSync(file, 'utf8')) as { simMs: number; realMs: number; scale: number };
  return { now: new Date(a.simMs + (Date.now() - a.realMs) * a.scale), scale: a.scale };
}

async function fromData(dir: string, repair: boolean): Promise<Report> {
  if (!existsSync(join(dir, 'store'))) throw new Error(`${dir} holds no store: is it a data directory?`);
  const { now, scale } = savedClock(dir);
  const graceMs = graceForScale(scale);

  // The records alone, before anything re-attaches them.
  const before: Finding[] = [];
  const store = await startStore(dir, { transport: 'in-process' });
  let board: Report['board'];
  try {
    const db = new DynamoStore(store.client, LOCAL_TABLE);
    // The board's counters as the records left them (start-up, below, puts them right).
    board = { ...(await db.recountBoard(false)), repaired: false };
    for await (const page of db.openTickets()) {
      for (const t of page) {
        const rec = await db.getTicket(t.id);
        if (rec) before.push(...auditRecordAlone(rec, now, graceMs));
      }
    }
  } finally {
    await store.close();
  }

  const rt = await startRuntime({
    port: 0,
    dataDir: dir,
    timeScale: scale,
    localTokens: false,
    quiet: true,
    log: () => {},
    watchdogMs: 0,
    storeTransport: 'in-process',
  });
  try {
    await rt.workflow.settled();
    let repairs: number | undefined;
    if (repair) {
      const pass = await rt.watchdog.pass({ full: true, confirm: false });
      repairs = pass.repairs.length;
      await rt.workflow.settled();
    }
    const after = await rt.watchdog.audit();
    return {
      source: dir,
      at: toShanghaiIso(rt.clock.now()),
      ...after,
      beforeRestart: { stranded: before.length, items: before },
      // The runtime's start-up recount (as `npm start` does) has put them right by now.
      ...(board ? { board: { ...board, repaired: true } } : {}),
      ...(repairs === undefined ? {} : { repairs }),
    };
  } finally {
    await rt.stop();
  }
}

function print(r: Report): void {
  const line = (f: Finding) =>
    `  ${f.ticketId}  ${f.party}  ${f.kind}: expected ${f.expected}; found ${f.found}`;
  const out = [`clock audit of ${r.source} at ${r.at}`];
  if (r.beforeRestart) {
    out.push(`records while stopped (start-up catches these up): ${r.beforeRestart.stranded} stranded`);
    out.push(...r.beforeRestart.items.slice(0, 50).map(line));
  }
  if (r.board) {
    const what = r.board.drifted.length + r.board.markers;
    out.push(
      `board counters: ${r.board.counters} checked, ${r.board.drifted.length} drifted, ${r.board.markers} attention markers off${what && r.board.repaired ? ' (recounted)' : ''}`,
    );
    out.push(...r.board.drifted.slice(0, 50).map((pk) => `  ${pk}`));
  }
  if (r.repairs !== undefined) out.push(`repairs: ${r.repairs}`);
  out.push(`${r.checked} open tickets checked, ${r.stranded} stranded in ${r.tickets} tickets`);
  out.push(...r.items.slice(0, 200).map(line));
  if (r.items.length > 200) out.push(`  … and ${r.items.length - 200} more (--json for all)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<number> {
  let values: { url?: string; token?: string; data?: string; repair: boolean; json: boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        data: { type: 'string' },
        repair: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }) as { values: typeof values });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.repair && !values.data) {
    process.stderr.write(`--repair needs --data (a running runtime repairs on its own)\n${usage}\n`);
    return 2;
  }
  const report = values.data
    ? await fromData(resolve(values.data), values.repair)
    : await fromUrl(values.url ?? `http://localhost:${process.env.PORT ?? 3000}`, values.token).catch(
        (err) => {
          const hint = existsSync('.data') ? ' (a stopped runtime: npm run audit -- --data ./.data)' : '';
          throw new Error(`${(err as Error).message}${hint}`);
        },
      );
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else print(report);
  return report.stranded === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`audit failed: ${err.message}\n`);
    process.exit(2);
  },
);
