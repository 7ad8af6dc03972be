/**
 * The OpenAPI 3.1 document, generated from the route table and the same zod schemas the handlers
 * validate with (zod's own JSON Schema output), so the document cannot drift from the code.
 */
import * as z from 'zod';
import { ticketSchema } from '../../shared/domain/model';
import { type RouteSpec, routes } from './routes';
import {
  actionBodies,
  breachesQuery,
  calendarBody,
  createTicketBody,
  dutyItemBody,
  listTicketsQuery,
  metricsQuery,
  notificationsQuery,
  slaPolicyBody,
  unitBody,
} from './schemas';

const jsonSchema = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

const bodies: Record<string, z.ZodType> = {
  'POST /v1/tickets': createTicketBody,
  'PUT /v1/units/{id}': unitBody,
  'PUT /v1/duty-items/{id}': dutyItemBody,
  'PUT /v1/sla-policies/{slaClass}': slaPolicyBody,
  'PUT /v1/calendar/{year}': calendarBody,
  ...Object.fromEntries(Object.entries(actionBodies).map(([k, v]) => [`POST /v1/tickets/{id}/${k}`, v])),
};

const queries: Record<string, z.ZodObject> = {
  'GET /v1/tickets': listTicketsQuery,
  'GET /v1/breaches': breachesQuery,
  'GET /v1/notifications': notificationsQuery,
  'GET /v1/metrics/units': metricsQuery,
};

const summaries: Record<string, string> = {
  'POST /v1/tickets': 'Raise a ticket (吹哨). Reporter (own community) or admin. Idempotency-Key supported.',
  'GET /v1/tickets': 'List tickets in the caller\u2019s scope, newest first.',
  'GET /v1/tickets/{id}': 'One ticket with assignments, deadlines, breaches and timeline.',
  'POST /v1/tickets/{id}/acknowledge': 'An assigned unit signs for the ticket (签收). Again → 409.',
  'POST /v1/tickets/{id}/arrive': 'An assigned unit reports arrival on site (报到).',
  'POST /v1/tickets/{id}/progress': 'An assigned unit reports progress.',
  'POST /v1/tickets/{id}/resolve': 'The lead unit resolves the ticket (办结), after acknowledging.',
  'POST /v1/tickets/{id}/return':
    'An assigned unit returns a misrouted ticket (退单) within the return window.',
  'POST /v1/tickets/{id}/extension': 'The lead unit asks for an extension (延期); 202 until decided.',
  'POST /v1/tickets/{id}/extension/decision': 'A supervisor approves or rejects the pending extension.',
  'POST /v1/tickets/{id}/urge': 'A supervisor or admin urges the lead unit (催办/督办).',
  'POST /v1/tickets/{id}/feedback': 'The reporter\u2019s community gives the resident\u2019s verdict.',
  'POST /v1/tickets/{id}/cancel': 'An admin cancels the ticket.',
  'POST /v1/tickets/{id}/ruling': 'A supervisor rules on a held ticket: close, assign to a unit, or reopen.',
  'GET /v1/breaches': 'SLA breaches (supervisor, admin).',
  'GET /v1/notifications': 'Notifications sent, one row per message (supervisor, admin).',
  'GET /v1/metrics/units': 'Per-unit 三率 and counts for a period (supervisor, admin).',
  'GET /v1/board': 'Open tickets by status and escalation level (supervisor, admin).',
};

function operation(spec: RouteSpec) {
  const key = `${spec.method} ${spec.path}`;
  const params = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = queries[key];
  const queryParams = query
    ? Object.entries(query.shape).map(([name, s]) => ({
        name,
        in: 'query',
        required: false,
        schema: jsonSchema(s as z.ZodType),
      }))
    : [];
  const body = bodies[key];
  const problem = { $ref: '#/components/responses/Problem' };
  const ticketLike = key.startsWith('POST /v1/tickets');
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    summary: summaries[key] ?? key,
    tags: [
      spec.path.split('/')[1] === 'v1'
        ? (spec.path.split('/')[2] ?? 'v1')
        : (spec.path.split('/')[1] ?? 'service'),
    ],
    ...(spec.public ? { security: [] } : {}),
    parameters: [...params, ...queryParams],
    ...(body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(body) } } } }
      : {}),
    responses: {
      [key === 'POST /v1/tickets' ? '201' : key.endsWith('/extension') ? '202' : '200']: {
        description: 'OK',
        content: {
          'application/json': {
            schema: ticketLike ? { $ref: '#/components/schemas/Ticket' } : { type: 'object' },
          },
        },
      },
      ...(spec.public ? {} : { '401': problem, '403': problem }),
      '400': problem,
      '404': problem,
      ...(spec.method === 'GET' ? {} : { '409': problem, '413': problem, '415': problem }),
      '429': problem,
    },
  };
}

export function buildOpenApi(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    paths[spec.path] ??= {};
    (paths[spec.path] as Record<string, unknown>)[spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Whistle Dispatch API',
      version: '1.0.0',
      description:
        '街社吹哨、部门报到: raise tickets, route them by the duty list, run SLA clocks on the Chinese working-day calendar, escalate, and review breaches and unit rankings.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Ticket: jsonSchema(ticketSchema) },
      responses: {
        Problem: {
          description: 'application/problem+json',
          content: {
            'application/problem+json': {
              schema: {
                type: 'object',
                required: ['type', 'title', 'status', 'detail'],
                properties: {
                  type: { type: 'string' },
                  title: { type: 'string' },
                  status: { type: 'integer' },
                  detail: { type: 'string' },
                  errors: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { path: { type: 'string' }, message: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
