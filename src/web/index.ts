/** @module Server-rendered pages. */
export { page, STYLESHEET } from './layout.ts';
export type { PageFrame } from './layout.ts';
export { homeBody, recordBody, notFoundBody, docsCveBody } from './pages.ts';
export type { RecordView } from './pages.ts';
export { html, raw, escapeHtml, safeHref, link, SafeHtml } from './html.ts';
