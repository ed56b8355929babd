import type { EvalReport, SliceReport } from './report.ts';
import type { PrPoint } from './metrics.ts';

/** Plain-text tables and an SVG PR chart for evaluation reports (CLI and docs). */
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
const num = (x: number, d = 0): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, j) => (j === 0 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function sliceRow(name: string, s: SliceReport): string[] {
  return [
    name,
    num(s.rows),
    num(s.positives, s.positives % 1 === 0 ? 0 : 1),
    num(s.auprc, 4),
    pct(s.flagged.precision),
    pct(s.flagged.recall),
    num(s.flagged.f1, 4),
    pct(s.flagged.specificity),
    pct(s.blocked.precision),
    pct(s.blocked.recall),
    num(s.cost.total, 0),
  ];
}

export function formatReport(r: EvalReport, title: string): string {
  const header = [
    'slice',
    'rows',
    'fraud',
    'AUPRC',
    'precision',
    'recall',
    'F1',
    'specificity',
    'block prec',
    'block rec',
    'cost',
  ];
  const rows = [sliceRow('all', r), ...Object.entries(r.byType).map(([t, s]) => sliceRow(t, s as SliceReport))];
  const c = r.flagged;
  const d = r.cost.decisions;
  const out = [
    `${title}${r.weighted ? ' (weighted to the true fraud rate)' : ''}`,
    `thresholds: review >= ${r.thresholds.review.toFixed(4)}, block >= ${r.thresholds.block.toFixed(4)}; ` +
      `precision/recall count REVIEW+BLOCK as flagged`,
    table(header, rows),
    '',
    'confusion (flagged):   predicted fraud  predicted legit',
    `  actual fraud        ${num(c.tp, 1).padStart(15)}  ${num(c.fn, 1).padStart(15)}`,
    `  actual legit        ${num(c.fp, 1).padStart(15)}  ${num(c.tn, 1).padStart(15)}`,
    `decisions: APPROVE ${num(d.APPROVE.fraud, 1)} fraud / ${num(d.APPROVE.legit, 1)} legit; ` +
      `REVIEW ${num(d.REVIEW.fraud, 1)} / ${num(d.REVIEW.legit, 1)}; BLOCK ${num(d.BLOCK.fraud, 1)} ` +
      `/ ${num(d.BLOCK.legit, 1)}`,
    `expected cost ${num(r.cost.total, 2)} (approve-all ${num(r.cost.approveAll, 2)}; missed fraud ` +
      `amount ${num(r.cost.missedFraudAmount, 2)}) with review ${r.costs.reviewCost}, block ` +
      `friction ${r.costs.blockFrictionCost}`,
  ];
  const typologies = Object.entries(r.byTypology);
  if (typologies.length > 0) {
    out.push(
      '',
      table(
        ['typology', 'frauds', 'caught', 'blocked', 'recall', 'missed amount'],
        typologies.map(([k, t]) => [
          k,
          num(t.frauds, 1),
          num(t.caught, 1),
          num(t.blocked, 1),
          pct(t.recall),
          num(t.missedAmount, 2),
        ]),
      ),
    );
  }
  return out.join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A self-contained SVG line chart of one or more PR curves (recall on x, precision on y). */
export function prCurveSvg(
  curves: { name: string; points: PrPoint[]; auprc?: number }[],
  title = 'Precision-recall',
): string {
  const W = 640,
    H = 480,
    L = 60,
    R = 20,
    T = 40,
    B = 50;
  const x = (r: number): number => L + r * (W - L - R);
  const y = (p: number): number => H - B - p * (H - T - B);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const grid: string[] = [];
  for (let k = 0; k <= 10; k++) {
    const v = k / 10;
    grid.push(
      `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#eee"/><line x1="${x(0)}" y1="${y(v)}" ` +
        `x2="${x(1)}" y2="${y(v)}" stroke="#eee"/>`,
    );
    grid.push(
      `<text x="${x(v)}" y="${y(0) + 16}" font-size="11" text-anchor="middle">${v.toFixed(1)}</text><text ` +
        `x="${x(0) - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  const lines = curves.map((c, i) => {
    // a step curve: precision holds until the next recall level
    const pts: string[] = [];
    let prevR = 0;
    for (const p of c.points) {
      pts.push(
        `${x(prevR).toFixed(1)},${y(p.precision).toFixed(1)}`,
        `${x(p.recall).toFixed(1)},${y(p.precision).toFixed(1)}`,
      );
      prevR = p.recall;
    }
    const color = colors[i % colors.length] ?? '#000';
    const label = `${esc(c.name)}${c.auprc === undefined ? '' : ` (AUPRC ${c.auprc.toFixed(4)})`}`;
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/><text ` +
      `x="${x(0.02)}" y="${y(0.08) + i * 16}" font-size="12" fill="${color}">${label}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" font-size="15" text-anchor="middle">${esc(title)}</text>`,
    ...grid,
    `<rect x="${x(0)}" y="${y(1)}" width="${x(1) - x(0)}" height="${y(0) - y(1)}" fill="none" stroke="#333"/>`,
    `<text x="${W / 2}" y="${H - 12}" font-size="12" text-anchor="middle">recall</text>`,
    `<text x="16" y="${H / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 ` +
      `16 ${H / 2})">precision</text>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
