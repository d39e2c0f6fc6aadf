// Who may change state through the HTTP API (DESIGN.md contract 3). Reads are open; a write
// (POST /refresh, and any later one) must come from the operator's tools, never from a web
// page the operator happens to have open, and must carry the bearer token when one is set.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ipVersion, splitHostPort } from '../net';
import type { IncomingMessage } from 'node:http';

export interface Refusal {
  readonly status: 401 | 403 | 415;
  readonly error: string;
}

// Content types an HTML form (or a "simple" cross-origin fetch) can send without a CORS
// preflight (Fetch standard, CORS-safelisted request-header). We never answer a preflight, so
// any other request a browser makes cross-site is stopped by the browser itself.
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/** SHA-256 first: timingSafeEqual needs equal lengths, and the digest hides the token's. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function hostOnly(hostHeader: string): string {
  return splitHostPort(hostHeader)?.host ?? hostHeader;
}

/**
 * Undefined when the write may go ahead, else the refusal. Layers, each enough alone against
 * a cross-site form post to 127.0.0.1:8179 from a browser on the operator's machine:
 * - a browser marks its requests: `Origin` on every POST (also "null" from sandboxed or
 *   privacy-stripped pages) and `Sec-Fetch-Site`; our CLI and curl send neither, so any of
 *   them means a page is talking to us, and writes are refused;
 * - form content types are refused (a form cannot send anything else without a preflight);
 * - without a token, the Host must be an IP literal or localhost: a DNS-rebinding page sends
 *   its own host name there;
 * - with a token, `Authorization: Bearer TOKEN` (RFC 6750 2.1), compared in constant time;
 *   a page cannot set that header cross-site, and does not know the token.
 */
export function refuseWrite(req: IncomingMessage, token: string | undefined): Refusal | undefined {
  const h = req.headers;
  if (h.origin !== undefined || h['sec-fetch-site'] !== undefined || h['sec-fetch-mode'] !== undefined) {
    return {
      status: 403,
      error: 'writes are not accepted from web pages (Origin / Sec-Fetch-* present); use the vroute CLI or curl',
    };
  }
  const type = (h['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (FORM_TYPES.includes(type)) {
    return {
      status: 415,
      error: `content-type ${type} is not accepted for writes (parameters go in the query string)`,
    };
  }
  if (token === undefined) {
    const host = hostOnly(h.host ?? '');
    if (host !== 'localhost' && ipVersion(host) === 0) {
      return {
        status: 403,
        error: `Host ${JSON.stringify(h.host ?? '')} is not an IP address or localhost (DNS rebinding?)`,
      };
    }
    return undefined;
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h.authorization ?? '');
  if (!m || !sameSecret(m[1]!, token)) {
    const why = m
      ? 'wrong API token'
      : 'this request needs the API token (Authorization: Bearer TOKEN; vroute: --token or VROUTE_API_TOKEN)';
    return { status: 401, error: why };
  }
  return undefined;
}
