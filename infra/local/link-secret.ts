/**
 * The embedded runtime's link secret: 32 random bytes in the data directory, beside the JWT key,
 * so links sent before a restart still open after it. Without a data dir (tests) it lives in
 * memory for the life of the process.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function linkSecretForDataDir(dir: string | undefined): Uint8Array {
  if (!dir) return randomBytes(32);
  const file = join(dir, 'link-signing.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return Buffer.from(readFileSync(file, 'utf8'), 'base64');
}
