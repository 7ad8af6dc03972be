/** Public service routes: health, the OpenAPI document and a readable reference page. */
import { getDeps } from '../lib/deps';
import { httpHandler, json } from '../lib/http';
import { renderDocsPage } from './docs-page';
import { buildOpenApi } from './openapi';

let cachedDoc: Record<string, unknown> | undefined;
const openApi = () => {
  cachedDoc ??= buildOpenApi();
  return cachedDoc;
};

export const handler = httpHandler({
  'GET /healthz': async () => {
    const version = await getDeps().configStore.latestVersion();
    return json(200, { status: 'ok', configVersion: version });
  },
  'GET /openapi.json': async () => json(200, openApi()),
  'GET /docs': async () => ({
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    text: renderDocsPage(openApi()),
  }),
});
