/**
 * A self-contained SVG line chart for bench/saturation.ts: p50/p99/p999 end-to-end latency
 * (log scale, ms) against offered load (tx/s), with the maximum sustained throughput marked.
 * No chart library: the file must open in any browser and diff cleanly.
 */
export interface ChartPoint {
  offered: number;
  p50: number;
  p99: number;
  p999: number;
  sustained: boolean;
}

const W = 760;
const H = 440;
const M = { left: 70, right: 150, top: 40, bottom: 60 };
const SERIES = [
  { key: 'p50', color: '#1f77b4' },
  { key: 'p99', color: '#ff7f0e' },
  { key: 'p999', color: '#d62728' },
] as const;

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function saturationSvg(points: readonly ChartPoint[], maxSustained: number, title: string): string {
  const pts = [...points].filter((p) => Number.isFinite(p.p50)).sort((a, b) => a.offered - b.offered);
  const xStep = niceStep(Math.max(1, ...pts.map((p) => p.offered)) / 5);
  const xMax = Math.ceil((Math.max(1, ...pts.map((p) => p.offered)) * 1.02) / xStep) * xStep;
  const values = pts.flatMap((p) => [p.p50, p.p99, p.p999]).filter((v) => Number.isFinite(v) && v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...values))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values, 100)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + (v / xMax) * pw;
  const y = (v: number) =>
    M.top + ph - ((Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  // y grid: decades
  for (let d = yMin; d <= yMax; d *= 10) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${y(d) + 4}" text-anchor="end">${d >= 1000 ? `${d / 1000} s` : `${d} ms`}</text>`,
    );
  }
  // x ticks on round numbers
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${x(v)}" y="${M.top + ph + 18}" text-anchor="middle">${Math.round(v)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 18}" text-anchor="middle">offered load (transactions/s)</text>`);
  out.push(
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">` +
      `end-to-end latency (log scale)</text>`,
  );
  if (maxSustained > 0) {
    out.push(
      `<line x1="${x(maxSustained)}" x2="${x(maxSustained)}" y1="${M.top}" y2="${M.top + ph}" stroke="#2ca02c" ` +
        `stroke-dasharray="5 4"/>`,
    );
    out.push(
      `<text x="${x(maxSustained) + 4}" y="${M.top + 12}" fill="#2ca02c">max sustained ${maxSustained}/s</text>`,
    );
  }
  for (const [i, s] of SERIES.entries()) {
    const line = pts.map((p) => `${x(p.offered).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${line}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts) {
      const cx = x(p.offered).toFixed(1);
      const cy = y(p[s.key]).toFixed(1);
      // filled = a sustained step, hollow = latency or lag grew without bound
      out.push(
        `<circle cx="${cx}" cy="${cy}" r="4" stroke="${s.color}" ` +
          `fill="${p.sustained ? s.color : 'white'}"><title>${s.key} ${Math.round(p[s.key])} ms ` +
          `at ${Math.round(p.offered)}/s</title></circle>`,
      );
    }
    const ly = M.top + 20 + i * 20;
    out.push(
      `<line x1="${W - M.right + 15}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" ` +
        `stroke-width="2"/>`,
    );
    out.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${s.key}</text>`);
  }
  const ly = M.top + 20 + SERIES.length * 20;
  out.push(
    `<circle cx="${W - M.right + 27}" cy="${ly}" r="4" fill="#555"/><text x="${W - M.right + 46}" ` +
      `y="${ly + 4}">sustained</text>`,
  );
  out.push(
    `<circle cx="${W - M.right + 27}" cy="${ly + 20}" r="4" fill="white" stroke="#555"/><text ` +
      `x="${W - M.right + 46}" y="${ly + 24}">not sustained</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
