/**
 * Escaping for HTML and XML text and attribute values: the one definition the link pages, the API
 * docs page and the Open311 XML documents use. `'` becomes `&#39;`, valid in both HTML and XML.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeMarkup(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
