/**
 * The headers every HTML page carries: a Content-Security-Policy without inline script (inline
 * code only by its hash), no framing by any other page (`frame-ancestors 'none'`: no
 * clickjacking of the board or a phone page), no Referer carrying a path to another site, and no
 * MIME sniffing. The embedded runtime sends them itself; on AWS the console's come from the
 * CloudFront response headers policy built from the same directives (infra/stacks/edge-stack.ts).
 */
import { createHash } from 'node:crypto';

export type CspDirectives = Record<string, readonly string[]>;

/** `'sha256-…'` of an inline `<script>` or `<style>` body, for its CSP source list. */
export function cspHash(inline: string): string {
  return `'sha256-${createHash('sha256').update(inline, 'utf8').digest('base64')}'`;
}

export function cspString(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ');
}

/** What every policy ends with: no plugins, no <base> games, forms and frames kept home. */
const lockdown: CspDirectives = {
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The admin console: its own bundle only (no inline script), inline style attributes (charts
 * and the UI framework set element styles), images from itself or data: URLs, API calls to
 * itself plus `connect` (Cognito on AWS).
 */
export function consoleCsp(connect: readonly string[] = []): CspDirectives {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...connect],
    ...lockdown,
  };
}

/** A static page with one inline stylesheet and no script at all (the API reference). */
export function documentCsp(inlineStyle: string): CspDirectives {
  return {
    'default-src': ["'none'"],
    'style-src': [cspHash(inlineStyle)],
    'img-src': ["'self'", 'data:'],
    ...lockdown,
  };
}

/** Security headers of an HTML response with the given policy. */
export function htmlSecurityHeaders(
  directives: CspDirectives,
  referrerPolicy: 'no-referrer' | 'same-origin' = 'same-origin',
): Record<string, string> {
  return {
    'content-security-policy': cspString(directives),
    'referrer-policy': referrerPolicy,
    'x-content-type-options': 'nosniff',
    // For browsers that predate frame-ancestors.
    'x-frame-options': 'DENY',
  };
}
