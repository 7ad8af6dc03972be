/**
 * The console's files for the embedded HTTP server: the pre-compressed twin (`.br`, then `.gz`,
 * written by console/build.ts) when the browser accepts it, content-hashed assets cached for
 * good, index.html revalidated every time (it names the current assets).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { StaticSite } from './http-server';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
};

function accepts(header: string | undefined, coding: string): boolean {
  return (header ?? '')
    .split(',')
    .map((p) => p.trim().split(';'))
    .some(([name, q]) => name === coding && !/q=0(\.0*)?$/.test((q ?? '').trim()));
}

export function staticSite(dir: string): StaticSite {
  const isFile = (f: string) => existsSync(f) && statSync(f).isFile();
  return {
    get(path, acceptEncoding) {
      const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
      const file = join(dir, rel);
      if (!file.startsWith(dir) || !isFile(file)) return undefined;
      const type = types[extname(file)] ?? 'application/octet-stream';
      const headers: Record<string, string> = {
        'cache-control': rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        vary: 'accept-encoding',
      };
      for (const [coding, ext] of [
        ['br', '.br'],
        ['gzip', '.gz'],
      ] as const) {
        if (accepts(acceptEncoding, coding) && isFile(`${file}${ext}`)) {
          return {
            body: readFileSync(`${file}${ext}`),
            type,
            headers: { ...headers, 'content-encoding': coding },
          };
        }
      }
      return { body: readFileSync(file), type, headers };
    },
  };
}
