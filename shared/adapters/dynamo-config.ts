/**
 * Configuration versions in the table: one immutable item per version, the whole snapshot
 * gzipped (CONFIG / V#<000000042>), and a pointer to the latest (CONFIG / LATEST).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ConfigSnapshot } from '../domain/model';
import type { ConfigStore } from '../ports';
import type { DynamoTable } from './dynamo-table';
import { CONFIG_LATEST_SK, CONFIG_PK, CONFIG_VERSION_PREFIX, configVersionSk } from './table-keys';

export class DynamoConfig implements ConfigStore {
  constructor(private readonly table: DynamoTable) {}

  /**
   * The latest version, from a small pointer item (CONFIG / LATEST): every warm container asks
   * every few seconds, and a query over the versions would read (and pay for) a whole gzipped
   * snapshot each time. A writer that stopped between its version and the pointer leaves the
   * pointer behind: the next version's existence is probed (a miss costs one small read) and the
   * pointer is moved on.
   */
  async latestVersion(): Promise<number> {
    const pointer = await this.configItem(CONFIG_LATEST_SK, 'version');
    let version = (pointer?.version as number | undefined) ?? (await this.latestVersionByQuery());
    while (await this.configItem(configVersionSk(version + 1), 'version')) version += 1;
    if (version > 0 && version !== pointer?.version) await this.advanceLatest(version);
    return version;
  }

  /** Before the pointer existed (or on a fresh table): the newest version item. */
  private async latestVersionByQuery(): Promise<number> {
    const out = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': CONFIG_PK, ':v': CONFIG_VERSION_PREFIX },
      ProjectionExpression: 'version',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    return (out.Items?.[0]?.version as number | undefined) ?? 0;
  }

  private async configItem(sk: string, projection: string) {
    return this.table.get({ pk: CONFIG_PK, sk }, { projection, consistent: true });
  }

  /** Move the pointer forward only: two writers racing leave it at the higher version. */
  private async advanceLatest(version: number): Promise<void> {
    await this.table.update({
      key: { pk: CONFIG_PK, sk: CONFIG_LATEST_SK },
      update: 'SET version = :v',
      condition: 'attribute_not_exists(version) OR version < :v',
      values: { ':v': version },
    });
  }

  async get(version: number): Promise<ConfigSnapshot> {
    const item = await this.table.get({ pk: CONFIG_PK, sk: configVersionSk(version) }, { consistent: true });
    if (!item) throw new Error(`config version ${version} does not exist`);
    return JSON.parse(gunzipSync(item.doc as Uint8Array).toString('utf8')) as ConfigSnapshot;
  }

  async put(snapshot: ConfigSnapshot): Promise<boolean> {
    const created = await this.table.putIfAbsent({
      pk: CONFIG_PK,
      sk: configVersionSk(snapshot.version),
      version: snapshot.version,
      createdAt: snapshot.createdAt,
      createdBy: snapshot.createdBy,
      ...(snapshot.note ? { note: snapshot.note } : {}),
      doc: gzipSync(JSON.stringify(snapshot)),
    });
    if (created) await this.advanceLatest(snapshot.version);
    return created;
  }

  async listVersions(limit: number) {
    const out = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': CONFIG_PK, ':v': CONFIG_VERSION_PREFIX },
      ProjectionExpression: 'version, createdAt, createdBy, note',
      ScanIndexForward: false,
      Limit: limit,
    });
    return (out.Items ?? []).map((i) => ({
      version: i.version as number,
      createdAt: i.createdAt as string,
      createdBy: i.createdBy as string,
      ...(i.note ? { note: i.note as string } : {}),
    }));
  }
}
