/**
 * @module The API reference page, rendered on the server from the OpenAPI document (no
 * script, no CDN): every operation with its parameters, body and answers.
 */
import { html, type SafeHtml } from './html.ts';

interface OpenApiParameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: Record<string, unknown>;
}

interface OpenApiOperation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: unknown }> };
  readonly responses?: Record<string, { readonly description?: string; readonly content?: Record<string, { readonly schema?: unknown }> }>;
}

export interface OpenApiDocument {
  readonly info?: { readonly title?: string; readonly version?: string; readonly description?: string };
  readonly paths?: Record<string, Record<string, OpenApiOperation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function typeOf(schema: Record<string, unknown> | undefined): string {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return schema.enum.join(' | ');
  if (schema.type === 'array') return `list of ${typeOf(schema.items as Record<string, unknown>)}`;
  const parts = [String(schema.type ?? '')];
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? ''}..${schema.maximum ?? ''}`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.filter(Boolean).join(', ');
}

function schemaDetails(label: string, schema: unknown): SafeHtml {
  if (schema === undefined) return html``;
  const text = JSON.stringify(schema, null, 2);
  return html`<details><summary>${label}</summary><pre><code>${text.length > 20_000 ? `${text.slice(0, 20_000)}…` : text}</code></pre></details>`;
}

function operation(path: string, method: string, op: OpenApiOperation, i: number): SafeHtml {
  const params = op.parameters ?? [];
  return html`<section class="op" aria-labelledby="op-${i}"><h3 id="op-${i}"><span class="method">${method.toUpperCase()}</span><code>${path}</code></h3>
${op.summary ? html`<p><strong>${op.summary}</strong></p>` : ''}${op.description ? html`<p>${op.description}</p>` : ''}
${params.length ? html`<div class="table-wrap"><table class="compact"><caption>Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>${params.map((p) => html`<tr><td><code>${p.name}</code>${p.required ? html` <span class="bad">required</span>` : ''}</td><td>${p.in}</td><td>${typeOf(p.schema)}</td><td>${p.description ?? (p.schema?.description as string | undefined) ?? ''}</td></tr>`)}</tbody></table></div>` : ''}
${op.requestBody?.content ? Object.entries(op.requestBody.content).map(([type, c]) => schemaDetails(`Request body (${type})`, c.schema)) : ''}
${op.responses ? html`<ul>${Object.entries(op.responses).map(([code, r]) => html`<li><strong>${code}</strong> ${r.description ?? ''}${r.content ? html` <span class="muted">(${Object.keys(r.content).join(', ')})</span>` : ''}${r.content ? Object.entries(r.content).slice(0, 1).map(([, c]) => schemaDetails('Schema', c.schema)) : ''}</li>`)}</ul>` : ''}
</section>`;
}

export function apiDocsBody(doc: OpenApiDocument): SafeHtml {
  const groups = new Map<string, { path: string; method: string; op: OpenApiOperation }[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ path, method, op });
    }
  }
  let i = 0;
  return html`<h1>${doc.info?.title ?? 'API'} <span class="muted">${doc.info?.version ?? ''}</span></h1>
${doc.info?.description ? html`<p>${doc.info.description}</p>` : ''}
<p>The machine-readable description is at <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3). Read endpoints allow any origin (CORS) and are rate limited per client address; a <code>429</code> answer says when to retry in <code>Retry-After</code>. Errors have one body: <code>{ "error": "CODE", "message": "…", "details": {…} }</code>.</p>
<nav aria-label="API sections"><ul class="inline">${[...groups.keys()].map((g) => html`<li><a href="#tag-${g}">${g}</a></li>`)}</ul></nav>
${[...groups.entries()].map(([tag, ops]) => html`<section aria-labelledby="tag-${tag}"><h2 id="tag-${tag}">${tag}</h2>${ops.map((o) => operation(o.path, o.method, o.op, i++))}</section>`)}`;
}
