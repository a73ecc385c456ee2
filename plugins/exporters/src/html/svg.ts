/**
 * Small inline-SVG chart builders for the HTML report: no script, no external resource. Every
 * text goes through {@link esc}.
 */
export function esc(text: unknown): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(digits + 1)).toString();
}

export const REF = '#6b8fb8';
export const CUR = '#e07b39';
export const FLAG = '#c0392b';

const W = 640;
const PAD = { l: 56, r: 16, t: 14, b: 34 };

function svg(height: number, label: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

function legend(items: Array<[string, string]>, y = 10): string {
  let x = PAD.l;
  return items.map(([color, text]) => {
    const s = `<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${color}"/><text x="${x + 14}" y="${y + 1}" class="lg">${esc(text)}</text>`;
    x += 24 + text.length * 7;
    return s;
  }).join('');
}

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Scale { (v: number): number; lo: number; hi: number }

function linear(lo: number, hi: number, a: number, b: number): Scale {
  const span = hi - lo || 1;
  const f = ((v: number) => a + ((v - lo) / span) * (b - a)) as Scale;
  f.lo = lo;
  f.hi = hi;
  return f;
}

function axes(x: Scale, y: Scale, height: number, xLabel: string, yLabel: string, xTickFmt: (v: number) => string = (v) => fmt(v, 2)): string {
  const parts: string[] = [];
  const y0 = height - PAD.b;
  parts.push(`<line x1="${PAD.l}" y1="${y0}" x2="${W - PAD.r}" y2="${y0}" class="ax"/>`);
  parts.push(`<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${y0}" class="ax"/>`);
  for (const t of ticks(x.lo, x.hi)) parts.push(`<text x="${x(t).toFixed(1)}" y="${y0 + 14}" class="tk" text-anchor="middle">${esc(xTickFmt(t))}</text>`);
  for (const t of ticks(y.lo, y.hi, 4)) {
    parts.push(`<line x1="${PAD.l}" y1="${y(t).toFixed(1)}" x2="${W - PAD.r}" y2="${y(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${PAD.l - 6}" y="${(y(t) + 4).toFixed(1)}" class="tk" text-anchor="end">${esc(fmt(t, 2))}</text>`);
  }
  parts.push(`<text x="${(PAD.l + W - PAD.r) / 2}" y="${height - 4}" class="al" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text x="12" y="${(PAD.t + y0) / 2}" class="al" text-anchor="middle" transform="rotate(-90 12 ${(PAD.t + y0) / 2})">${esc(yLabel)}</text>`);
  return parts.join('');
}

/** Grouped horizontal bars: one row per label, one bar per series. */
export function barChart(rows: Array<{ label: string; values: Array<number | null> }>, series: Array<{ name: string; color: string }>, options: { label: string; unit?: string; max?: number } ): string {
  const shown = rows.slice(0, 24);
  const barH = 9;
  const rowH = barH * series.length + 8;
  const labelW = 170;
  const height = 26 + shown.length * rowH + 22;
  const max = options.max ?? Math.max(1e-12, ...shown.flatMap((r) => r.values.map((v) => (v === null ? 0 : Math.abs(v)))));
  const x = linear(0, max, labelW, W - 60);
  const parts: string[] = [legend(series.map((s) => [s.color, s.name]))];
  shown.forEach((r, i) => {
    const y = 24 + i * rowH;
    const name = r.label.length > 26 ? `${r.label.slice(0, 25)}…` : r.label;
    parts.push(`<text x="${labelW - 6}" y="${y + rowH / 2}" class="tk" text-anchor="end"><title>${esc(r.label)}</title>${esc(name)}</text>`);
    r.values.forEach((v, k) => {
      const w = v === null ? 0 : Math.max(0.5, x(Math.abs(v)) - labelW);
      const by = y + k * barH;
      parts.push(`<rect x="${labelW}" y="${by}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${series[k]!.color}"><title>${esc(`${r.label} · ${series[k]!.name}: ${fmt(v)}${options.unit ?? ''}`)}</title></rect>`);
      parts.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${by + barH - 1}" class="vl">${esc(`${fmt(v)}${options.unit ?? ''}`)}</text>`);
    });
  });
  if (rows.length > shown.length) parts.push(`<text x="${labelW}" y="${height - 6}" class="tk">… and ${rows.length - shown.length} more</text>`);
  return svg(height, options.label, parts.join(''));
}

/** Empirical CDFs known at a few points (x, F(x)), joined by straight lines. */
export function ecdfChart(curves: Array<{ name: string; color: string; points: Array<[number, number]> }>, options: { label: string; xLabel: string }): string {
  const height = 220;
  const xs = curves.flatMap((c) => c.points.map((p) => p[0]));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const x = linear(lo, hi > lo ? hi : lo + 1, PAD.l, W - PAD.r);
  const y = linear(0, 1, height - PAD.b, PAD.t + 10);
  const parts = [axes(x, y, height, options.xLabel, 'share ≤ x'), legend(curves.map((c) => [c.color, c.name]))];
  for (const c of curves) {
    const pts = [...c.points].sort((a, b) => a[0] - b[0]);
    // Straight lines between the known quantiles: the CDF is only known at those points.
    const d = pts.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c.color}" stroke-width="2"/>`);
    for (const [px, py] of pts) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2.5" fill="${c.color}"><title>${esc(`${c.name}: ${fmt(py * 100, 2)}% ≤ ${fmt(px)}`)}</title></circle>`);
  }
  return svg(height, options.label, parts.join(''));
}

/** Points over time (flagged anomalies), radius by score. */
export function timeChart(points: Array<{ t: number; value: number; score?: number; label?: string }>, options: { label: string; yLabel: string }): string {
  const height = 220;
  const ts = points.map((p) => p.t);
  const vs = points.map((p) => p.value);
  let tlo = Math.min(...ts);
  let thi = Math.max(...ts);
  if (!(thi > tlo)) { tlo -= 60_000; thi += 60_000; }
  const vhi = Math.max(...vs);
  const vlo = Math.min(0, ...vs);
  const x = linear(tlo, thi, PAD.l + 10, W - PAD.r - 10);
  const y = linear(vlo, vhi > vlo ? vhi * 1.1 : vlo + 1, height - PAD.b, PAD.t + 10);
  const tfmt = (v: number) => new Date(v).toISOString().slice(11, 16);
  const parts = [axes(x, y, height, 'time (UTC)', options.yLabel, tfmt), legend([[FLAG, 'flagged']])];
  for (const p of points) {
    const r = 3 + 5 * Math.max(0, Math.min(1, p.score ?? 0.5));
    parts.push(`<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="${r.toFixed(1)}" fill="${FLAG}" fill-opacity="0.75"><title>${esc(p.label ?? `${new Date(p.t).toISOString()}: ${fmt(p.value)}`)}</title></circle>`);
  }
  return svg(height, options.label, parts.join(''));
}

/** A permutation null (normal approximation from its mean and sd) and the observed statistic. */
export function nullChart(mean: number, sd: number, observed: number, options: { label: string }): string {
  const height = 200;
  const lo = Math.min(mean - 4 * sd, observed - sd);
  const hi = Math.max(mean + 4 * sd, observed + sd);
  const x = linear(lo, hi, PAD.l, W - PAD.r);
  const peak = 1 / (sd * Math.sqrt(2 * Math.PI));
  const y = linear(0, peak * 1.1, height - PAD.b, PAD.t + 10);
  let d = '';
  for (let i = 0; i <= 120; i++) {
    const v = lo + ((hi - lo) * i) / 120;
    const dens = peak * Math.exp(-0.5 * ((v - mean) / sd) ** 2);
    d += `${i === 0 ? 'M' : 'L'}${x(v).toFixed(1)},${y(dens).toFixed(1)}`;
  }
  const parts = [axes(x, y, height, 'statistic', 'density'), legend([[REF, 'null (permutations)'], [CUR, 'observed']])];
  parts.push(`<path d="${d}" fill="${REF}" fill-opacity="0.25" stroke="${REF}" stroke-width="1.5"/>`);
  parts.push(`<line x1="${x(observed).toFixed(1)}" y1="${y(0).toFixed(1)}" x2="${x(observed).toFixed(1)}" y2="${PAD.t + 10}" stroke="${CUR}" stroke-width="2.5"><title>observed ${esc(fmt(observed))}</title></line>`);
  return svg(height, options.label, parts.join(''));
}

/** Explicit-bucket histogram (bounds + bounds.length + 1 counts) as bars on bucket index. */
export function histogramChart(bounds: readonly number[], counts: readonly number[], options: { label: string; unit: string }): string {
  const height = 200;
  let first = counts.findIndex((c) => c > 0);
  let last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  if (first < 0) { first = 0; last = counts.length - 1; }
  const idx = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const max = Math.max(1, ...idx.map((i) => counts[i]!));
  const x = linear(0, idx.length, PAD.l, W - PAD.r);
  const y = linear(0, max * 1.1, height - PAD.b, PAD.t + 4);
  const parts = [axes(linear(0, 0, 0, 0), y, height, `bucket upper bound (${options.unit})`, 'count').replace(/<text[^>]*class="tk" text-anchor="middle">[^<]*<\/text>/g, '')];
  const bw = (W - PAD.r - PAD.l) / idx.length;
  idx.forEach((b, i) => {
    const c = counts[b]!;
    const upper = b < bounds.length ? fmt(bounds[b]) : '+Inf';
    const x0 = x(i) + 1;
    parts.push(`<rect x="${x0.toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(y(0) - y(c)).toFixed(1)}" fill="${CUR}"><title>${esc(`≤ ${upper}: ${c}`)}</title></rect>`);
    if (idx.length <= 20 || i % Math.ceil(idx.length / 20) === 0) parts.push(`<text x="${(x0 + bw / 2).toFixed(1)}" y="${height - PAD.b + 14}" class="tk" text-anchor="middle">${esc(upper)}</text>`);
  });
  return svg(height, options.label, parts.join(''));
}

/** Where the statistic sits against the threshold on one axis (fallback chart). */
export function markerChart(marks: Array<{ name: string; value: number; color: string }>, options: { label: string }): string {
  const height = 70;
  const vs = marks.map((m) => m.value);
  let lo = Math.min(0, ...vs);
  let hi = Math.max(...vs);
  if (!(hi > lo)) { hi = lo + 1; }
  const pad = (hi - lo) * 0.08;
  lo -= pad; hi += pad;
  const x = linear(lo, hi, PAD.l, W - PAD.r);
  const parts = [`<line x1="${PAD.l}" y1="40" x2="${W - PAD.r}" y2="40" class="ax"/>`, legend(marks.map((m) => [m.color, `${m.name} ${fmt(m.value)}`]))];
  for (const t of ticks(lo, hi)) parts.push(`<text x="${x(t).toFixed(1)}" y="60" class="tk" text-anchor="middle">${esc(fmt(t, 2))}</text>`);
  for (const m of marks) parts.push(`<line x1="${x(m.value).toFixed(1)}" y1="26" x2="${x(m.value).toFixed(1)}" y2="46" stroke="${m.color}" stroke-width="3"/>`);
  return svg(height, options.label, parts.join(''));
}
