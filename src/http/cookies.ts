/**
 * @module Session cookies of the server-rendered workbenches (`/cna`, `/team`): reading the
 * request's cookies and appending `Set-Cookie` headers with the same flags everywhere.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The request's cookies by name; a malformed value (bad percent-encoding) is no cookie. */
export function readCookies(req: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of String(req.headers.cookie ?? '').split(';')) {
    const part = raw.trim();
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      // A malformed cookie is no cookie.
    }
  }
  return out;
}

export interface CookieScope {
  /** The cookie's `Path`. */
  readonly path: string;
  readonly sameSite: 'Strict' | 'Lax';
}

/**
 * Adds one `Set-Cookie` (Fastify appends `set-cookie` values, so earlier ones stay): HttpOnly,
 * the scope's path and SameSite, `Secure` when the request came over https; `maxAge` 0 deletes it.
 */
export function setCookie(req: FastifyRequest, reply: FastifyReply, scope: CookieScope, name: string, value: string, maxAge: number): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${name}=${encodeURIComponent(value)}; Path=${scope.path}; HttpOnly; SameSite=${scope.sameSite}; Max-Age=${maxAge}${secure}`);
}
