/**
 * The console's only way to the API: same origin (the embedded runtime serves both; on AWS
 * CloudFront forwards the API paths), bearer token from the session, zod on every response, and
 * problem+json turned into an ApiError the views can show as it is.
 */
import type * as z from 'zod';
import { principalFromClaims } from '../../shared/domain/principal';
import { type Problem, problemSchema } from './schemas';

export interface Session {
  token: string;
  role: 'admin' | 'supervisor' | 'unit' | 'reporter' | 'dispatcher';
  sub: string;
  unitId?: string;
  communityId?: string;
  streetId?: string;
  /** Epoch ms after which the token is no longer accepted (from `exp`). */
  expiresAt?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
}

const SESSION_KEY = 'whistle.console.session';
let session: Session | undefined;
const listeners = new Set<(reason?: 'expired') => void>();

function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** Reads who the token speaks for (display and navigation only: the API verifies it). */
export function sessionFromToken(token: string): Session {
  const claims = decodeClaims(token);
  const p = principalFromClaims(claims);
  return {
    token,
    role: p.role,
    sub: p.sub,
    ...(p.unitId ? { unitId: p.unitId } : {}),
    ...(p.communityId ? { communityId: p.communityId } : {}),
    ...(p.streetId ? { streetId: p.streetId } : {}),
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
  };
}

export function currentSession(): Session | undefined {
  if (session) return session;
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return undefined;
    const s = sessionFromToken((JSON.parse(raw) as { token: string }).token);
    if (s.expiresAt && s.expiresAt < Date.now()) {
      sessionStorage.removeItem(SESSION_KEY);
      return undefined;
    }
    session = s;
    return s;
  } catch {
    return undefined;
  }
}

export function setSession(s: Session | undefined, reason?: 'expired'): void {
  session = s;
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: s.token }));
  else sessionStorage.removeItem(SESSION_KEY);
  for (const l of listeners) l(reason);
}

export function onSessionChange(l: (reason?: 'expired') => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function parseProblem(res: Response): Promise<Problem> {
  try {
    const parsed = problemSchema.safeParse(await res.json());
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through
  }
  return { title: res.statusText || `HTTP ${res.status}`, status: res.status };
}

export async function request<S extends z.ZodType>(
  schema: S,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<z.infer<S>> {
  const s = currentSession();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(s ? { authorization: `Bearer ${s.token}` } : {}),
        ...extraHeaders,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: (err as Error).message });
  }
  if (!res.ok) {
    const problem = await parseProblem(res);
    // An expired or revoked token: back to the sign-in page rather than a wall of 401s.
    if (res.status === 401 && s) setSession(undefined, 'expired');
    throw new ApiError(res.status, problem);
  }
  const json: unknown = await res.json();
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError(res.status, {
      title: 'Unexpected response',
      detail: `${method} ${path}`,
      errors: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

export const get = <S extends z.ZodType>(schema: S, path: string) => request(schema, 'GET', path);
export const post = <S extends z.ZodType>(schema: S, path: string, body: unknown) =>
  request(schema, 'POST', path, body);

/**
 * Download an export (`/v1/exports/...`) with the bearer token: fetched as a blob and saved under
 * the name the server gives in Content-Disposition (the browser cannot send the header on a link).
 */
export async function download(path: string): Promise<void> {
  const s = currentSession();
  let res: Response;
  try {
    res = await fetch(path, { headers: s ? { authorization: `Bearer ${s.token}` } : {} });
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: (err as Error).message });
  }
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  const disposition = res.headers.get('content-disposition') ?? '';
  const utf8 = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
  const plain = /filename="([^"]+)"/.exec(disposition)?.[1];
  const name = utf8 ? decodeURIComponent(utf8) : (plain ?? 'export');
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
