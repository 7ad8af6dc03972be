/**
 * `npm start`: the whole product on this machine. Configuration (docs/operations.md):
 * PORT, WHISTLE_DATA_DIR, WHISTLE_TIME_SCALE, WHISTLE_CLOCK_START, WHISTLE_LOCAL_TOKENS,
 * WHISTLE_CHANNELS_FILE.
 */
import { resolve } from 'node:path';
import * as z from 'zod';
import { buildConsole } from '../../console/build';
import { startRuntime } from './runtime';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  WHISTLE_DATA_DIR: z.string().min(1).default('./.data'),
  WHISTLE_TIME_SCALE: z.coerce.number().positive().max(1_000_000).default(1),
  WHISTLE_CLOCK_START: z.iso.datetime({ offset: true }).optional(),
  WHISTLE_LOCAL_TOKENS: z.enum(['on', 'off', 'true', 'false', '1', '0']).default('on'),
  WHISTLE_INTAKE_PER_SECOND: z.coerce.number().positive().default(500),
  WHISTLE_QUIET: z.enum(['0', '1']).default('0'),
  /** Channel credentials (JSON, docs/notifications.md): real gateways instead of the printed outbox. */
  WHISTLE_CHANNELS_FILE: z.string().min(1).optional(),
  // The store on its own core by default (docs/performance.md: about twice the intake).
  WHISTLE_STORE_TRANSPORT: z.enum(['worker', 'in-process', 'tcp']).default('worker'),
});

const parsed = envSchema.safeParse(process.env);
if (!parsed.success) {
  for (const i of parsed.error.issues) process.stderr.write(`invalid ${i.path.join('.')}: ${i.message}\n`);
  process.exit(2);
}
const env = parsed.data;
// The local runtime prints its own readable lines; EMF metrics are for CloudWatch.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const consoleDir = resolve('.data-console');
await buildConsole(consoleDir).catch((err: Error) =>
  process.stderr.write(`console build failed: ${err.message}\n`),
);

const runtime = await startRuntime({
  port: env.PORT,
  dataDir: resolve(env.WHISTLE_DATA_DIR),
  timeScale: env.WHISTLE_TIME_SCALE,
  ...(env.WHISTLE_CLOCK_START ? { clockStart: env.WHISTLE_CLOCK_START } : {}),
  localTokens: ['on', 'true', '1'].includes(env.WHISTLE_LOCAL_TOKENS),
  consoleDir,
  intakePerSecond: env.WHISTLE_INTAKE_PER_SECOND,
  quiet: env.WHISTLE_QUIET === '1',
  ...(env.WHISTLE_CHANNELS_FILE ? { channelsFile: resolve(env.WHISTLE_CHANNELS_FILE) } : {}),
  storeTransport: env.WHISTLE_STORE_TRANSPORT,
});

process.stdout.write(
  [
    '',
    `Whistle Dispatch is running at ${runtime.url}`,
    `  console      ${runtime.url}/`,
    `  API docs     ${runtime.url}/docs`,
    `  data         ${resolve(env.WHISTLE_DATA_DIR)} (${runtime.resumed} open tickets re-attached)`,
    `  clock        ${runtime.clock.now().toISOString()} × ${env.WHISTLE_TIME_SCALE}`,
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
