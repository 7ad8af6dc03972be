import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { renderDocsPage } from '../../functions/api/docs-page';
import { buildOpenApi, LOCAL_TOKEN_ROUTE, servedRoutes } from '../../functions/api/openapi';
import { routes } from '../../functions/api/routes';

type Doc = {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

const documented = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );

describe('OpenAPI document', () => {
  it('validates as OpenAPI 3.1 and every $ref resolves', async () => {
    for (const local of [false, true]) {
      const validator = new Validator();
      const res = await validator.validate(buildOpenApi({ local }));
      expect(res.errors, JSON.stringify(res.errors, null, 1)).toBeUndefined();
      expect(res.valid).toBe(true);
      expect(validator.version).toBe('3.1');
      // resolveRefs throws on a dangling $ref.
      expect(() => validator.resolveRefs()).not.toThrow();
    }
  });

  it('lists exactly the routes the server answers, and the dev token route only where it is served', () => {
    const aws = buildOpenApi({ local: false }) as unknown as Doc;
    const local = buildOpenApi({ local: true }) as unknown as Doc;
    // Fallback routes (every other path under /open311/) answer errors only: not operations.
    const keys = routes.filter((r) => !r.fallback).map((r) => `${r.method} ${r.path}`);
    expect(documented(aws).sort()).toEqual([...keys].sort());
    expect(documented(local).sort()).toEqual(
      [...keys, `${LOCAL_TOKEN_ROUTE.method} ${LOCAL_TOKEN_ROUTE.path}`].sort(),
    );
    expect(servedRoutes(true)).toHaveLength(keys.length + 1);
  });

  it('names every operation uniquely and documents a success and the errors a client can meet', () => {
    const doc = buildOpenApi({ local: true }) as unknown as Doc;
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses);
        // A phone link's form post answers with a redirect to its page (POST-redirect-GET).
        const link = path.startsWith('/l/') || path === '/w';
        expect(
          statuses.some((s) => s.startsWith('2') || (link && s === '303')),
          `${method} ${path}`,
        ).toBe(true);
        expect(statuses, `${method} ${path}`).toContain('400');
        if (
          !link &&
          !path.startsWith('/open311') &&
          path !== '/healthz' &&
          !path.startsWith('/docs') &&
          path !== '/openapi.json' &&
          // Gateway receipts authenticate by the key in their URL (no token).
          !path.startsWith('/v1/receipts/') &&
          path !== LOCAL_TOKEN_ROUTE.path
        ) {
          expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
    }
  });

  it('describes the contract’s resources from the handlers’ own schemas', () => {
    const doc = buildOpenApi() as unknown as Doc;
    const ticket = doc.components.schemas.Ticket as {
      properties: Record<string, unknown>;
      required: string[];
    };
    for (const field of [
      'id',
      'code',
      'status',
      'assignments',
      'deadlines',
      'escalationLevel',
      'breaches',
      'timeline',
    ]) {
      expect(ticket.required).toContain(field);
    }
    const create = doc.components.schemas.CreateTicket as {
      additionalProperties: unknown;
      required: string[];
    };
    expect(create.additionalProperties).toBe(false);
    // dutyItemId and title became optional (issue 20: a whistle may send only what was seen).
    expect(create.required.sort()).toEqual(['channel', 'communityId', 'description']);
    const list = doc.components.schemas.TicketList as { required: string[] };
    expect(list.required.sort()).toEqual(['items', 'nextCursor']);
    const problem = doc.components.schemas.Problem as { required: string[] };
    expect(problem.required.sort()).toEqual(['detail', 'status', 'title', 'type']);
  });

  it('renders a reference page with every operation and schema, escaping text', () => {
    const doc = buildOpenApi({ local: true }) as unknown as Doc;
    const html = renderDocsPage(doc as unknown as Record<string, unknown>);
    expect(html).toMatch(/^<!doctype html>/);
    for (const key of documented(doc)) {
      const [method = '', path = ''] = key.split(' ');
      expect(html).toContain(`${method}</span> <code>${path}</code>`);
    }
    for (const name of Object.keys(doc.components.schemas)) expect(html).toContain(`id="schema-${name}"`);
    expect(html).not.toMatch(/<script/i);
  });
});
