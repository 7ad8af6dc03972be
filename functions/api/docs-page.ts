/** A readable API reference rendered from the OpenAPI document (no CDN, no script). */
const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

interface Op {
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses?: Record<string, unknown>;
  security?: unknown[];
}

export function renderDocsPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; description: string; version: string };
  const paths = doc.paths as Record<string, Record<string, Op>>;
  const sections = Object.entries(paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const params = (op.parameters ?? []).map((p) => `<code>${esc(p.name)}</code> (${p.in})`).join(', ');
        const body = op.requestBody?.content['application/json']?.schema;
        return `<section id="${esc(`${method}-${path}`)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code>${
          op.security && op.security.length === 0 ? ' <small>public</small>' : ''
        }</h3><p>${esc(op.summary ?? '')}</p>${params ? `<p>Parameters: ${params}</p>` : ''}${
          body
            ? `<details><summary>Request body schema</summary><pre>${esc(JSON.stringify(body, null, 2))}</pre></details>`
            : ''
        }<p>Responses: ${Object.keys(op.responses ?? {})
          .map((s) => `<code>${s}</code>`)
          .join(' ')}</p></section>`;
      }),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} — reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f8fa;padding:.75rem;overflow:auto}
section{border-top:1px solid #d0d7de;padding:.5rem 0}.m{display:inline-block;min-width:3.5rem;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}
.get{background:#1f6feb}.post{background:#1a7f37}.put{background:#9a6700}small{color:#656d76}</style></head>
<body><h1>${esc(info.title)} <small>v${esc(info.version)}</small></h1><p>${esc(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code>
with <code>errors[]</code> naming each invalid field. Authenticate with <code>Authorization: Bearer &lt;JWT&gt;</code>.</p>
${sections}</body></html>`;
}
