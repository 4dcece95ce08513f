/**
 * @module The page frame: landmarks, the CVE name search box on every page (X1520-B.4.1),
 * and the content date in the footer (X1520-9.1).
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
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--accent:#0b5cad;--bad:#b42318;--warn:#9a6700}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--line:#30363d;--accent:#58a6ff;--bad:#ff7b72;--warn:#d29922}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:72rem;margin:0 auto;padding:.75rem 1rem}header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid var(--line)}
header a.brand{font-weight:700;text-decoration:none;color:var(--fg)}form.search{display:flex;gap:.5rem;flex:1;min-width:16rem}
form.search input{flex:1;padding:.45rem .6rem;font:inherit;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{padding:.45rem .9rem;font:inherit;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
a{color:var(--accent)}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.muted{color:var(--muted)}.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.85rem;border:1px solid currentColor}
.bad{color:var(--bad)}.warn{color:var(--warn)}.rejected{border:2px solid var(--bad);padding:.75rem 1rem;border-radius:8px;margin:1rem 0}
code,.mono{font-family:ui-monospace,monospace;font-size:.92em;overflow-wrap:anywhere}footer{border-top:1px solid var(--line);font-size:.9rem}
.table-wrap{overflow-x:auto}.unsafe-url{overflow-wrap:anywhere}p,td,li{overflow-wrap:anywhere}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
`;

export function page(frame: PageFrame, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · cvekit</title>
${(frame.alternates ?? []).map((a) => html`<link rel="alternate" type="${a.type}" href="${a.href}">`)}
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header role="banner">
<a class="brand" href="/">cvekit</a>
<form class="search" role="search" action="/search" method="get">
<label for="q" class="skip">CVE name or words</label>
<input id="q" name="q" type="search" value="${frame.query ?? ''}" placeholder="CVE-2024-1234, 2024-1234, CAN-1999-0067…" autocomplete="off">
<button type="submit">Find</button>
</form>
<nav aria-label="Site"><a href="/docs/cve">About CVE</a></nav>
</header>
<main id="main" role="main">
${body}
</main>
<footer role="contentinfo">
<p class="${frame.outOfDate ? 'warn' : 'muted'}" data-content-date>${frame.contentLine}${frame.outOfDate ? html` <span class="badge warn">out of date</span>` : ''}</p>
<p class="muted">CVE® is a registered trademark of The MITRE Corporation. CVE records © MITRE, under the CVE Program Terms of Use.</p>
</footer>
</body>
</html>`.value;
}
