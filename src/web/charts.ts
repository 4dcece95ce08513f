/**
 * @module Server-rendered SVG charts for the home page: no script, no external files.
 * Each chart is an `<svg role="img">` with a title and a text description, followed by
 * the same numbers as a table for screen readers and for reading without graphics.
 */
import { html, type SafeHtml } from './html.ts';

export interface ChartDatum {
  readonly label: string;
  readonly value: number;
  /** Where the bar's row in the table links to (a filtered search). */
  readonly href?: string;
  /** Extra CSS class for the bar (e.g. a severity colour). */
  readonly tone?: string;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** One sentence saying what the chart shows, read by screen readers. */
  readonly summary: string;
  readonly data: readonly ChartDatum[];
  readonly unit?: string;
}

const fmt = (n: number) => n.toLocaleString('en');

function dataTable(spec: ChartSpec): SafeHtml {
  return html`<details class="chart-data"><summary>Table: ${spec.title}</summary><div class="table-wrap"><table class="compact"><caption class="skip">${spec.title}</caption><thead><tr><th scope="col">${spec.unit ?? 'Value'}</th><th scope="col">Records</th></tr></thead><tbody>${spec.data.map((d) => html`<tr><th scope="row">${d.href ? html`<a href="${d.href}">${d.label}</a>` : d.label}</th><td>${fmt(d.value)}</td></tr>`)}</tbody></table></div></details>`;
}

function empty(spec: ChartSpec): SafeHtml {
  return html`<figure class="chart" id="${spec.id}"><figcaption>${spec.title}</figcaption><p class="muted">No data yet.</p></figure>`;
}

/** Horizontal bars, one per category, labels on the left (top CWEs, vendors, states, severities). */
export function barChart(spec: ChartSpec): SafeHtml {
  if (!spec.data.length) return empty(spec);
  const rowH = 22;
  const labelW = 200;
  const width = 560;
  const barW = width - labelW - 70;
  const max = Math.max(1, ...spec.data.map((d) => d.value));
  const height = spec.data.length * rowH + 8;
  const cut = (s: string) => (s.length > 28 ? `${s.slice(0, 27)}…` : s);
  return html`<figure class="chart" id="${spec.id}">
<figcaption id="${spec.id}-t">${spec.title}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${spec.id}-t ${spec.id}-d" preserveAspectRatio="xMinYMin meet">
<desc id="${spec.id}-d">${spec.summary}</desc>
${spec.data.map((d, i) => {
  const y = 4 + i * rowH;
  const w = Math.max(d.value > 0 ? 1 : 0, Math.round((d.value / max) * barW));
  return html`<g><text class="label" x="${labelW - 6}" y="${y + 15}" text-anchor="end">${cut(d.label)}</text><rect class="bar ${d.tone ?? ''}" x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 7}" rx="2"><title>${d.label}: ${fmt(d.value)}</title></rect><text class="value" x="${labelW + w + 5}" y="${y + 15}">${fmt(d.value)}</text></g>`;
})}
</svg>
${dataTable(spec)}
</figure>`;
}

/** Vertical columns over an ordered axis (records per year, KEV additions per month). */
export function columnChart(spec: ChartSpec): SafeHtml {
  if (!spec.data.length) return empty(spec);
  const width = 520;
  const height = 200;
  const left = 44;
  const bottom = 22;
  const plotW = width - left - 6;
  const plotH = height - bottom - 10;
  const max = Math.max(1, ...spec.data.map((d) => d.value));
  const step = plotW / spec.data.length;
  const colW = Math.max(1, step * 0.8);
  // Label about eight columns so labels never overlap.
  const every = Math.max(1, Math.ceil(spec.data.length / 8));
  return html`<figure class="chart" id="${spec.id}">
<figcaption id="${spec.id}-t">${spec.title}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${spec.id}-t ${spec.id}-d" preserveAspectRatio="xMinYMin meet">
<desc id="${spec.id}-d">${spec.summary}</desc>
<line class="axis" x1="${left}" y1="${10 + plotH}" x2="${width - 4}" y2="${10 + plotH}"/>
<text class="value" x="${left - 4}" y="16" text-anchor="end">${fmt(max)}</text>
<text class="value" x="${left - 4}" y="${10 + plotH}" text-anchor="end">0</text>
${spec.data.map((d, i) => {
  const h = Math.max(d.value > 0 ? 1 : 0, Math.round((d.value / max) * plotH));
  const x = left + i * step + (step - colW) / 2;
  return html`<rect class="bar ${d.tone ?? ''}" x="${x.toFixed(1)}" y="${10 + plotH - h}" width="${colW.toFixed(1)}" height="${h}"><title>${d.label}: ${fmt(d.value)}</title></rect>${i % every === 0 ? html`<text class="label" x="${(x + colW / 2).toFixed(1)}" y="${height - 6}" text-anchor="middle">${d.label}</text>` : ''}`;
})}
</svg>
${dataTable(spec)}
</figure>`;
}
