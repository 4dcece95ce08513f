/**
 * @module The page frame: `lang`, landmarks, a skip link, the CVE name search box on every
 * page (X1520-B.4.1), and the content date with its source in the footer (X1520-9.1,
 * "out of date" past three months, 9.2). One stylesheet and one small deferred script,
 * both served from this origin (the CSP allows nothing else).
 */
import { html, type SafeHtml } from './html.ts';

export interface PageFrame {
  readonly title: string;
  /** "CVE content as of …" line (X1520-9.1, 9.2). */
  readonly contentLine: string;
  readonly outOfDate: boolean;
  readonly query?: string;
  readonly alternates?: readonly { readonly type: string; readonly href: string }[];
}

/** The stylesheet, served at /assets/app.css so the CSP needs no inline styles. */
export const STYLESHEET = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--soft:#f6f8fa;--muted:#57606a;--line:#d0d7de;--accent:#0b5cad;--bad:#b42318;--warn:#8a5a00;--ok:#1a7f37;
--crit:#8e1b1b;--high:#c2410c;--med:#a16207;--low:#3f6212;--none:#57606a}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--soft:#161b22;--muted:#9da7b3;--line:#30363d;--accent:#58a6ff;--bad:#ff7b72;--warn:#d29922;--ok:#3fb950;
--crit:#ff8080;--high:#fb923c;--med:#facc15;--low:#a3e635;--none:#9da7b3}}
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header.site,main,footer.site{max-width:76rem;margin:0 auto;padding:.75rem 1rem}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;border-bottom:1px solid var(--line)}
header.site a.brand{font-weight:700;font-size:1.15rem;text-decoration:none;color:var(--fg)}
form.search{display:flex;gap:.5rem;flex:1 1 18rem;min-width:0}
input,select{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.45rem .6rem;min-height:2.5rem;max-width:100%}
form.search input{flex:1;min-width:0}
button{min-height:2.5rem;padding:.45rem .9rem;font:inherit;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
nav.site ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
a{color:var(--accent)}h1{font-size:1.7rem;line-height:1.25;margin:.75rem 0}h2{font-size:1.3rem;margin:1.5rem 0 .5rem}h3{font-size:1.05rem;margin:1rem 0 .35rem}
h1 .subtitle{display:block;font-size:1.1rem;font-weight:500;margin-top:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}table.compact td,table.compact th{padding:.2rem .4rem}
.muted{color:var(--muted)}.badge,.tag,.sev{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.85rem;border:1px solid currentColor;margin:.1rem .25rem .1rem 0;text-decoration:none}
.tag{border-radius:4px;color:var(--muted)}.badges{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem}
.bad{color:var(--bad)}.warn{color:var(--warn)}.ok{color:var(--ok)}
.sev-critical{color:var(--crit);font-weight:700}.sev-high{color:var(--high);font-weight:600}.sev-medium{color:var(--med)}.sev-low{color:var(--low)}.sev-none{color:var(--none)}
.rejected{border:2px solid var(--bad);padding:.75rem 1rem;border-radius:8px;margin:1rem 0;background:var(--soft)}.rejected h2{margin-top:0;color:var(--bad)}
.use-instead{font-size:1.1rem}.notice{border-left:4px solid var(--accent);background:var(--soft);padding:.5rem .75rem}
.problem{border-left:4px solid var(--bad);background:var(--soft);padding:.25rem .75rem;margin:1rem 0}.problem h2{margin-top:.5rem;font-size:1.1rem}
.query-mark{overflow-x:auto}mark{background:var(--bad);color:#fff}
code,.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em;overflow-wrap:anywhere}
.vector{margin:.2rem 0}.metric{border:1px solid var(--line);border-radius:8px;padding:.25rem .75rem;margin:.5rem 0}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dl.kv dt{font-weight:600}dl.kv dd{margin:0}
ul.plain{list-style:none;margin:0;padding:0}ul.inline{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.status-affected{color:var(--bad);font-weight:600}.status-unaffected{color:var(--ok);font-weight:600}.status-unknown{color:var(--muted)}
ol.timeline{padding-left:1.25rem}ol.timeline time{font-family:ui-monospace,monospace;font-size:.9em;margin-right:.5rem}
.refs li{margin:.2rem 0}.refs .url{display:block;font-size:.85em}.adp{border-top:1px solid var(--line);margin-top:1.5rem}
footer.site{border-top:1px solid var(--line);font-size:.9rem;margin-top:2rem}
.table-wrap{overflow-x:auto}.unsafe-url{overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:.9em}.unsafe-url::after{content:" (not a web link)";color:var(--muted);font-family:system-ui,sans-serif}
p,li,dd{overflow-wrap:break-word}td{overflow-wrap:anywhere}
.skip{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}.skip:focus{left:1rem;top:1rem;width:auto;height:auto;background:var(--bg);padding:.5rem;z-index:9}
label.skip{position:absolute}
.search-big label{display:block;font-weight:600;margin-bottom:.25rem}.search-big .row{display:flex;gap:.5rem}.search-big .row input{flex:1;min-width:0}
.search-layout{display:grid;grid-template-columns:16rem 1fr;gap:1.5rem;align-items:start}
.facets h2{margin-top:.5rem}.facet ul{list-style:none;margin:0;padding:0}.facet li a{display:flex;gap:.35rem;padding:.2rem 0;text-decoration:none;min-height:1.9rem;align-items:center}
.facet li a:hover{text-decoration:underline}.facet .count{margin-left:auto;color:var(--muted);font-variant-numeric:tabular-nums}.facet a.active{font-weight:700}
.chips{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.35rem;align-items:center}.chip{display:inline-block;border:1px solid var(--accent);border-radius:999px;padding:.1rem .6rem;text-decoration:none}
ol.hits{list-style:none;padding:0;margin:0}.hit{border-bottom:1px solid var(--line);padding:.5rem 0}.hit h3{margin:.2rem 0}.hit p{margin:.2rem 0}
.pager{display:flex;gap:1rem;justify-content:space-between;margin:1rem 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:1rem 2rem}
figure.chart{margin:0}figure.chart figcaption{font-weight:600;margin:.5rem 0}figure.chart svg{width:100%;height:auto;display:block}
svg .bar{fill:var(--accent)}svg .bar.sev-critical{fill:var(--crit)}svg .bar.sev-high{fill:var(--high)}svg .bar.sev-medium{fill:var(--med)}svg .bar.sev-low{fill:var(--low)}svg .bar.sev-none{fill:var(--none)}svg .bar.bad{fill:var(--bad)}
svg text{fill:currentColor;font-size:12px}svg .value{fill:var(--muted)}svg .axis{stroke:var(--line)}
.hero{background:var(--soft);border-radius:12px;padding:1rem 1.25rem;margin:1rem 0}.hero form{display:flex;gap:.5rem;flex-wrap:wrap}.hero input{flex:1 1 14rem}
.inline-form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}
.diff tr.added td:nth-child(2){color:var(--ok)}.diff tr.removed td:nth-child(2){color:var(--bad)}
.op{border:1px solid var(--line);border-radius:8px;padding:.25rem .75rem;margin:.75rem 0}.op h3 .method{font-family:ui-monospace,monospace;border-radius:4px;padding:0 .35rem;border:1px solid currentColor;margin-right:.35rem}
@media (max-width:48rem){.search-layout{grid-template-columns:1fr}.facets{order:2}h1{font-size:1.4rem}header.site{gap:.5rem}nav.site{width:100%}
th,td{padding:.3rem .35rem}.search-big .row{flex-wrap:wrap}}
`;

/** Progressive enhancement only: pages work the same without it. */
export const SCRIPT = `'use strict';
document.addEventListener('change', function (e) {
  var t = e.target;
  if (t && t.matches && t.matches('select[data-autosubmit]') && t.form) t.form.submit();
});
document.addEventListener('keydown', function (e) {
  if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey) {
    var a = document.activeElement;
    if (a && (a.tagName === 'INPUT' || a.tagName === 'TEXTAREA' || a.tagName === 'SELECT')) return;
    var q = document.getElementById('q');
    if (q) { e.preventDefault(); q.focus(); q.select(); }
  }
});
`;

export function page(frame: PageFrame, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · cvekit</title>
${(frame.alternates ?? []).map((a) => html`<link rel="alternate" type="${a.type}" href="${a.href}">`)}
<link rel="alternate" type="application/atom+xml" title="New CVE records" href="/feeds/new.atom">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<a class="brand" href="/">cvekit</a>
<form class="search" role="search" action="/search" method="get">
<label for="q" class="skip">Search by CVE name or words</label>
<input id="q" name="q" type="search" value="${frame.query ?? ''}" placeholder="CVE-2024-1234, 2024-1234, CAN-1999-0067, words…" autocomplete="off" spellcheck="false">
<button type="submit">Find</button>
</form>
<nav class="site" aria-label="Site"><ul><li><a href="/search">Search</a></li><li><a href="/cve/rejected">Rejected names</a></li><li><a href="/api/docs">API</a></li><li><a href="/docs/cve">About CVE</a></li></ul></nav>
</header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="site">
<p class="${frame.outOfDate ? 'warn' : 'muted'}" data-content-date>${frame.contentLine}${frame.outOfDate ? html` <span class="badge warn">out of date</span>` : ''} · <a href="/docs/cve#date">about this date</a></p>
<p class="muted">CVE® is a registered trademark of The MITRE Corporation. CVE records © MITRE, under the CVE Program Terms of Use. Feeds: <a href="/feeds/new.atom">new</a>, <a href="/feeds/updated.atom">updated</a>, <a href="/feeds/rejected.atom">rejected</a>.</p>
</footer>
</body>
</html>`.value;
}
