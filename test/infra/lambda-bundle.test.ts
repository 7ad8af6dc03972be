/**
 * A Lambda bundle as it deploys: the `queries` entry built with the construct's esbuild settings
 * (infra/constructs/bundling.ts `lambdaBuildOptions`: ESM, minified, the credential chain cut to
 * its environment link, no event-stream support),
 * loaded in a fresh Node process with a Lambda-like environment, answers an API Gateway event from
 * a real table (dynalite over HTTP), signing with the credentials Lambda puts in the environment.
 * Without them the call fails on credentials instead of wandering through profiles and instance
 * metadata, and a function deployed without its state machine fails at import.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../infra/constructs/bundling';
import { LOCAL_TABLE, type LocalStore, startStore } from '../../infra/local/store-server';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { seedConfig } from '../../shared/config/seed';
import { toShanghaiIso } from '../../shared/domain/deadlines';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let work: string;
let local: LocalStore;

async function bundle(entry: string): Promise<string> {
  const outfile = join(work, entry.replace(/\W+/g, '-'), 'index.mjs');
  await build({
    ...lambdaBuildOptions,
    mainFields: [...lambdaBuildOptions.mainFields],
    entryPoints: [join(root, entry)],
    outfile,
    logLevel: 'error',
    absWorkingDir: root,
  });
  return outfile;
}

/** Imports the bundle in a fresh process and calls its handler with one event; prints the result. */
async function invoke(file: string, env: Record<string, string>, event: unknown) {
  const script = `const { handler } = await import(${JSON.stringify(`file://${file}`)});
const res = await handler(${JSON.stringify(event)}, { functionName: 'queries', awsRequestId: 'r1', getRemainingTimeInMillis: () => 9000 });
process.stdout.write('\\n' + JSON.stringify(res));`;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: work,
  });
  // The handler's result is the last line of stdout; the function's log lines go to either stream.
  const lines = stdout.trimEnd().split('\n');
  const res = JSON.parse(lines.at(-1)?.replace(/^.*(?=\{"statusCode")/, '') ?? '{}');
  return { ...(res as { statusCode: number; body: string }), logs: `${stdout}${stderr}` };
}

const lambdaEnv = () => ({
  TABLE_NAME: LOCAL_TABLE,
  AWS_REGION: 'cn-north-1',
  AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
  AWS_LAMBDA_FUNCTION_NAME: 'whistle-dispatch-queries',
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'session',
  _X_AMZN_TRACE_ID: 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=0',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});

const unitsEvent = {
  version: '2.0',
  routeKey: 'GET /v1/units',
  rawPath: '/v1/units',
  headers: {},
  requestContext: {
    authorizer: { jwt: { claims: { sub: 'admin-1', role: 'admin' } } },
    http: { method: 'GET' },
  },
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'whistle-bundle-'));
  local = await startStore(undefined, { transport: 'tcp' });
  await new DynamoStore(local.client, LOCAL_TABLE).put(seedConfig(toShanghaiIso(new Date())));
}, 60_000);

afterAll(async () => {
  await local?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a Lambda bundle as deployed', () => {
  it('answers a request from the table, signed with the credentials in the environment', async () => {
    const file = await bundle('functions/entries/queries.ts');
    const res = await invoke(file, lambdaEnv(), unitsEvent);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { items: { id: string }[] };
    expect(body.items.length).toBeGreaterThan(10);
    // The SDK's on-demand event-stream support is replaced (no call streams), and the call above
    // went through the same protocol code without needing it.
    const code = readFileSync(file, 'utf8');
    expect(code).toContain('event streams are not bundled');
    expect(code).not.toContain(':message-type');
  }, 60_000);

  it('names the field and the reason of a bad request in English (zod/mini with its locale)', async () => {
    const file = await bundle('functions/entries/queries.ts');
    const res = await invoke(file, lambdaEnv(), {
      ...unitsEvent,
      routeKey: 'GET /v1/tickets',
      rawPath: '/v1/tickets',
      queryStringParameters: { limit: '0' },
    });
    expect(res.statusCode).toBe(400);
    const problem = JSON.parse(res.body) as { errors: { path: string; message: string }[] };
    expect(problem.errors).toEqual([{ path: 'limit', message: expect.stringMatching(/^Too small/) }]);
  }, 60_000);

  it('looks for credentials in the environment only: without them, a 500 that names that', async () => {
    const file = await bundle('functions/entries/queries.ts');
    const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, AWS_SESSION_TOKEN: _t, ...env } = lambdaEnv();
    const res = await invoke(file, env, unitsEvent);
    expect(res.statusCode).toBe(500);
    expect(res.logs).toContain('Unable to find environment variable credentials');
    expect(res.logs).not.toMatch(/169\.254|IMDS|profile/i);
  }, 60_000);

  it('builds every function with the aliases, and the archiver (S3, which wires an event-stream marshaller at construction) runs', async () => {
    const entries = readdirSync(join(root, 'functions/entries')).filter((f) => f.endsWith('.ts'));
    expect(entries.length).toBeGreaterThanOrEqual(20);
    for (const entry of entries) await bundle(`functions/entries/${entry}`);
    const file = await bundle('functions/entries/archive-expired.ts');
    const res = await invoke(file, { ...lambdaEnv(), ARCHIVE_BUCKET: 'whistle-archive' }, { Records: [] });
    expect(res.logs).not.toContain('event streams are not bundled');
    expect(res.logs).not.toMatch(/Error/);
  }, 120_000);

  it('refuses to load a function that starts executions without its state machine', async () => {
    const file = await bundle('functions/entries/ticket-intake.ts');
    await expect(invoke(file, lambdaEnv(), unitsEvent)).rejects.toThrow(/STATE_MACHINE_ARN is required/);
  }, 60_000);
});
