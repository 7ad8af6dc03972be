/**
 * Shared plumbing of the reliability tests: the test runtime and seed fixtures (test/helpers), tokens,
 * raw HTTP (for requests fetch refuses to send), free ports and paging through list endpoints.
 */
import { connect, createServer } from 'node:net';
import type { ApiClient, ApiResponse } from '../helpers/api-client';

export {
  LAILONGMEN,
  LAILONGMEN_OFFICE,
  NANQIAO,
  ticketBody,
  XISHAN,
  XISHAN_OFFICE,
} from '../helpers/fixtures';
export { bootRuntime } from '../helpers/runtime';

/** Tokens by claims, minted once per runtime. */
export class Tokens {
  constructor(private readonly api: ApiClient) {}

  get(claims: Record<string, string>): Promise<string> {
    return this.api.cachedToken(claims);
  }
  admin = () => this.get({ role: 'admin', sub: 'admin-1' });
  reporter = (communityId: string) =>
    this.get({ role: 'reporter', communityId, sub: `reporter-${communityId}` });
  unit = (unitId: string) => this.get({ role: 'unit', unitId, sub: `unit-${unitId}` });
  supervisor = (streetId?: string) =>
    this.get({
      role: 'supervisor',
      sub: `supervisor-${streetId ?? 'city'}`,
      ...(streetId ? { streetId } : {}),
    });
}

/** A problem+json body as the contract defines it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** True when the response is a well-formed problem+json whose status matches the HTTP status. */
export function isProblem(res: { status: number; body: unknown; headers: Headers | Record<string, string> }) {
  const type =
    res.headers instanceof Headers ? res.headers.get('content-type') : (res.headers['content-type'] ?? null);
  const b = res.body as Partial<Problem> | undefined;
  return (
    Boolean(type?.startsWith('application/problem+json')) &&
    typeof b === 'object' &&
    b !== null &&
    b.status === res.status &&
    typeof b.title === 'string' &&
    typeof b.detail === 'string' &&
    typeof b.type === 'string'
  );
}

/** Every item of a cursor-paged list (`{items, nextCursor}`), failing on a cursor loop. */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<ApiResponse<{ items: T[]; nextCursor?: string | null }>>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const res = await fetchPage(cursor);
    if (res.status !== 200) throw new Error(`list page failed: ${res.status} ${JSON.stringify(res.body)}`);
    out.push(...res.body.items);
    const next = res.body.nextCursor ?? undefined;
    if (!next) return out;
    if (seen.has(next)) throw new Error('the list returned the same cursor twice');
    seen.add(next);
    cursor = next;
  }
}

export function withCursor(path: string, cursor: string | undefined): string {
  if (!cursor) return path;
  return `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

/**
 * Send bytes exactly as given (duplicate headers, broken encodings, oversized headers): fetch
 * normalises all of those away. The request must ask for `connection: close`.
 */
export function rawHttp(
  port: number,
  request: Buffer | string,
  timeoutMs = 5_000,
  opts: { halfClose?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => {
      // The server may reset after answering an abusive request: keep what arrived.
      if (chunks.length === 0) {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = (split < 0 ? raw : raw.subarray(0, split)).toString('latin1');
      let payload: Buffer = split < 0 ? Buffer.alloc(0) : raw.subarray(split + 4);
      const lines = head.split('\r\n');
      const status = Number(lines[0]?.split(' ')[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      if (headers['transfer-encoding'] === 'chunked') payload = dechunk(payload);
      const text = payload.toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      resolve({ status, headers, body, text });
    });
    // Half-closing right away would let the server drop its answer: only when asked (a client
    // that gives up mid-body).
    if (opts.halfClose) socket.end(request);
    else socket.write(request);
  });
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = data;
  for (;;) {
    const i = rest.indexOf('\r\n');
    if (i < 0) break;
    const size = Number.parseInt(rest.subarray(0, i).toString('latin1'), 16);
    if (!size) break;
    parts.push(rest.subarray(i + 2, i + 2 + size));
    rest = rest.subarray(i + 2 + size + 2);
  }
  return Buffer.concat(parts);
}
