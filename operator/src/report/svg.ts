// Inline SVG charts for the evidence report: bar, stacked bar and donut. Pure string
// building, no DOM, no JavaScript, no external fonts: the report stays one self-contained
// file that prints and converts to PDF as is. Every chart is an <svg role="img"> with a
// <title> (screen readers, hover) and a text fallback for empty data. Every number is
// checked for finiteness, so NaN never reaches an attribute or a label.

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** Text at the end of the bar (default: the formatted value). */
  valueLabel?: string;
}

export interface Segment {
  label: string;
  value: number;
  color: string;
}

export const COLORS = {
  pass: '#2e7d32',
  fail: '#c62828',
  unknown: '#8d8d8d',
  notEvaluated: '#d6d6d6',
  critical: '#8e0000',
  high: '#d84315',
  medium: '#f9a825',
  low: '#1565c0',
  accent: '#1f4e79',
  grid: '#e3e3e3',
  text: '#222222',
  muted: '#666666',
} as const;

const FONT = "font-family=\"'DejaVu Sans','Liberation Sans',Arial,sans-serif\"";

/** XML-escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A finite, non-negative number (NaN, Infinity and negatives become 0). */
function safe(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Fixed-precision coordinates: short, and never "NaN". */
function n(value: number): string {
  return (Number.isFinite(value) ? Math.round(value * 100) / 100 : 0).toString();
}

let idCounter = 0;

/** Restart chart ids (call once per document, so the same report renders byte for byte the same). */
export function resetChartIds(): void {
  idCounter = 0;
}

function nextId(prefix: string): string {
  idCounter = (idCounter + 1) % 1_000_000;
  return `${prefix}-${idCounter}`;
}

function open(width: number, height: number, title: string, idPrefix: string): string {
  const id = nextId(idPrefix);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="${id}" ` +
    `viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" ${FONT}>` +
    `<title id="${id}">${escapeXml(title)}</title>`
  );
}

function truncateLabel(label: string, max: number): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

function noData(width: number, height: number, title: string, idPrefix: string): string {
  return (
    open(width, height, title, idPrefix) +
    `<text x="${n(width / 2)}" y="${n(height / 2)}" text-anchor="middle" font-size="13" fill="${COLORS.muted}">No data</text></svg>`
  );
}

export interface BarChartOptions {
  title: string;
  bars: Bar[];
  /** Scale maximum (default: the largest value). */
  max?: number;
  width?: number;
  /** Formats a value for its label (default: the number). */
  format?: (value: number) => string;
}

/** Horizontal bar chart, one row per bar, label left, value right. */
export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 520;
  const rowHeight = 24;
  const top = 8;
  const height = top * 2 + Math.max(1, options.bars.length) * rowHeight;
  if (options.bars.length === 0) return noData(width, 60, options.title, 'bar');
  const labelWidth = Math.min(Math.round(width * 0.45), Math.max(60, ...options.bars.map((b) => b.label.length * 6.8 + 12)));
  const labelChars = Math.max(6, Math.floor((labelWidth - 12) / 6.8));
  const valueWidth = 70;
  const plot = Math.max(10, width - labelWidth - valueWidth);
  const max = Math.max(safe(options.max ?? 0), ...options.bars.map((b) => safe(b.value)), 1e-9);
  const format = options.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  let out = open(width, height, options.title, 'bar');
  out += `<line x1="${n(labelWidth)}" y1="${n(top)}" x2="${n(labelWidth)}" y2="${n(height - top)}" stroke="${COLORS.grid}"/>`;
  options.bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const value = safe(bar.value);
    const w = (value / max) * plot;
    const label = truncateLabel(bar.label, labelChars);
    out +=
      `<g><title>${escapeXml(`${bar.label}: ${bar.valueLabel ?? format(value)}`)}</title>` +
      `<text x="${n(labelWidth - 6)}" y="${n(y + rowHeight / 2 + 4)}" text-anchor="end" font-size="12" fill="${COLORS.text}">${escapeXml(label)}</text>` +
      `<rect x="${n(labelWidth)}" y="${n(y + 4)}" width="${n(Math.max(w, value > 0 ? 1 : 0))}" height="${n(rowHeight - 8)}" rx="2" fill="${escapeXml(bar.color ?? COLORS.accent)}"/>` +
      `<text x="${n(labelWidth + w + 6)}" y="${n(y + rowHeight / 2 + 4)}" font-size="12" fill="${COLORS.text}">${escapeXml(bar.valueLabel ?? format(value))}</text></g>`;
  });
  return `${out}</svg>`;
}

export interface StackedRow {
  label: string;
  segments: Segment[];
}

export interface StackedBarOptions {
  title: string;
  rows: StackedRow[];
  width?: number;
  /** Legend entries (label + color), in order. */
  legend: Array<{ label: string; color: string }>;
}

/** Horizontal 100 % stacked bars: one row per label, segments by share, counts inside. */
export function stackedBarChart(options: StackedBarOptions): string {
  const width = options.width ?? 640;
  const rowHeight = 24;
  const legendHeight = 26;
  const top = 6;
  if (options.rows.length === 0) return noData(width, 60, options.title, 'stack');
  const height = top + options.rows.length * rowHeight + legendHeight + 6;
  const labelWidth = Math.min(Math.round(width * 0.42), Math.max(60, ...options.rows.map((r) => r.label.length * 6.8 + 12)));
  const labelChars = Math.max(6, Math.floor((labelWidth - 12) / 6.8));
  const plot = Math.max(10, width - labelWidth - 10);
  let out = open(width, height, options.title, 'stack');
  options.rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const total = row.segments.reduce((sum, s) => sum + safe(s.value), 0);
    out += `<text x="${n(labelWidth - 6)}" y="${n(y + rowHeight / 2 + 4)}" text-anchor="end" font-size="12" fill="${COLORS.text}">${escapeXml(truncateLabel(row.label, labelChars))}</text>`;
    if (total === 0) {
      out += `<rect x="${n(labelWidth)}" y="${n(y + 4)}" width="${n(plot)}" height="${n(rowHeight - 8)}" fill="${COLORS.notEvaluated}"/>`;
      return;
    }
    let x = labelWidth;
    for (const s of row.segments) {
      const value = safe(s.value);
      if (value === 0) continue;
      const w = (value / total) * plot;
      out +=
        `<g><title>${escapeXml(`${row.label} - ${s.label}: ${value}`)}</title>` +
        `<rect x="${n(x)}" y="${n(y + 4)}" width="${n(w)}" height="${n(rowHeight - 8)}" fill="${escapeXml(s.color)}"/>` +
        (w >= 18
          ? `<text x="${n(x + w / 2)}" y="${n(y + rowHeight / 2 + 4)}" text-anchor="middle" font-size="11" fill="#ffffff">${value}</text>`
          : '') +
        `</g>`;
      x += w;
    }
  });
  out += legend(options.legend, labelWidth, top + options.rows.length * rowHeight + 12);
  return `${out}</svg>`;
}

function legend(items: Array<{ label: string; color: string }>, x0: number, y: number): string {
  let x = x0;
  let out = '';
  for (const item of items) {
    out +=
      `<rect x="${n(x)}" y="${n(y - 9)}" width="10" height="10" fill="${escapeXml(item.color)}"/>` +
      `<text x="${n(x + 14)}" y="${n(y)}" font-size="11" fill="${COLORS.text}">${escapeXml(item.label)}</text>`;
    x += 24 + item.label.length * 6.4;
  }
  return out;
}

export interface DonutOptions {
  title: string;
  slices: Segment[];
  /** Big text in the hole (e.g. "4/6"). */
  center?: string;
  /** Small text under it. */
  caption?: string;
  size?: number;
}

/** Donut chart with a legend on the right; each slice's share and count in its tooltip. */
export function donutChart(options: DonutOptions): string {
  const size = options.size ?? 150;
  const legendWidth = 170;
  const width = size + legendWidth;
  const height = Math.max(size, options.slices.length * 20 + 10);
  const total = options.slices.reduce((sum, s) => sum + safe(s.value), 0);
  const cx = size / 2;
  const cy = height / 2;
  const r = size / 2 - 6;
  const stroke = Math.max(10, size * 0.18);
  const radius = r - stroke / 2;
  const circumference = 2 * Math.PI * radius;
  let out = open(width, height, options.title, 'donut');
  out += `<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(radius)}" fill="none" stroke="${COLORS.notEvaluated}" stroke-width="${n(stroke)}"/>`;
  if (total > 0) {
    let offset = 0;
    for (const s of options.slices) {
      const value = safe(s.value);
      if (value === 0) continue;
      const length = (value / total) * circumference;
      // Each slice is a dashed circle starting at 12 o'clock, rotated by the slices before it.
      out +=
        `<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(radius)}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="${n(stroke)}" ` +
        `stroke-dasharray="${n(length)} ${n(circumference - length)}" stroke-dashoffset="${n(-offset)}" transform="rotate(-90 ${n(cx)} ${n(cy)})">` +
        `<title>${escapeXml(`${s.label}: ${value} (${Math.round((value / total) * 100)} %)`)}</title></circle>`;
      offset += length;
    }
  }
  if (options.center !== undefined) {
    out += `<text x="${n(cx)}" y="${n(cy + (options.caption ? 2 : 6))}" text-anchor="middle" font-size="${n(size * 0.16)}" font-weight="bold" fill="${COLORS.text}">${escapeXml(options.center)}</text>`;
  }
  if (options.caption !== undefined) {
    out += `<text x="${n(cx)}" y="${n(cy + size * 0.14)}" text-anchor="middle" font-size="11" fill="${COLORS.muted}">${escapeXml(options.caption)}</text>`;
  }
  const legendTop = cy - (options.slices.length * 20) / 2 + 14;
  options.slices.forEach((s, i) => {
    const y = legendTop + i * 20;
    out +=
      `<rect x="${n(size + 12)}" y="${n(y - 10)}" width="12" height="12" rx="2" fill="${escapeXml(s.color)}"/>` +
      `<text x="${n(size + 30)}" y="${n(y)}" font-size="12" fill="${COLORS.text}">${escapeXml(`${s.label}: ${safe(s.value)}`)}</text>`;
  });
  return `${out}</svg>`;
}

/** A compact 0..1 gauge bar (e.g. MFA coverage), colored by threshold. */
export function ratioBar(title: string, ratio: number | undefined, width = 220): string {
  const height = 22;
  if (ratio === undefined || !Number.isFinite(ratio)) return noData(width, height + 8, title, 'ratio');
  const value = Math.min(1, Math.max(0, ratio));
  const color = value >= 1 ? COLORS.pass : value >= 0.9 ? COLORS.medium : COLORS.fail;
  const plot = width - 52;
  return (
    open(width, height, title, 'ratio') +
    `<rect x="0" y="4" width="${n(plot)}" height="14" rx="3" fill="${COLORS.notEvaluated}"/>` +
    `<rect x="0" y="4" width="${n(plot * value)}" height="14" rx="3" fill="${color}"/>` +
    `<text x="${n(plot + 6)}" y="16" font-size="12" font-weight="bold" fill="${COLORS.text}">${Math.floor(value * 100)} %</text></svg>`
  );
}
