/**
 * RFC 9457 problem details: the one shape every API error has, for the Lambda handlers
 * (functions/lib/http.ts), the link pages' upload endpoint and the embedded HTTP server's own
 * refusals (infra/local/http-server.ts).
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

export function problemDetails(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemDetails {
  return { type: 'about:blank', title, status, detail, ...extra };
}

/** The problem as a response body. */
export function problemJson(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify(problemDetails(status, title, detail, extra));
}
