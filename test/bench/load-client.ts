/**
 * The bench's HTTP load generator, in its own process so its CPU is not the server's: closed loop
 * (N clients, each sends its next request when the last one answered) or open loop (a steady
 * offered rate, whatever the latency). Driven over IPC by intake.ts.
 */
import { Agent, request } from 'node:http';

export interface LoadJob {
  url: string;
  path: string;
  /** Requests are taken round-robin. */
  requests: { token: string; body: string }[];
  mode: 'closed' | 'open';
  /** closed: concurrent clients; open: sockets allowed. */
  concurrency: number;
  /** closed: measure for this long after the warm-up. */
  durationMs: number;
  warmupMs: number;
  /** open: requests per second and how many. */
  rate: number;
  count: number;
}

export interface LoadResult {
  sent: number;
  measured: number;
  windowMs: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  ids: string[];
}

function post(
  agent: Agent,
  job: LoadJob,
  r: { token: string; body: string },
): Promise<{ status: number; id?: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const u = new URL(job.path, job.url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(r.body),
          authorization: `Bearer ${r.token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - started;
          const status = res.statusCode ?? 0;
          let id: string | undefined;
          if (status === 201) id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string }).id;
          resolve({ status, ms, ...(id ? { id } : {}) });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(r.body);
  });
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const ids: string[] = [];
  let next = 0;
  let sent = 0;
  const take = () => job.requests[next++ % job.requests.length] as { token: string; body: string };
  const record = (r: { status: number; id?: string }, measure: boolean, ms: number) => {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.id) ids.push(r.id);
    if (measure) latencies.push(ms);
  };

  if (job.mode === 'closed') {
    const start = performance.now();
    const measureFrom = start + job.warmupMs;
    const end = measureFrom + job.durationMs;
    let measured = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const r = await post(agent, job, take());
          sent += 1;
          const inWindow = t0 >= measureFrom && performance.now() <= end;
          if (inWindow && r.status === 201) measured += 1;
          record(r, inWindow, r.ms);
        }
      }),
    );
    agent.destroy();
    return { sent, measured, windowMs: job.durationMs, statuses, latenciesMs: latencies, ids };
  }

  // Open loop: send on schedule; a slow answer never delays the next request.
  const interval = 1000 / job.rate;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < job.count; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent += 1;
    pending.push(post(agent, job, take()).then((r) => record(r, true, r.ms)));
  }
  await Promise.all(pending);
  agent.destroy();
  return {
    sent,
    measured: latencies.length,
    windowMs: performance.now() - start,
    statuses,
    latenciesMs: latencies,
    ids,
  };
}

if (process.send) {
  process.once('message', (job: LoadJob) => {
    runLoad(job).then(
      (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
      (err: Error) => process.send?.({ ok: false, error: err.message }, () => process.exit(1)),
    );
  });
}
