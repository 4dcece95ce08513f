/**
 * @module Tests of the server-rendered workbenches: a browser without JavaScript over
 * `app.inject`, keeping cookies and posting urlencoded forms with the page's CSRF token.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';

/** A browser without JavaScript: cookies kept, forms posted urlencoded. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly app: FastifyInstance;
  constructor(app: FastifyInstance) {
    this.app = app;
  }
  async req(method: InjectOptions['method'], url: string, form?: Record<string, string>) {
    const r = await this.app.inject({
      method,
      url,
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    const set = r.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = String(c).split(';');
      const i = pair.indexOf('=');
      const v = decodeURIComponent(pair.slice(i + 1));
      if (v === '' || /Max-Age=0/.test(String(c))) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), v);
    }
    return r;
  }
  get = (url: string) => this.req('GET', url);
  /** POST a form with the CSRF token of the page at `from`. */
  async post(url: string, form: Record<string, string>, from = '/cna') {
    const token = csrfOf((await this.get(from)).body);
    return this.req('POST', url, { _csrf: token, ...form });
  }
  async signIn(org: string, username: string, key: string) {
    const token = csrfOf((await this.get('/cna/login')).body);
    return this.req('POST', '/cna/login', { _csrf: token, org, username, key, next: '/cna' });
  }
}

export const csrfOf = (body: string): string => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
