/**
 * GeoReport v2's two formats: XML (the spec's first) and JSON, for answers and for errors
 * (`[{code, description}]` / `<errors><error>`). Kept apart from open311.ts so the embedded HTTP
 * server can answer its own refusals under `/open311/` (413, 429, 503) in the same shape.
 */
import { escapeMarkup } from '../lib/markup';

export type Open311Format = 'json' | 'xml';

export interface Open311Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

const XML_TYPE = 'text/xml; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** The format a path asks for by its extension (`.xml`, `.json`); anything else is JSON. */
export function formatOfPath(path: string): Open311Format {
  return /\.xml$/i.test(path) ? 'xml' : 'json';
}

/** Text as XML 1.0 character data: escaped, and without the controls XML cannot carry. */
function xmlText(value: unknown): string {
  return escapeMarkup(String(value).replace(/(?![\t\n\r])\p{Cc}/gu, ''));
}

/**
 * One element. Arrays repeat the child element named in `lists` (`keywords` aside, GeoReport
 * lists are wrapped: `<attributes><attribute>`, `<values><value>`, `<formats><format>`); null and
 * undefined are empty elements, as the spec's examples show them.
 */
function element(name: string, value: unknown, lists: Record<string, string>): string {
  if (value === null || value === undefined) return `<${name}></${name}>`;
  if (Array.isArray(value)) {
    const child = lists[name] ?? 'item';
    return `<${name}>${value.map((v) => element(child, v, lists)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => element(k, v, lists))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${xmlText(value)}</${name}>`;
}

/** Element names of list items inside the spec's documents. */
const listItems: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  errors: 'error',
};

export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value, listItems)}`;
}

/**
 * A GeoReport document in the asked format: JSON as is; XML under `root` (a list's root names
 * its items through `listItems`, e.g. `services` → `<service>`).
 */
export function open311Document(
  status: number,
  format: Open311Format,
  root: string,
  body: unknown,
  headers: Record<string, string> = {},
): Open311Reply {
  return format === 'xml'
    ? { status, headers: { 'content-type': XML_TYPE, ...headers }, text: toXml(root, body) }
    : { status, headers: { 'content-type': JSON_TYPE, ...headers }, text: JSON.stringify(body) };
}

/** The spec's error document: one `{code, description}` per problem, in the asked format. */
export function open311Errors(
  status: number,
  errors: { code: number; description: string }[],
  format: Open311Format,
  headers: Record<string, string> = {},
): Open311Reply {
  return open311Document(status, format, 'errors', errors, { 'cache-control': 'no-store', ...headers });
}
