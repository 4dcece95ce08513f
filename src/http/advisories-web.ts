/**
 * @module Published vendor advisories (issue 6 §5): `/advisories` lists each advisory with
 * every CVE name it covers (X1520-B.3.2, X1520-6.10); `/advisories/{id}` is the HTML page,
 * `/advisories/{id}.json` the CSAF 2.0 document and `/advisories/{id}.txt` plain text.
 * Only advisories published at an embargo's end exist here; drafts stay with their case.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { advisoryToHtml, advisoryToText } from '../advisories/index.ts';
import type { CsafDocument } from '../advisories/index.ts';
import type { Store } from '../store/index.ts';
import { html, page, raw } from '../web/index.ts';
import type { SafeHtml } from '../web/index.ts';
import { contentFrame, statusSource } from './context.ts';
import { errorBody } from './errors.ts';
import type { RepositoryStatus } from '../ingest/index.ts';

export interface AdvisoriesWebOptions {
  readonly store: Store;
  /** The repository status for the pages' content date; default a cache over `store` (the app shares its own). */
  readonly status?: () => Promise<RepositoryStatus>;
}

const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";
const ID = /^[A-Za-z0-9._-]{1,120}$/;

export async function advisoriesWeb(app: FastifyInstance, opts: AdvisoriesWebOptions): Promise<void> {
  const d = opts.store.disclosure;

  const status = opts.status ?? statusSource(opts.store);
  const send = async (reply: FastifyReply, title: string, body: SafeHtml, code = 200, alternates: { type: string; href: string }[] = []) =>
    reply.code(code).type('text/html; charset=utf-8').header('content-security-policy', CSP)
      .send(page({ title, ...contentFrame(await status()), alternates }, body));

  app.get('/advisories', async (_req, reply) => {
    const list = await d.listPublicAdvisories();
    return send(reply, 'Security advisories', html`<h1>Security advisories</h1>
${list.length === 0 ? html`<p class="muted">No advisory is published yet.</p>` : html`<table>
<thead><tr><th scope="col">Advisory</th><th scope="col">Title</th><th scope="col">CVE names</th><th scope="col">Released</th><th scope="col">Version</th></tr></thead>
<tbody>${list.map((a) => html`<tr><td><a href="/advisories/${encodeURIComponent(a.id)}">${a.id}</a></td><td>${a.title}</td><td data-cve-names>${a.cveIds.map((c, i) => html`${i ? ', ' : ''}<a href="/cve/${c}">${c}</a>`)}</td><td>${a.initialRelease.slice(0, 10)}</td><td>${a.version}</td></tr>`)}</tbody>
</table>`}`);
  });

  app.get<{ Params: { id: string } }>('/advisories/:id', async (req, reply) => {
    const m = /^(.*?)(\.json|\.txt)?$/.exec(req.params.id)!;
    const id = m[1];
    const row = ID.test(id) ? await d.getPublicAdvisory(id) : undefined;
    if (!row) {
      if (m[2]) return reply.code(404).type('application/json; charset=utf-8').send(errorBody('ADVISORY_NOT_FOUND', 'no such advisory'));
      return send(reply, 'Not found', html`<h1>Not found</h1><p>There is no published advisory with this id.</p>`, 404);
    }
    if (m[2] === '.json') return reply.type('application/json; charset=utf-8').send(row.csaf);
    const doc = JSON.parse(row.csaf) as CsafDocument;
    if (m[2] === '.txt') return reply.type('text/plain; charset=utf-8').send(advisoryToText(doc));
    const base = `/advisories/${encodeURIComponent(id)}`;
    return send(reply, row.title, html`<p class="muted"><a href="/advisories">Advisories</a> · <a href="${base}.json">CSAF 2.0 JSON</a> · <a href="${base}.txt">Text</a></p>
${raw(advisoryToHtml(doc))}`, 200, [{ type: 'application/json', href: `${base}.json` }, { type: 'text/plain', href: `${base}.txt` }]);
  });
}
