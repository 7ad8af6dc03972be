import { describe, expect, it } from 'vitest';
import { collectPage, slicePage } from '../../functions/api/paging';
import { ValidationError } from '../../shared/domain/errors';
import type { Page } from '../../shared/ports';

/** A store page function over an array: the cursor is the next index, like a LastEvaluatedKey. */
function fakeStore(records: number[]) {
  let calls = 0;
  return {
    calls: () => calls,
    fetch: async (limit: number, cursor: string | undefined): Promise<Page<number>> => {
      calls += 1;
      const from = cursor ? Number(cursor) : 0;
      const items = records.slice(from, from + limit);
      const next = from + limit;
      return { items, ...(next < records.length ? { nextCursor: String(next) } : {}) };
    },
  };
}

async function drain<R>(
  make: (cursor: string | undefined) => Promise<{ items: R[]; nextCursor: string | null }>,
) {
  const pages: R[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i += 1) {
    const page = await make(cursor);
    pages.push(page.items);
    if (!page.nextCursor) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('no end');
}

describe('collectPage', () => {
  const records = Array.from({ length: 37 }, (_, i) => i);

  it('returns every row exactly once, never more than limit, when records expand to several rows', async () => {
    // Record i → 1 to 3 rows; multiples of 5 are filtered out entirely.
    const expand = (rs: number[]) =>
      rs.flatMap((r) => (r % 5 === 0 ? [] : Array.from({ length: (r % 3) + 1 }, (_, k) => `${r}.${k}`)));
    const expected = expand(records);
    for (const limit of [1, 2, 3, 7, 100]) {
      const store = fakeStore(records);
      const pages = await drain((cursor) =>
        collectPage({ fetch: store.fetch, expand, limit, cursor, query: { f: 1 } }),
      );
      expect(pages.flat()).toEqual(expected);
      for (const p of pages) expect(p.length).toBeLessThanOrEqual(limit);
    }
  });

  it('tops up pages thinned by filters, within a bounded number of queries', async () => {
    const store = fakeStore(records);
    const page = await collectPage({
      fetch: store.fetch,
      expand: (rs: number[]) => rs.filter((r) => r % 10 === 9),
      limit: 3,
      cursor: undefined,
      query: {},
    });
    expect(page.items).toEqual([9, 19, 29]);
    expect(store.calls()).toBeLessThanOrEqual(5);
  });

  it('rejects a cursor from another query, a forged one, and a store key the store refuses', async () => {
    const store = fakeStore(records);
    const first = await collectPage({
      fetch: store.fetch,
      expand: (r: number[]) => r,
      limit: 5,
      cursor: undefined,
      query: { a: 1 },
    });
    expect(first.nextCursor).toBeTruthy();
    const again = (query: unknown, cursor: string) =>
      collectPage({ fetch: store.fetch, expand: (r: number[]) => r, limit: 5, cursor, query });
    await expect(again({ a: 2 }, first.nextCursor as string)).rejects.toThrow(ValidationError);
    await expect(again({ a: 1 }, 'bm9wZQ')).rejects.toThrow(ValidationError);
    const refusing = {
      fetch: async () => {
        throw Object.assign(new Error('The provided starting key is invalid'), {
          name: 'ValidationException',
        });
      },
    };
    await expect(
      collectPage({
        fetch: refusing.fetch,
        expand: (r: number[]) => r,
        limit: 5,
        cursor: first.nextCursor as string,
        query: { a: 1 },
      }),
    ).rejects.toMatchObject({ status: 400, errors: [{ path: 'cursor' }] });
  });
});

describe('slicePage', () => {
  it('returns everything without a limit, and pages with one', () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    expect(slicePage(all, undefined, undefined, 'q')).toEqual({ items: all, nextCursor: null });
    const one = slicePage(all, 2, undefined, 'q');
    expect(one.items).toEqual(['a', 'b']);
    const two = slicePage(all, 2, one.nextCursor ?? undefined, 'q');
    const three = slicePage(all, 2, two.nextCursor ?? undefined, 'q');
    expect([...one.items, ...two.items, ...three.items]).toEqual(all);
    expect(three.nextCursor).toBeNull();
    expect(() => slicePage(all, 2, one.nextCursor ?? undefined, 'other')).toThrow(ValidationError);
  });
});
