/**
 * Loads a configuration into a deployed table as its next version: the city's own file (units
 * with their contacts, communities, duty list, SLA policies, calendars) or the Liling seed for a
 * demo. The embedded runtime seeds itself; on AWS nothing can take a ticket until version 1
 * exists, and writing it also triggers the e-mail subscription sync (table stream).
 *
 *   npx tsx infra/ops/load-config.ts --table <TableName> --file city-config.json [--dry-run]
 *   npx tsx infra/ops/load-config.ts --table <TableName> --seed
 *
 * Credentials and region come from the usual AWS environment (AWS_PROFILE, AWS_REGION). The file
 * holds the snapshot's sections (streets, communities, grids, units, dutyItems, slaPolicies,
 * calendars); version, createdAt and createdBy are set here. It is validated exactly as an admin
 * write is (schema and cross references) before anything is written.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../../shared/adapters/dynamo-store';
import { seedConfig } from '../../shared/config/seed';
import { toShanghaiIso } from '../../shared/domain/deadlines';
import { type ConfigSnapshot, configSnapshotSchema } from '../../shared/domain/model';
import { assertReferences } from '../../shared/use-cases/config-service';
import * as z from '../../shared/zod';

const sectionsSchema = z.extend(
  z.omit(configSnapshotSchema, { version: true, createdAt: true, createdBy: true }),
  { note: z.optional(z.string().check(z.maxLength(200))) },
);

export interface LoadOptions {
  /** The city's sections, or undefined for the Liling seed. */
  sections?: unknown;
  now: Date;
  latestVersion: number;
  actor: string;
}

/** The snapshot to write: validated, numbered after the latest version. Throws on any error. */
export function nextSnapshot(opts: LoadOptions): ConfigSnapshot {
  const createdAt = toShanghaiIso(opts.now);
  const sections = opts.sections === undefined ? seedConfig(createdAt) : sectionsSchema.parse(opts.sections);
  const snapshot = configSnapshotSchema.parse({
    ...sections,
    version: opts.latestVersion + 1,
    createdAt,
    createdBy: opts.actor,
    note:
      sections.note ?? (opts.sections === undefined ? 'Liling seed' : 'loaded by infra/ops/load-config.ts'),
  });
  assertReferences(snapshot);
  return snapshot;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      table: { type: 'string' },
      file: { type: 'string' },
      seed: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (!values.table || (!values.file && !values.seed) || (values.file && values.seed)) {
    process.stderr.write(
      'usage: npx tsx infra/ops/load-config.ts --table <TableName> (--file <config.json> | --seed) [--dry-run]\n',
    );
    process.exit(2);
  }
  const store = new DynamoStore(new DynamoDBClient({}), values.table);
  const latestVersion = await store.latestVersion();
  const snapshot = nextSnapshot({
    ...(values.file ? { sections: JSON.parse(readFileSync(values.file, 'utf8')) as unknown } : {}),
    now: new Date(),
    latestVersion,
    actor: `ops:${process.env.USER ?? 'load-config'}`,
  });
  const summary = `v${snapshot.version}: ${snapshot.units.length} units, ${snapshot.communities.length} communities, ${snapshot.dutyItems.length} duty items`;
  if (values['dry-run']) {
    process.stdout.write(`valid; would write ${summary}\n`);
    return;
  }
  if (!(await store.put(snapshot))) {
    throw new Error(`version ${snapshot.version} was written by someone else meanwhile; run again`);
  }
  process.stdout.write(`wrote ${summary}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
