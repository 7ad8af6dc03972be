/**
 * A readable API reference rendered from the OpenAPI document: one self-contained HTML page (no
 * CDN, no script), grouped by tag, with a table of contents, who may call each operation, its
 * parameters, request body, responses, and every schema as a table of its fields.
 */
import { escapeMarkup } from '../lib/markup';

type Json = Record<string, unknown>;

/** The page's only style; the CSP allows exactly this stylesheet by its hash (no script at all). */
export const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#1f2328}
code,pre{font:13px ui-monospace,monospace}pre{background:#f6f8fa;padding:.75rem;overflow:auto}
h2{border-bottom:2px solid #1f2328;margin-top:2.5rem}section{border-top:1px solid #d0d7de;padding:.5rem 0}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.m,.mm{display:inline-block;min-width:3.5rem;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px;background:#57606a}
.mm{min-width:2.8rem;font-size:11px}.get{background:#1f6feb}.post{background:#1a7f37}.put{background:#9a6700}
.req{color:#cf222e;font-size:12px}.pub,small{color:#656d76}.summary{font-weight:600}.note{color:#656d76;font-size:13px}
nav ul{list-style:none;padding-left:1rem}nav>ul{padding-left:0}`;

const esc = escapeMarkup;

/** The few Markdown marks the document uses: `code` and **bold**, inline. */
const mdInline = (text: string) =>
  esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

/** Paragraphs of inline Markdown. */
function md(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) => `<p>${mdInline(para)}</p>`)
    .join('');
}

const refName = (ref: string) => ref.replace('#/components/schemas/', '');
const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** A JSON Schema in a few words, linking named schemas. */
function typeOf(s: Json | undefined): string {
  if (!s) return 'any';
  if (typeof s.$ref === 'string') {
    const name = refName(s.$ref);
    return `<a href="#${anchor('schema', name)}">${esc(name)}</a>`;
  }
  if (Array.isArray(s.enum)) return s.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  if ('const' in s) return `<code>${esc(JSON.stringify(s.const))}</code>`;
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[k];
    if (Array.isArray(list)) return list.map((x) => typeOf(x as Json)).join(k === 'allOf' ? ' & ' : ' | ');
  }
  const t = Array.isArray(s.type) ? (s.type as string[]).join(' | ') : (s.type as string | undefined);
  if (t === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) {
    return `array of ${typeOf(s.items as Json | undefined)}`;
  }
  if (
    t === 'object' &&
    s.additionalProperties &&
    typeof s.additionalProperties === 'object' &&
    !s.properties
  ) {
    const values = s.additionalProperties as Json;
    return Object.keys(values).length ? `map of ${typeOf(values)}` : 'object';
  }
  const format = typeof s.format === 'string' ? ` (${esc(s.format)})` : '';
  return `${esc(t ?? 'any')}${format}`;
}

function constraints(s: Json): string {
  const out: string[] = [];
  for (const [k, label] of [
    ['minimum', '≥'],
    ['maximum', '≤'],
    ['exclusiveMinimum', '>'],
    ['exclusiveMaximum', '<'],
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
    ['maxItems', 'max items'],
  ] as const) {
    if (typeof s[k] === 'number') out.push(`${label} ${s[k]}`);
  }
  if (s.default !== undefined) out.push(`default ${esc(JSON.stringify(s.default))}`);
  if (typeof s.pattern === 'string') out.push(`pattern <code>${esc(s.pattern)}</code>`);
  return out.join(', ');
}

/** Rows for an object's fields; nested objects (and arrays of them) flatten to dotted names. */
function fieldRows(s: Json, prefix: string, depth: number): string {
  const props = s.properties as Record<string, Json> | undefined;
  if (!props) return '';
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props)
    .map(([name, p]) => {
      const row = `<tr><td><code>${esc(prefix + name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(p)}</td><td>${[
        typeof p.description === 'string' ? mdInline(p.description) : '',
        constraints(p),
      ]
        .filter(Boolean)
        .join('; ')}</td></tr>`;
      if (depth >= 3) return row;
      const items = p.items as Json | undefined;
      const nested = p.properties ? p : items?.properties ? items : undefined;
      const mark = p.properties ? '.' : '[].';
      return row + (nested ? fieldRows(nested, `${prefix}${name}${mark}`, depth + 1) : '');
    })
    .join('');
}

function fieldsTable(s: Json): string {
  const rows = fieldRows(s, '', 0);
  if (!rows) return '';
  return `<table><thead><tr><th>field</th><th>type</th><th>notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function schemaSection(name: string, s: Json): string {
  const fields = fieldsTable(s);
  const closed = s.additionalProperties === false ? '<p class="note">Unknown fields are rejected.</p>' : '';
  const examples = Array.isArray(s.examples)
    ? `<details><summary>Example</summary><pre>${esc(JSON.stringify(s.examples[0], null, 2))}</pre></details>`
    : '';
  return `<section class="schema" id="${anchor('schema', name)}"><h3>${esc(name)}</h3>${
    typeof s.description === 'string' ? md(s.description) : ''
  }${fields || `<p>${typeOf(s)}</p>`}${closed}${examples}</section>`;
}

interface Param {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
}
interface Op {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema?: Json; example?: unknown }> };
  responses?: Record<string, Json>;
  security?: unknown[];
}

function resolveResponse(doc: Json, r: Json): Json {
  if (typeof r.$ref === 'string') {
    const name = r.$ref.replace('#/components/responses/', '');
    return ((doc.components as Json).responses as Record<string, Json>)[name] ?? r;
  }
  return r;
}

function operationSection(doc: Json, method: string, path: string, op: Op): string {
  const id = anchor('op', `${method}-${path}`);
  const params = op.parameters ?? [];
  const paramTable = params.length
    ? `<table><thead><tr><th>parameter</th><th>in</th><th>type</th><th>notes</th></tr></thead><tbody>${params
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(p.in)}</td><td>${typeOf(p.schema)}</td><td>${[
              p.description ? mdInline(p.description.replace(/\.$/, '')) : '',
              p.schema ? constraints(p.schema) : '',
            ]
              .filter(Boolean)
              .join('; ')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(
      ([type, c]) =>
        `<p><strong>Body</strong> (<code>${esc(type)}</code>): ${typeOf(c.schema)}</p>${
          c.example === undefined
            ? ''
            : `<details><summary>Example</summary><pre>${esc(JSON.stringify(c.example, null, 2))}</pre></details>`
        }`,
    )
    .join('');
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const res = resolveResponse(doc, r);
      const content = Object.entries((res.content as Record<string, { schema?: Json }>) ?? {})
        .map(([type, c]) => `${typeOf(c.schema)} <small>${esc(type)}</small>`)
        .join(', ');
      return `<tr><td><code>${esc(status)}</code></td><td>${mdInline(String(res.description ?? ''))}</td><td>${content}</td></tr>`;
    })
    .join('');
  return `<section class="op" id="${id}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>${
    op.security && op.security.length === 0 ? ' <small class="pub">public</small>' : ''
  }</h3><p class="summary">${esc(op.summary ?? '')}</p>${md(op.description ?? '')}${paramTable}${body}<table><thead><tr><th>status</th><th>meaning</th><th>body</th></tr></thead><tbody>${responses}</tbody></table></section>`;
}

export function renderDocsPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; description: string; version: string; summary?: string };
  const paths = doc.paths as Record<string, Record<string, Op>>;
  const tags = (doc.tags as { name: string; description?: string }[] | undefined) ?? [];
  const ops = Object.entries(paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ path, method, op, tag: op.tags?.[0] ?? 'Other' })),
  );
  const tagNames = [...new Set([...tags.map((t) => t.name), ...ops.map((o) => o.tag)])].filter((t) =>
    ops.some((o) => o.tag === t),
  );
  const toc = tagNames
    .map(
      (t) =>
        `<li><a href="#${anchor('tag', t)}">${esc(t)}</a><ul>${ops
          .filter((o) => o.tag === t)
          .map(
            (o) =>
              `<li><a href="#${anchor('op', `${o.method}-${o.path}`)}"><span class="mm ${esc(o.method)}">${esc(o.method.toUpperCase())}</span> ${esc(o.path)}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
  const sections = tagNames
    .map((t) => {
      const tag = tags.find((x) => x.name === t);
      return `<h2 id="${anchor('tag', t)}">${esc(t)}</h2>${tag?.description ? md(tag.description) : ''}${ops
        .filter((o) => o.tag === t)
        .map((o) => operationSection(doc, o.method, o.path, o.op))
        .join('\n')}`;
    })
    .join('\n');
  const schemas = Object.entries(((doc.components as Json).schemas as Record<string, Json>) ?? {})
    .map(([name, s]) => schemaSection(name, s))
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} — API reference</title>
<style>${DOCS_CSS}</style></head>
<body><h1>${esc(info.title)} <small>v${esc(info.version)}</small></h1>${info.summary ? `<p><strong>${esc(info.summary)}</strong></p>` : ''}${md(info.description)}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<nav><h2>Contents</h2><ul>${toc}<li><a href="#schemas">Schemas</a></li></ul></nav>
${sections}
<h2 id="schemas">Schemas</h2>
${schemas}
</body></html>`;
}
