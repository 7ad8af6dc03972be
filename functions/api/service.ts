/** Public service routes: health, the OpenAPI document and a readable reference page. */
import { calendarWarnings } from '../../shared/use-cases/calendar-service';
import type { Deps } from '../lib/deps';
import { httpHandler, json, parseQuery } from '../lib/http';
import { documentCsp, htmlSecurityHeaders } from '../lib/security-headers';
import { DOCS_CSS, renderDocsPage } from './docs-page';
import { buildOpenApi } from './openapi';
import { noQuery } from './schemas';

/**
 * Health and documents. The embedded runtime makes it with its deps; on AWS the service function
 * is deployed without data access (static documents only) and made with none.
 */
export function makeService(deps: Deps | undefined) {
  let cachedDoc: Record<string, unknown> | undefined;
  const openApi = () => {
    cachedDoc ??= buildOpenApi({ local: deps?.local ?? false });
    return cachedDoc;
  };
  return httpHandler(deps, {
    'GET /healthz': async (req) => {
      parseQuery(req, noQuery);
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
        headers: {
          'content-type': 'text/html; charset=utf-8',
          ...htmlSecurityHeaders(documentCsp(DOCS_CSS)),
        },
        text: renderDocsPage(openApi()),
      };
    },
  });
}
