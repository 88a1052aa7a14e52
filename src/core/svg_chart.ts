// Charts as SVG, drawn when written (the leaderboard site's pages, `pgolf run`'s loss plot): no chart library, no script, no network. One function,
// `xyChart`, draws every chart of the site (loss curves, seed spread, frontier step line, bytes
// against bpb) from series of points. The markup is regular so a test can count what it drew:
//   <svg class="chart" data-chart=ID data-series=N>  ...  <g class="series" data-points=K> ... </g>
// A line is one <polyline> (a step line has two vertices per step); points are <circle class="pt">.
import { esc, truncate } from "./markup.js";

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text (an SVG <title>). */
  title?: string;
  /** Makes the point a link. */
  href?: string;
}

export interface Series {
  name: string;
  points: ChartPoint[];
  /** line: straight segments; step: holds each value until the next point; dots: points only. */
  mode: "line" | "step" | "dots";
  /** Draw a circle at each point of a line (dots always have them). */
  markers?: boolean;
  color?: string;
  /** Extra CSS class of the series group, e.g. "muted". */
  cls?: string;
}

export interface Rule {
  axis: "x" | "y";
  value: number;
  label: string;
  cls?: string;
}

export interface ChartSpec {
  /** Unique within the page: names the chart (data-chart) and its clip path. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** x values are epoch milliseconds: date ticks. */
  xTime?: boolean;
  series: Series[];
  rules?: Rule[];
  /** Horizontal bands (e.g. mean ± std). */
  bands?: { y0: number; y1: number; label: string }[];
  /**
   * Fit the y range to the points past this fraction of the x range (loss curves start far above
   * where they end; the start is clipped, not dropped).
   */
  yFocusAfter?: number;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  width?: number;
  height?: number;
}

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

const DAY = 86_400_000;
const M = { left: 64, right: 16, top: 30, bottom: 46 };
const LEGEND_W = 230;

/** Round tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Day-aligned ticks for a time axis (epoch ms). */
export function timeTicks(lo: number, hi: number): number[] {
  const step = [1, 2, 7, 14, 30, 61, 91, 182, 365].map((d) => d * DAY).find((s) => (hi - lo) / s <= 8) ?? 730 * DAY;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

export const formatDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function decimalsFor(ticks: number[]): number {
  if (ticks.length < 2) return 4;
  const step = Math.abs(ticks[1] - ticks[0]);
  return Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
}

function domain(values: number[], pad: number): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) {
    const d = Math.abs(lo) * 0.01 || 1;
    lo -= d;
    hi += d;
  }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

const num = (v: number) => (Math.round(v * 10) / 10).toString();

/** Draws one chart. Series without points are left out (and not counted in data-series). */
export function xyChart(spec: ChartSpec): string {
  const series = spec.series.filter((s) => s.points.length > 0);
  const legend = series.length > 1;
  const W = spec.width ?? 640;
  const H = spec.height ?? 320;
  const plotW = W - M.left - M.right - (legend ? LEGEND_W : 0);
  const plotH = H - M.top - M.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  for (const r of spec.rules ?? []) (r.axis === "x" ? xs : ys).push(r.value);
  for (const b of spec.bands ?? []) ys.push(b.y0, b.y1);
  if (xs.length === 0) xs.push(0, 1);
  if (ys.length === 0) ys.push(0, 1);
  const [x0, x1] = domain(xs, 0.03);
  let [y0, y1] = domain(ys, 0.06);
  if (spec.yFocusAfter !== undefined) {
    const from = Math.min(...xs) + spec.yFocusAfter * (Math.max(...xs) - Math.min(...xs));
    const late = series.flatMap((s) => s.points.filter((p) => p.x >= from).map((p) => p.y));
    if (late.length >= 2) [y0, y1] = domain(late, 0.08);
  }
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0)) * plotW;
  const sy = (v: number) => M.top + plotH - ((v - y0) / (y1 - y0)) * plotH;

  const xt = spec.xTime ? timeTicks(x0, x1) : niceTicks(x0, x1, 6);
  const yt = niceTicks(y0, y1, 5);
  const xf = spec.xFormat ?? (spec.xTime ? formatDay : (v: number) => v.toFixed(decimalsFor(xt)));
  const yf = spec.yFormat ?? ((v: number) => v.toFixed(decimalsFor(yt)));
  const clip = `clip-${spec.id}`;
  const out: string[] = [];
  out.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" data-chart="${esc(spec.id)}" data-series="${series.length}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}">`,
    `<title>${esc(spec.title)}</title>`,
    `<defs><clipPath id="${esc(clip)}"><rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`,
    `<text class="chart-title" x="${M.left}" y="18">${esc(spec.title)}</text>`,
    `<rect class="frame" x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none"/>`,
  );
  // axes
  out.push('<g class="axis x">');
  for (const t of xt) {
    const x = num(sx(t));
    out.push(`<line class="grid" x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + plotH}"/><text x="${x}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(xf(t))}</text>`);
  }
  out.push(`<text class="label" x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text></g>`);
  out.push('<g class="axis y">');
  for (const t of yt) {
    const y = num(sy(t));
    out.push(`<line class="grid" x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}"/><text x="${M.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${esc(yf(t))}</text>`);
  }
  out.push(`<text class="label" transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text></g>`);
  // plot
  out.push(`<g class="plot" clip-path="url(#${esc(clip)})">`);
  for (const b of spec.bands ?? []) {
    const top = sy(Math.max(b.y0, b.y1));
    const h = Math.max(1, Math.abs(sy(b.y0) - sy(b.y1)));
    out.push(`<rect class="band" x="${M.left}" y="${num(top)}" width="${plotW}" height="${num(h)}"><title>${esc(b.label)}</title></rect>`);
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<g class="series${s.cls ? ` ${esc(s.cls)}` : ""}" data-name="${esc(s.name)}" data-points="${pts.length}">`);
    if (s.mode !== "dots" && pts.length > 0) {
      const vs: string[] = [];
      pts.forEach((p, j) => {
        if (s.mode === "step" && j > 0) vs.push(`${num(sx(p.x))},${num(sy(pts[j - 1].y))}`);
        vs.push(`${num(sx(p.x))},${num(sy(p.y))}`);
      });
      if (s.mode === "step") vs.push(`${num(M.left + plotW)},${num(sy(pts[pts.length - 1].y))}`);
      out.push(`<polyline class="line" points="${vs.join(" ")}" fill="none" stroke="${color}"/>`);
    }
    if (s.mode === "dots" || s.markers) {
      for (const p of pts) {
        const c = `<circle class="pt" cx="${num(sx(p.x))}" cy="${num(sy(p.y))}" r="4" fill="${color}">${p.title ? `<title>${esc(p.title)}</title>` : ""}</circle>`;
        out.push(p.href ? `<a href="${esc(p.href)}">${c}</a>` : c);
      }
    }
    out.push("</g>");
  });
  out.push("</g>");
  for (const r of spec.rules ?? []) {
    if (r.axis === "x") {
      const x = num(sx(r.value));
      out.push(`<g class="rule${r.cls ? ` ${esc(r.cls)}` : ""}"><line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + plotH}"/><text x="${x}" y="${M.top + 12}" dx="-4" text-anchor="end">${esc(r.label)}</text></g>`);
    } else {
      const y = num(sy(r.value));
      out.push(`<g class="rule${r.cls ? ` ${esc(r.cls)}` : ""}"><line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}"/><text x="${M.left + plotW - 4}" y="${y}" dy="-4" text-anchor="end">${esc(r.label)}</text></g>`);
    }
  }
  if (legend) {
    const lx = W - LEGEND_W + 8;
    out.push('<g class="legend">');
    series.forEach((s, i) => {
      const y = M.top + 8 + i * 18;
      if (y > H - 10) return;
      const color = s.color ?? PALETTE[i % PALETTE.length];
      out.push(`<line x1="${lx}" x2="${lx + 16}" y1="${y}" y2="${y}" stroke="${color}"/><text x="${lx + 22}" y="${y}" dy="0.32em">${esc(truncate(s.name, 30))}<title>${esc(s.name)}</title></text>`);
    });
    out.push("</g>");
  }
  out.push("</svg>");
  return out.join("\n");
}

/**
 * The chart as a file of its own (`pgolf run`'s loss.svg): the site's chart styles inlined, with
 * literal colours for the site's CSS variables, so a browser or an image viewer draws it as the
 * record pages do.
 */
export function standaloneChart(spec: ChartSpec): string {
  const style = [
    "svg.chart { background: #fff; }",
    "svg.chart text { font: 11px system-ui, sans-serif; fill: #444; }",
    "svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: #1f2328; }",
    "svg.chart .label { font-size: 12px; fill: #656d76; }",
    "svg.chart .grid { stroke: #eef1f4; }",
    "svg.chart .frame { stroke: #c9d1d9; }",
    "svg.chart polyline.line { stroke-width: 1.6; }",
    "svg.chart .legend line { stroke-width: 3; }",
  ].join("\n");
  const svg = xyChart(spec);
  const open = svg.indexOf(">") + 1;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg.slice(0, open)}\n<style>\n${style}\n</style>${svg.slice(open)}\n`;
}
