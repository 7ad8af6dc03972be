/**
 * Every HTTP route of API v1 and which Lambda serves it (its entry file, functions/entries). The
 * single source for the HTTP API's routes in CDK, for the embedded runtime's HTTP server and for
 * the OpenAPI document.
 */
export const apiFunctions = {
  ticketIntake: 'functions/entries/ticket-intake.ts',
  ticketActions: 'functions/entries/ticket-actions.ts',
  queries: 'functions/entries/queries.ts',
  adminConfig: 'functions/entries/admin-config.ts',
  open311: 'functions/entries/open311.ts',
  service: 'functions/entries/service.ts',
  /** The phone pages behind the signed links in SMS and e-mail, and their actions. */
  links: 'functions/entries/links.ts',
  /** A signed-in lead unit's resolution photos (console). */
  ticketEvidence: 'functions/entries/ticket-evidence.ts',
  /**
   * Lists as Excel or CSV files, the workbooks from functions/lib/xlsx.ts (a few KB of our own,
   * where exceljs was 1 MB of this bundle): its own function, read-only on the table.
   */
  exports: 'functions/entries/exports.ts',
  /** The clock audit (admin): every open party whose clock is not running as its record says. */
  clockAudit: 'functions/entries/clock-audit.ts',
  /** Delivery receipts pushed by the mainland SMS gateways (the URL's key is the credential). */
  receipts: 'functions/entries/receipts.ts',
} as const;
export type ApiFunction = keyof typeof apiFunctions;

export interface RouteSpec {
  /** `ANY` only for a fallback route (every method of a path prefix). */
  method: 'GET' | 'POST' | 'PUT' | 'ANY';
  /** API Gateway route path syntax: `{param}`. */
  path: string;
  fn: ApiFunction;
  /** Public routes carry no authorizer (health, docs, Open311 which authenticates by api_key). */
  public?: boolean;
  /** Files a ticket: under the intake admission limit (429 beyond it), whatever the facade. */
  intake?: boolean;
  /**
   * Answers every other path under its prefix (Open311 errors in the spec's format for unknown
   * paths); matched after every other route, not part of the OpenAPI document.
   */
  fallback?: boolean;
}

const action = (name: string): RouteSpec => ({
  method: 'POST',
  path: `/v1/tickets/{id}/${name}`,
  fn: 'ticketActions',
});

export const routes: readonly RouteSpec[] = [
  { method: 'POST', path: '/v1/tickets', fn: 'ticketIntake', intake: true },
  { method: 'GET', path: '/v1/tickets', fn: 'queries' },
  // Before `{id}`: the embedded server takes the first match, API Gateway the most specific.
  { method: 'GET', path: '/v1/tickets/similar', fn: 'queries' },
  { method: 'GET', path: '/v1/tickets/{id}', fn: 'queries' },
  action('acknowledge'),
  action('arrive'),
  action('progress'),
  action('resolve'),
  action('return'),
  action('extension'),
  action('extension/decision'),
  action('urge'),
  action('feedback'),
  action('cancel'),
  action('ruling'),
  action('reassign'),
  // Whistles from a phone (issue 20): triage, joins and merges.
  action('triage'),
  action('join'),
  action('merge'),
  { method: 'GET', path: '/v1/triage', fn: 'queries' },
  { method: 'POST', path: '/v1/tickets/{id}/evidence', fn: 'ticketEvidence' },
  { method: 'GET', path: '/v1/units', fn: 'queries' },
  { method: 'GET', path: '/v1/communities', fn: 'queries' },
  { method: 'GET', path: '/v1/duty-items', fn: 'queries' },
  { method: 'GET', path: '/v1/sla-policies', fn: 'queries' },
  { method: 'GET', path: '/v1/calendar/{year}', fn: 'queries' },
  { method: 'GET', path: '/v1/config/versions', fn: 'queries' },
  { method: 'GET', path: '/v1/breaches', fn: 'queries' },
  { method: 'GET', path: '/v1/notifications', fn: 'queries' },
  { method: 'GET', path: '/v1/notifications/channels', fn: 'queries' },
  { method: 'PUT', path: '/v1/notification-settings', fn: 'adminConfig' },
  { method: 'POST', path: '/v1/receipts/{provider}/{key}', fn: 'receipts', public: true },
  { method: 'GET', path: '/v1/metrics/units', fn: 'queries' },
  { method: 'GET', path: '/v1/board', fn: 'queries' },
  { method: 'GET', path: '/v1/breaches/summary', fn: 'queries' },
  { method: 'GET', path: '/v1/inbox', fn: 'queries' },
  { method: 'GET', path: '/v1/metrics/streets', fn: 'queries' },
  { method: 'GET', path: '/v1/exports/breaches', fn: 'exports' },
  { method: 'GET', path: '/v1/exports/tickets', fn: 'exports' },
  { method: 'GET', path: '/v1/exports/rankings', fn: 'exports' },
  { method: 'GET', path: '/v1/admin/clock-audit', fn: 'clockAudit' },
  { method: 'PUT', path: '/v1/units/{id}', fn: 'adminConfig' },
  { method: 'PUT', path: '/v1/duty-items/{id}', fn: 'adminConfig' },
  { method: 'PUT', path: '/v1/sla-policies/{slaClass}', fn: 'adminConfig' },
  { method: 'PUT', path: '/v1/calendar/{year}', fn: 'adminConfig' },
  // Open311 GeoReport v2: every document in .json and .xml (API Gateway matches whole segments,
  // so the two formats of a fixed path are two routes; `{file}` is `<id>.json` or `<id>.xml`).
  { method: 'GET', path: '/open311/v2/discovery.json', fn: 'open311', public: true },
  { method: 'GET', path: '/open311/v2/discovery.xml', fn: 'open311', public: true },
  { method: 'GET', path: '/open311/v2/services.json', fn: 'open311', public: true },
  { method: 'GET', path: '/open311/v2/services.xml', fn: 'open311', public: true },
  { method: 'GET', path: '/open311/v2/services/{file}', fn: 'open311', public: true },
  { method: 'GET', path: '/open311/v2/requests.json', fn: 'open311', public: true },
  { method: 'GET', path: '/open311/v2/requests.xml', fn: 'open311', public: true },
  { method: 'POST', path: '/open311/v2/requests.json', fn: 'open311', public: true, intake: true },
  { method: 'POST', path: '/open311/v2/requests.xml', fn: 'open311', public: true, intake: true },
  { method: 'GET', path: '/open311/v2/requests/{file}', fn: 'open311', public: true },
  { method: 'ANY', path: '/open311/{proxy+}', fn: 'open311', public: true, fallback: true },
  { method: 'GET', path: '/healthz', fn: 'service', public: true },
  { method: 'GET', path: '/openapi.json', fn: 'service', public: true },
  { method: 'GET', path: '/docs', fn: 'service', public: true },
  // Signed links: public routes, authenticated by the link itself. Literal `evidence` routes come
  // before their `{…}` twins: the embedded server takes the first match, API Gateway the most specific.
  { method: 'GET', path: '/l/{code}', fn: 'links', public: true },
  /** The phone page to raise a whistle (functions/api/whistle-page.ts); it calls the API with a token. */
  { method: 'GET', path: '/w', fn: 'links', public: true },
  { method: 'POST', path: '/l/{code}/evidence', fn: 'links', public: true },
  { method: 'POST', path: '/l/{code}/{action}', fn: 'links', public: true },
  { method: 'GET', path: '/l/evidence/{photo}', fn: 'links', public: true },
  { method: 'GET', path: '/l/{code}/{action}', fn: 'links', public: true },
];
