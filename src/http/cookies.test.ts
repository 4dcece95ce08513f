import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { readCookies, setCookie } from './cookies.ts';

describe('workbench cookies', () => {
  test('reads cookies; a malformed value is skipped, the others kept', async () => {
    const app = Fastify();
    app.get('/', async (req) => Object.fromEntries(readCookies(req)));
    const r = await app.inject({ url: '/', headers: { cookie: 'a=1; bad=%E0%A4%A; b=x%20y; =noname; flag' } });
    assert.deepEqual(r.json(), { a: '1', b: 'x y' });
    await app.close();
  });

  test('Set-Cookie keeps earlier cookies and carries the scope, HttpOnly and Secure over https only', async () => {
    const app = Fastify({ trustProxy: true });
    app.get('/', async (req, reply) => {
      setCookie(req, reply, { path: '/team', sameSite: 'Strict' }, 's', 'v;1', 60);
      setCookie(req, reply, { path: '/team', sameSite: 'Strict' }, 'pre', '', 0);
      return 'ok';
    });
    const plain = await app.inject({ url: '/' });
    assert.deepEqual(plain.headers['set-cookie'], [
      's=v%3B1; Path=/team; HttpOnly; SameSite=Strict; Max-Age=60',
      'pre=; Path=/team; HttpOnly; SameSite=Strict; Max-Age=0',
    ]);
    const tls = await app.inject({ url: '/', headers: { 'x-forwarded-proto': 'https' } });
    assert.match(String((tls.headers['set-cookie'] as string[])[0]), /; Secure$/);
    await app.close();
  });
});
