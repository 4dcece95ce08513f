/** @module Server-rendered pages. */
export { page, STYLESHEET, SCRIPT } from './layout.ts';
export type { PageFrame } from './layout.ts';
export { homeBody, listBody, notFoundBody, docsCveBody } from './pages.ts';
export type { ListView } from './pages.ts';
export { recordBody } from './record-page.ts';
export type { RecordView } from './record-page.ts';
export { historyBody } from './history-page.ts';
export type { HistoryView } from './history-page.ts';
export { searchBody, FACET_LABELS, QUERY_SYNTAX_HELP } from './search-page.ts';
export type { SearchView, QueryProblem } from './search-page.ts';
export { apiDocsBody } from './api-docs-page.ts';
export type { OpenApiDocument } from './api-docs-page.ts';
export { barChart, columnChart } from './charts.ts';
export type { ChartDatum, ChartSpec } from './charts.ts';
export { html, raw, escapeHtml, safeHref, link, SafeHtml } from './html.ts';
export { provenanceSection } from './provenance.ts';
