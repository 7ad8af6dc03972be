/**
 * Hostile input, property-based (fast-check): every route of routes.ts gets malformed JSON, wrong
 * types, huge strings, deep nesting, unicode edge cases and odd headers. The server answers 2xx or
 * a clean 4xx in the route's error format, never a 5xx, never dies, and stores nothing that does
 * not parse as a ticket. Raw-socket cases cover what fetch will not send (duplicate and oversized
 * headers, broken framing, invalid UTF-8).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/api/routes';
import type { Runtime } from '../../infra/local/runtime';
import { ticketSchema } from '../../shared/domain/model';
import type { ApiClient } from '../helpers/api-client';
import {
  allPages,
  bootRuntime,
  isProblem,
  LAILONGMEN_OFFICE,
  NANQIAO,
  rawHttp,
  Tokens,
  ticketBody,
  withCursor,
} from './support';

/** Runs per route; the count of cases is reported (docs/reliability.md). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 24);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_928);

let rt: Runtime;
let api: ApiClient;
let tokens: Tokens;
let port: number;
let ticket: { id: string; code: string };
let cases = 0;
const failures: string[] = [];

beforeAll(async () => {
  ({ rt, api } = await bootRuntime());
  tokens = new Tokens(api);
  port = Number(new URL(rt.url).port);
  const created = await api.call<{ id: string; code: string }>(
    'POST',
    '/v1/tickets',
    await tokens.reporter(NANQIAO),
    ticketBody(),
  );
  ticket = created.body;
});
afterAll(async () => {
  // The figure docs/reliability.md reports.
  process.stdout.write(`fuzz: ${cases} cases, ${failures.length} failures\n`);
  await rt?.stop();
});

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

const edgeStrings = [
  '\ud800', // lone high surrogate
  'a\udc00b', // lone low surrogate
  '\u202eevil\u202c', // right-to-left override
  'زقاق', // Arabic, right to left
  '\u200b\u200c\u200d\ufeff', // zero-width and BOM
  '👨‍👩‍👧‍👦🏳️‍🌈', // emoji sequences
  'e\u0301\u0301\u0301', // stacked combining marks
  '\u0000', // NUL
  '\r\n\t',
  '   ',
  '<script>alert(1)</script>',
  "'; DROP TABLE tickets; --",
  '$' + '{jndi:ldap://x}', // log4shell-shaped
  '../../etc/passwd',
  '%00%2e%2e%2f',
  '__proto__',
  '楼道'.repeat(600),
];

const hugeString = fc.constantFrom(70_000, 5_000, 1_001, 101).map((n) => 'x'.repeat(n));
const deep = fc.integer({ min: 50, max: 20_000 }).map((n) => {
  let v: unknown = 1;
  // Built iteratively: the fuzzer itself must not blow the stack either.
  for (let i = 0; i < Math.min(n, 2_000); i += 1) v = i % 2 ? [v] : { a: v };
  return v;
});
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...edgeStrings),
  fc.string({ unit: 'binary', maxLength: 40 }),
  hugeString,
  deep,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 3.14),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'x'),
    fc.jsonValue({ maxDepth: 1 }),
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Replace or add fields of a valid body with hostile values (or break it entirely). */
function mutated(valid: Record<string, unknown> | undefined): fc.Arbitrary<unknown> {
  const base = valid ?? {};
  const keys = Object.keys(base);
  const replaceOne =
    keys.length > 0
      ? fc.tuple(fc.constantFrom(...keys), hostileValue).map(([k, v]) => ({ ...base, [k]: v }))
      : hostileValue;
  return fc.oneof(
    { weight: 4, arbitrary: replaceOne },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('__proto__', 'extra', 'constructor', 'évil'), hostileValue)
        .map(([k, v]) => JSON.parse(`{${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}}`) as unknown)
        .map((extra) => ({ ...base, ...(extra as object) })),
    },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.constant(base) },
  );
}

interface Body {
  /** Exactly these bytes (malformed JSON, invalid UTF-8); otherwise JSON of `value`. */
  raw?: string | Uint8Array;
  value?: unknown;
}

function bodies(valid: Record<string, unknown> | undefined): fc.Arbitrary<Body | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: mutated(valid).map((value) => ({ value })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom(
            '{',
            '{"a":',
            '[1,2',
            '{"title": "\\ud800"}',
            'null',
            '"str"',
            '1e999',
            '{"a":1}{"b":2}',
            'NaN',
            '\ufeff{}',
          ),
          fc.integer({ min: 10, max: 40_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
        )
        .map((raw) => ({ raw })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({
        raw: Uint8Array.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, ...b, 0xc3, 0x28, 0xff, 0x22, 0x7d]),
      })),
    },
  );
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/problem+json',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/jsonx',
  '',
);

/** A path segment: encoded by the test, or `raw` (already percent-encoded, possibly broken). */
type Segment = { text: string } | { raw: string };
const pathParam = (real: string): fc.Arbitrary<Segment> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ text: real }) },
    { weight: 1, arbitrary: fc.constantFrom(...edgeStrings.map((s) => ({ text: s.slice(0, 200) }))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((text) => ({ text })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...['t00000000000000000000', 'T'.repeat(21), '..', '.', 'a/b', '9'.repeat(400)].map((text) => ({
          text,
        })),
      ),
    },
    // Broken escapes: a lone %, a non-hex escape, the UTF-8 bytes of a lone surrogate, overlong NUL.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('%', '%ZZ', '%ED%A0%80', '%C0%80', '%FF', 'a%2', '%2e%2e')
        .map((raw) => ({ raw })),
    },
  );
const segment = (s: Segment | undefined) =>
  s === undefined ? '' : 'raw' in s ? s.raw : encodeURIComponent(s.text.toWellFormed());

const queryArb = fc.dictionary(
  fc.constantFrom(
    'limit',
    'cursor',
    'status',
    'unitId',
    'communityId',
    'streetId',
    'breached',
    'from',
    'to',
    'ticketId',
    'stage',
    'level',
    'year',
    'x',
    '__proto__',
  ),
  fc.oneof(
    fc.constantFrom(
      '0',
      '-1',
      '101',
      '100',
      '1e3',
      'NaN',
      'true',
      '2026-02-30',
      '2026-09-28T09:00:00+08:00',
      'e30',
      '',
    ),
    fc.constantFrom(...edgeStrings),
    fc.string({ maxLength: 20 }),
  ),
  { maxKeys: 4 },
);

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

function validBody(route: string): Record<string, unknown> | undefined {
  const action = route.match(/^POST \/v1\/tickets\/\{id\}\/(.+)$/)?.[1];
  const actions: Record<string, Record<string, unknown>> = {
    acknowledge: {},
    arrive: {},
    progress: { note: '已联系' },
    resolve: { summary: '已处理', evidence: ['https://example.org/p.jpg'] },
    return: { reason: '非本单位职责' },
    extension: { workingDays: 2, reason: '需协调' },
    'extension/decision': { approve: true },
    urge: { note: '请尽快' },
    feedback: { rating: 'satisfied', comment: '好' },
    cancel: { reason: '重复' },
    ruling: { decision: 'close' },
  };
  if (action) return actions[action] ?? {};
  if (route === 'POST /v1/tickets')
    return ticketBody({
      reporter: { name: '赵六', phone: '+8613900000001' },
      location: { address: '3栋', lat: 27.6, lng: 113.5 },
    });
  if (route === 'PUT /v1/calendar/{year}') return { holidays: ['2026-10-01'], workdays: [] };
  if (route === 'PUT /v1/sla-policies/{slaClass}')
    return {
      clock: 'workday',
      acknowledge: { workingDays: 1 },
      resolve: { workingDays: 5 },
      feedback: { workingDays: 3 },
      level2After: { workingDays: 1 },
      level3After: { workingDays: 5 },
      extension: { allowed: true, maxWorkingDays: 10 },
    };
  if (route === 'PUT /v1/units/{id}')
    return {
      name: '测试单位',
      kind: 'department',
      contacts: {
        dutyPhone: '+8613700000000',
        email: 'a@example.org',
        leaderName: '甲',
        leaderPhone: '+8613700000001',
      },
    };
  if (route === 'PUT /v1/duty-items/{id}')
    return {
      name: '测试事项',
      category: '测试',
      kind: 'retracted',
      slaClass: 'general',
      leadUnitId: 'u-cgj',
      coUnitIds: [],
    };
  return undefined;
}

/** What an error answer of this route must look like. */
function wellFormedError(route: string, res: { status: number; body: unknown; headers: Headers }): boolean {
  if (route.includes(' /open311/') && route.endsWith('.xml')) {
    // XML documents answer errors as the spec's <errors><error> list.
    return (
      (res.headers.get('content-type') ?? '').startsWith('text/xml') &&
      /^<\?xml[^>]*>\n<errors>(<error><code>\d{3}<\/code><description>[^<]*<\/description><\/error>)+<\/errors>$/.test(
        String(res.body),
      )
    );
  }
  if (route.includes(' /open311/')) {
    // The spec's error list from the handler; problem+json when the gateway refused first.
    const body = res.body as { code?: unknown; description?: unknown }[];
    const spec =
      Array.isArray(body) &&
      body.every((e) => typeof e.code === 'number' && typeof e.description === 'string');
    return spec || isProblem(res);
  }
  // Link pages refuse with a page that explains itself (HTML) or problem+json for scripts.
  if (route.includes(' /l/'))
    return (res.headers.get('content-type') ?? '').startsWith('text/html') || isProblem(res);
  return isProblem(res);
}

describe('fuzzing every route', () => {
  const rows = routes.map((r) => [`${r.method} ${r.path}`, r] as const);

  it.each(rows)(
    '%s answers hostile input with 2xx or a clean 4xx',
    async (route, spec) => {
      const tokenArb = fc.constantFrom<'admin' | 'reporter' | 'unit' | 'supervisor' | 'none' | 'garbage'>(
        'admin',
        'admin',
        'reporter',
        'unit',
        'supervisor',
        'none',
        'garbage',
      );
      const tokenFor = async (who: string) => {
        if (who === 'admin') return tokens.admin();
        if (who === 'reporter') return tokens.reporter(NANQIAO);
        if (who === 'unit') return tokens.unit(LAILONGMEN_OFFICE);
        if (who === 'supervisor') return tokens.supervisor();
        if (who === 'garbage') return 'eyJhbGciOiJub25lIn0.e30.';
        return undefined;
      };
      const params = (spec.path.match(/\{\w+\}/g) ?? []).map((p) => {
        const real: Record<string, string> = {
          '{id}': route.includes('/v1/units/')
            ? 'u-fuzz'
            : route.includes('/duty-items/')
              ? 'di-fuzz'
              : ticket.id,
          '{year}': '2026',
          '{slaClass}': 'general',
          '{file}': `${ticket.id}.json`,
          '{code}': ticket.code,
          '{action}': 'acknowledge',
        };
        return pathParam(real[p] ?? 'x');
      });
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...params.map((p) => p)),
          queryArb,
          bodies(validBody(route)),
          contentTypes,
          tokenArb,
          fc.option(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_:.~!'.split('')), maxLength: 300 }), {
            nil: undefined,
          }),
          async (values, query, body, contentType, who, idemKey) => {
            cases += 1;
            let i = 0;
            const path = spec.path.replace(/\{\w+\}/g, () => segment(values[i++]));
            const qs = new URLSearchParams(query as Record<string, string>).toString();
            const token = await tokenFor(who);
            const headers: Record<string, string> = {
              ...(contentType ? { 'content-type': contentType } : {}),
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(idemKey !== undefined ? { 'idempotency-key': idemKey } : {}),
            };
            const payload =
              body === undefined || spec.method === 'GET'
                ? undefined
                : body.raw !== undefined
                  ? body.raw
                  : JSON.stringify(body.value);
            const res = await fetch(`${rt.url}${path}${qs ? `?${qs}` : ''}`, {
              method: spec.method,
              headers,
              ...(payload !== undefined ? { body: payload as BodyInit } : {}),
            });
            const text = await res.text();
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // pages and plain text stay text
            }
            const ok =
              res.status < 500 &&
              (res.status < 400 ||
                wellFormedError(route, { status: res.status, body: parsed, headers: res.headers }));
            if (!ok) {
              const what = `${route} → ${res.status} for ${spec.method} ${path.slice(0, 120)} (${contentType}, ${who}): ${text.slice(0, 300)}`;
              failures.push(what);
            }
            return ok;
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    60_000,
  );
});

describe('unicode edge cases in every text field of a ticket', () => {
  const fields: [string, (v: string) => Record<string, unknown>][] = [
    ['title', (v) => ({ title: v })],
    ['description', (v) => ({ description: v })],
    ['reporter.name', (v) => ({ reporter: { name: v } })],
    ['location.address', (v) => ({ location: { address: v } })],
  ];
  it.each(fields)('%s: stored as sent when valid, refused with 400 when not', async (_field, put) => {
    const reporter = await tokens.reporter(NANQIAO);
    for (const v of edgeStrings) {
      cases += 1;
      const res = await api.call<{ id: string }>(
        'POST',
        '/v1/tickets',
        reporter,
        JSON.stringify(ticketBody(put(v))),
      );
      expect([201, 400]).toContain(res.status);
      if (res.status === 400) expect(isProblem(res)).toBe(true);
      if (!v.isWellFormed()) expect(res.status).toBe(400);
    }
  });
});

describe('what fetch will not send', () => {
  const request = (lines: string[], body = '') =>
    `${lines.join('\r\n')}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  const check = (res: { status: number; headers: Record<string, string>; body: unknown }) => {
    cases += 1;
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.body as { status: number }).status).toBe(res.status);
  };

  it('refuses two Authorization headers, even when one is valid', async () => {
    const admin = await tokens.admin();
    const res = await rawHttp(
      port,
      request([
        'GET /v1/board HTTP/1.1',
        'host: x',
        `authorization: Bearer ${admin}`,
        'authorization: Bearer forged.forged.forged',
      ]),
    );
    check(res);
    expect(res.status).toBe(401);
    const swapped = await rawHttp(
      port,
      request([
        'GET /v1/board HTTP/1.1',
        'host: x',
        'authorization: Bearer forged.forged.forged',
        `authorization: Bearer ${admin}`,
      ]),
    );
    expect(swapped.status).toBe(401);
  });

  it('refuses oversized headers and URLs with 431', async () => {
    const admin = await tokens.admin();
    const big = await rawHttp(
      port,
      request([
        'GET /v1/units HTTP/1.1',
        'host: x',
        `authorization: Bearer ${admin}`,
        `x-junk: ${'a'.repeat(20_000)}`,
      ]),
    );
    check(big);
    expect(big.status).toBe(431);
    const longUrl = await rawHttp(
      port,
      request([`GET /v1/tickets?cursor=${'c'.repeat(70_000)} HTTP/1.1`, 'host: x']),
    );
    check(longUrl);
  });

  it('refuses broken framing with 400', async () => {
    for (const raw of [
      'GET /v1/units HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n',
      'POST /v1/tickets HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n',
      'POST /v1/tickets HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
      'GET /v1/\u0000units HTTP/1.1\r\nhost: x\r\n\r\n',
      'NOT-A-METHOD / HTTP/1.1\r\nhost: x\r\n\r\n',
    ]) {
      check(await rawHttp(port, raw));
    }
  });

  it('answers a body cut short by the client with a 4xx, not a 500', async () => {
    const reporter = await tokens.reporter(NANQIAO);
    const res = await rawHttp(
      port,
      `POST /v1/tickets HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${reporter}\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"title":`,
      3_000,
      { halfClose: true },
    ).catch(() => undefined);
    cases += 1;
    // The server may also just close: what it must not do is answer 5xx.
    if (res?.status) expect(res.status).toBeLessThan(500);
  });

  it('reads invalid UTF-8 as text with replacement characters and refuses it cleanly', async () => {
    const reporter = await tokens.reporter(NANQIAO);
    const body = Buffer.concat([
      Buffer.from(
        '{"dutyItemId":"di-neighbor-dispute","communityId":"cm-nanqiao","channel":"grid","title":"',
      ),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from('","description":"x"}'),
    ]);
    const head = `POST /v1/tickets HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${reporter}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const res = await rawHttp(port, Buffer.concat([Buffer.from(head), body]));
    cases += 1;
    expect(res.status).toBeLessThan(500);
  });

  it('answers methods and paths it does not serve with 405 and 404 problem+json', async () => {
    check(await rawHttp(port, request(['DELETE /v1/tickets HTTP/1.1', 'host: x'])));
    check(await rawHttp(port, request(['PATCH /v1/units/u-cgj HTTP/1.1', 'host: x'])));
    check(await rawHttp(port, request(['GET /v1/nothing-here HTTP/1.1', 'host: x'])));
  });
});

describe('after the storm', () => {
  it('stored only tickets that parse, with well-formed text, and the runtime still serves', async () => {
    expect(failures).toEqual([]);
    const admin = await tokens.admin();
    const all = await allPages<unknown>((c) =>
      api.call('GET', withCursor('/v1/tickets?limit=100', c), admin),
    );
    expect(all.length).toBeGreaterThan(1);
    const broken: string[] = [];
    const illFormed: string[] = [];
    const walk = (v: unknown, at: string) => {
      if (typeof v === 'string' && !v.isWellFormed()) illFormed.push(at);
      else if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, `${at}[${i}]`);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    for (const t of all) {
      const parsed = ticketSchema.safeParse(t);
      if (!parsed.success) broken.push(`${(t as { id: string }).id}: ${parsed.error.issues[0]?.message}`);
      walk(t, (t as { id: string }).id);
    }
    expect(broken).toEqual([]);
    expect(illFormed).toEqual([]);
    expect((await api.call('GET', '/healthz')).status).toBe(200);
  });
});
