/** Public service routes: health, the OpenAPI document and a readable reference page. */
import { calendarWarnings } from '../../shared/use-cases/calendar-service';
import { type Deps, getDeps } from '../lib/deps';
import { httpHandler, json, parseQuery } from '../lib/http';
import { documentCsp, htmlSecurityHeaders } from '../lib/security-headers';
import { DOCS_CSS, renderDocsPage } from './docs-page';
import { buildOpenApi } from './openapi';
import { noQuery } from './schemas';

/**
 * The deps when this function has them: the embedded runtime provides them; on AWS the service
 * function is deployed without data access (static documents only), so there are none.
 */
function availableDeps(): Deps | undefined {
  try {
    return getDeps();
  } catch {
    return undefined;
  }
}

let cachedDoc: Record<string, unknown> | undefined;
const openApi = () => {
  cachedDoc ??= buildOpenApi({ local: availableDeps()?.local ?? false });
  return cachedDoc;
};

export const handler = httpHandler({
  'GET /healthz': async (req) => {
    parseQuery(req, noQuery);
    const deps = availableDeps();
    const version = deps ? await deps.configStore.latestVersion() : undefined;
    // Next year's calendar missing from 1 November: say so where operators already look.
    const warnings = deps && version ? await calendarWarnings(deps) : [];
    return json(
      200,
      {
        status: 'ok',
        ...(version ? { configVersion: version } : {}),
        ...(warnings.length ? { warnings } : {}),
      },
      { 'cache-control': 'no-store' },
    );
  },
  'GET /openapi.json': async (req) => {
    parseQuery(req, noQuery);
    return json(200, openApi());
  },
  'GET /docs': async (req) => {
    parseQuery(req, noQuery);
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', ...htmlSecurityHeaders(documentCsp(DOCS_CSS)) },
      text: renderDocsPage(openApi()),
    };
  },
});
