/**
 * How the simulator acts on tickets: through the very Lambda handlers the HTTP API invokes (an API
 * Gateway payload 2.0 event with the authorizer's claims, in-process: no sockets), or straight
 * through the use cases behind them. Both return the ticket or the problem the API would answer.
 */
import { randomUUID } from 'node:crypto';
import type { ApiEvent } from '../../functions/lib/http';
import { lambdaContext } from '../../infra/local/http-server';
import type { Runtime } from '../../infra/local/runtime';
import type { Ticket } from '../../shared/domain/model';
import type { Principal } from '../../shared/domain/principal';
import { readAction } from '../../shared/domain/ticket-actions';
import type { NewTicketInput } from '../../shared/domain/ticket-rules';
import { type ActionName, act, createTicket, type TicketDeps } from '../../shared/use-cases/ticket-service';

export type Via = 'handlers' | 'use-cases';

export type Outcome =
  | { ok: true; ticket: Ticket }
  | { ok: false; status: number; title: string; detail: string };

export interface SimApi {
  create(actor: Principal, input: NewTicketInput): Promise<Outcome>;
  act(actor: Principal, id: string, action: ActionName, body: Record<string, unknown>): Promise<Outcome>;
}

type LambdaResult = { statusCode?: number; body?: string };

function claimsOf(p: Principal): Record<string, string> {
  return {
    sub: p.sub,
    role: p.role,
    ...(p.unitId ? { unitId: p.unitId } : {}),
    ...(p.communityId ? { communityId: p.communityId } : {}),
    ...(p.streetId ? { streetId: p.streetId } : {}),
  };
}

/** The event API Gateway's HTTP API hands the function after the JWT authorizer passed. */
function apiEvent(
  method: string,
  routePath: string,
  path: string,
  actor: Principal,
  body: unknown,
  params?: Record<string, string>,
): ApiEvent {
  const routeKey = `${method} ${routePath}`;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'simulator.local' },
    ...(params ? { pathParameters: params } : {}),
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'simulator',
      domainName: 'simulator.local',
      domainPrefix: 'simulator',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'whistle-simulator' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claimsOf(actor), scopes: [] } },
    },
  };
}

function outcome(res: LambdaResult): Outcome {
  const parsed = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
  const status = res.statusCode ?? 200;
  if (status < 300) return { ok: true, ticket: parsed as unknown as Ticket };
  return {
    ok: false,
    status,
    title: String(parsed.title ?? 'Error'),
    detail: String(parsed.detail ?? ''),
  };
}

function handlerApi(handlers: Runtime['handlers']['api']): SimApi {
  const intake = handlers.ticketIntake;
  const actions = handlers.ticketActions;
  return {
    async create(actor, input) {
      const event = apiEvent('POST', '/v1/tickets', '/v1/tickets', actor, input);
      return outcome(await intake(event, lambdaContext('ticketIntake')));
    },
    async act(actor, id, action, body) {
      const path = `/v1/tickets/${id}/${action}`;
      const event = apiEvent('POST', `/v1/tickets/{id}/${action}`, path, actor, body, { id });
      return outcome(await actions(event, lambdaContext('ticketActions')));
    },
  };
}

function problemOf(err: unknown): Outcome {
  const e = err as { status?: number; title?: string; message?: string; name?: string };
  if (typeof e.status === 'number') {
    return { ok: false, status: e.status, title: e.title ?? e.name ?? 'Error', detail: e.message ?? '' };
  }
  throw err;
}

function useCaseApi(deps: TicketDeps): SimApi {
  return {
    async create(actor, input) {
      try {
        return { ok: true, ticket: (await createTicket(deps, actor, input)).ticket };
      } catch (err) {
        return problemOf(err);
      }
    },
    async act(actor, id, action, body) {
      try {
        return { ok: true, ticket: await act(deps, actor, id, readAction(action, body)) };
      } catch (err) {
        return problemOf(err);
      }
    },
  };
}

export function simApi(via: Via, rt: Pick<Runtime, 'deps' | 'handlers'>): SimApi {
  return via === 'handlers' ? handlerApi(rt.handlers.api) : useCaseApi(rt.deps);
}
