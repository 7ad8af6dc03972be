/**
 * bundles: every Lambda entry of functions/api/routes.ts bundled as CDK's NodejsFunction does it
 * (infra/constructs/app-function.ts: esbuild, minified, ESM with a require shim, platform node,
 * target node22, module/main fields, the SDK bundled, the aliases of infra/constructs/bundling.ts),
 * its minified size, and its module init
 * time in a fresh Node 22 process (median of several runs, alternating with the baseline's) against
 * an SDK-only baseline bundle
 * (the DynamoDB client and lib-dynamodb) built and timed in the same run.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { apiFunctions } from '../../functions/api/routes';
import { bundleAliases, lambdaBuildOptions } from '../../infra/constructs/bundling';
import { allTasks } from '../../workflows/tasks';
import { round } from './common';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

const baselineSource = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) =>
  doc.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: event.id, sk: 'T' } }));
`;

/** What a function module reads at load (values only need to look right). */
const lambdaEnv = {
  TABLE_NAME: 'whistle-dispatch-bench',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench',
  DISPATCH_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:bench',
  PUBLIC_BASE_URL: 'https://whistle.example.org',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  POWERTOOLS_SERVICE_NAME: 'whistle-dispatch',
  POWERTOOLS_METRICS_NAMESPACE: 'WhistleDispatch',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
};

export interface BundleRow {
  name: string;
  entry: string;
  kb: number;
  gzipKb: number;
  initMs: number;
  initVsBaseline: number;
  /** The biggest packages in the bundle (KB of minified output). */
  top: Record<string, number>;
  sizeMet: boolean;
  initMet: boolean;
}

export interface BundlesResult {
  /** `leanCredentialsKb`: the same baseline built with the functions' aliases (infra/constructs/bundling.ts). */
  baseline: { kb: number; initMs: number; leanCredentialsKb: number };
  functions: BundleRow[];
  runs: number;
  target: { kb: number; initVsBaseline: number; allMet: boolean };
}

async function bundle(
  entry: string,
  outDir: string,
  alias: Record<string, string> = bundleAliases,
): Promise<{ file: string; metafile: Metafile }> {
  const outfile = join(outDir, 'index.mjs');
  const result = await build({
    ...lambdaBuildOptions,
    mainFields: [...lambdaBuildOptions.mainFields],
    entryPoints: [entry],
    sourcemap: 'external',
    sourcesContent: false,
    alias,
    outfile,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: root,
  });
  return { file: outfile, metafile: result.metafile };
}

function topPackages(metafile: Metafile, file: string): Record<string, number> {
  const out =
    Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined) ?? metafile.outputs[file];
  const byPkg = new Map<string, number>();
  for (const [path, info] of Object.entries(out?.inputs ?? {})) {
    const m = path.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
    const key = m?.[1] ?? path.split('/').slice(0, 2).join('/');
    byPkg.set(key, (byPkg.get(key) ?? 0) + info.bytesInOutput);
  }
  return Object.fromEntries(
    [...byPkg]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => [k, round(v / 1024)]),
  );
}

/** Milliseconds one `await import(file)` takes in a fresh Node process. */
async function importTime(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...lambdaEnv },
    cwd: root,
  });
  return Number(stdout);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * The function's and the baseline's import times, run by run in alternation (`runs` each), so a
 * busy moment on this shared machine slows both alike: the ratio of their medians is the figure.
 */
async function pairedInit(
  file: string,
  baseFile: string,
  runs: number,
): Promise<{ fn: number; base: number }> {
  const fn: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    base.push(await importTime(baseFile));
    fn.push(await importTime(file));
  }
  return { fn: median(fn), base: median(base) };
}

export async function benchBundles(opts: { runs: number }): Promise<BundlesResult> {
  const work = join(root, '.tmp', 'bench-bundles');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const baselineEntry = join(work, 'baseline-src.mjs');
  writeFileSync(baselineEntry, baselineSource);
  // The baseline is the SDK as a plain build bundles it (no aliases): what a function costs at least
  // without this project's bundling choices. The lean-credential build of it is reported beside.
  const base = await bundle(baselineEntry, join(work, 'baseline'), {});
  const lean = await bundle(baselineEntry, join(work, 'baseline-lean'));
  const baseKb = statSync(base.file).size / 1024;
  // Each function is timed in alternation with the baseline, and judged against that pairing.
  const baseTimes: number[] = [];
  const rows: BundleRow[] = [];
  const entries = Object.entries({
    ...apiFunctions,
    ...Object.fromEntries(Object.entries(allTasks).map(([k, t]) => [k, t.entry])),
  });
  for (const [name, entry] of entries) {
    const b = await bundle(join(root, entry), join(work, name));
    const kb = statSync(b.file).size / 1024;
    const init = await pairedInit(b.file, base.file, opts.runs);
    baseTimes.push(init.base);
    rows.push({
      name,
      entry,
      kb: round(kb),
      gzipKb: round(gzipSync(readFileSync(b.file)).length / 1024),
      initMs: round(init.fn),
      initVsBaseline: round(init.fn / init.base, 2),
      top: topPackages(b.metafile, b.file),
      sizeMet: kb <= 450,
      initMet: false,
    });
  }
  const baseInit = median(baseTimes);
  for (const r of rows) r.initMet = r.initVsBaseline <= 1.5;
  return {
    baseline: {
      kb: round(baseKb),
      initMs: round(baseInit),
      leanCredentialsKb: round(statSync(lean.file).size / 1024),
    },
    functions: rows,
    runs: opts.runs,
    target: { kb: 450, initVsBaseline: 1.5, allMet: rows.every((r) => r.sizeMet && r.initMet) },
  };
}
