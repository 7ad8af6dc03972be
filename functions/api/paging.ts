/**
 * Opaque cursors and full pages over the store's GSI queries.
 *
 * The store pages by DynamoDB keys (LastEvaluatedKey). The API wraps that key in its own cursor,
 * bound to the query it came from (a cursor replayed against other filters or another caller's
 * scope is a 400, not a silently wrong page), plus a count of rows already served from the page
 * the key starts: one stored record may expand to several rows (a notification's SMS and email),
 * and a page never returns more than `limit` rows. Store filters can leave a DynamoDB page short,
 * so pages are topped up with a few more queries before a short page is returned.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../shared/domain/errors';
import type { Page } from '../../shared/ports';
import * as z from '../../shared/zod';

/** Queries per API page at most: bounds the work a sparse filter can cost. */
const MAX_FETCHES = 5;
/** DynamoDB items read per query at most. */
const MAX_FETCH = 200;

const cursorSchema = z.strictObject({
  /** The store's cursor, or absent for the start of the list. */
  s: z.optional(z.string().check(z.minLength(1), z.maxLength(1500))),
  /** Rows of the page starting at `s` already served. */
  n: z.number().check(z.int(), z.gte(0), z.lte(10_000)),
  /** Fingerprint of the query (filters and the caller's scope). */
  q: z.string().check(z.length(16)),
});
type Cursor = z.infer<typeof cursorSchema>;

const invalid = (message: string) => new ValidationError('invalid cursor', [{ path: 'cursor', message }]);

export function fingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, q: string): Cursor | undefined {
  if (cursor === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor this API returned');
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw invalid('not a cursor this API returned');
  if (parsed.data.q !== q) throw invalid('this cursor belongs to a different query: keep the same filters');
  return parsed.data;
}

/** A store query rejected for its start key: the only client-controlled part of a validated query. */
function isBadStartKey(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ValidationException';
}

export interface PageRequest<T, R> {
  /** One store query: at most `limit` records from the store cursor. */
  fetch: (limit: number, storeCursor: string | undefined) => Promise<Page<T>>;
  /** Records → rows, in order (may filter out, may expand one record to several rows). */
  expand: (records: T[]) => R[] | Promise<R[]>;
  limit: number;
  cursor: string | undefined;
  /** Everything that decides the result set: filters and the caller's scope. */
  query: unknown;
}

export async function collectPage<T, R>(
  req: PageRequest<T, R>,
): Promise<{ items: R[]; nextCursor: string | null }> {
  const q = fingerprint(req.query);
  const start = decodeCursor(req.cursor, q);
  let storeCursor = start?.s;
  let skip = start?.n ?? 0;
  const items: R[] = [];
  for (let fetches = 0; fetches < MAX_FETCHES; fetches += 1) {
    const need = req.limit - items.length;
    let page: Page<T>;
    try {
      // Exactly what is needed first; then wider reads, since the last ones came back thinned.
      page = await req.fetch(Math.min(MAX_FETCH, (need + skip) * 2 ** fetches), storeCursor);
    } catch (err) {
      if (storeCursor && isBadStartKey(err)) throw invalid('not a cursor this API returned');
      throw err;
    }
    const rows = await req.expand(page.items);
    const dropped = Math.min(skip, rows.length);
    const fresh = rows.slice(dropped);
    if (fresh.length > need) {
      // The page holds more than fits: come back to the same store page, past what was served.
      items.push(...fresh.slice(0, need));
      return {
        items,
        nextCursor: encodeCursor({ ...(storeCursor ? { s: storeCursor } : {}), n: skip + need, q }),
      };
    }
    items.push(...fresh);
    skip -= dropped;
    if (!page.nextCursor) return { items, nextCursor: null };
    storeCursor = page.nextCursor;
    if (items.length === req.limit) break;
  }
  return { items, nextCursor: encodeCursor({ ...(storeCursor ? { s: storeCursor } : {}), n: skip, q }) };
}

/** Paging over an in-memory list (reference data): all items unless a limit is asked for. */
export function slicePage<R>(
  all: readonly R[],
  limit: number | undefined,
  cursor: string | undefined,
  query: unknown,
): { items: R[]; nextCursor: string | null } {
  const q = fingerprint(query);
  const from = decodeCursor(cursor, q)?.n ?? 0;
  const to = limit === undefined ? all.length : Math.min(all.length, from + limit);
  return {
    items: all.slice(from, to),
    nextCursor: to < all.length ? encodeCursor({ n: to, q }) : null,
  };
}
