import type { EChartsOption } from './components/echarts.ts';

/**
 * Chart options for the warehouse questions (sinks/src/warehouse/questions.ts). Numbers may
 * arrive as strings from some backends (BigQuery INT64), hence num().
 */
type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function columnsOf(rows: readonly Row[]): string[] {
  return rows[0] ? Object.keys(rows[0]) : [];
}

/** fraud-rate-by-type-hour: one line per type over hours (labelled fraud rate, else flagged rate). */
export function fraudRateOption(rows: readonly Row[]): EChartsOption {
  const useLabels = rows.some((r) => r.fraudRate !== null && r.fraudRate !== undefined);
  const types = [...new Set(rows.map((r) => str(r.type)))].sort();
  return {
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'time' },
    yAxis: {
      type: 'value',
      name: useLabels ? 'labelled fraud rate' : 'flagged rate',
      axisLabel: { formatter: (v: number) => `${(v * 100).toFixed(1)}%` },
    },
    series: types.map((t) => ({
      type: 'line' as const,
      name: t,
      showSymbol: false,
      data: rows
        .filter((r) => str(r.type) === t)
        .map((r) => [num(r.hour), num(useLabels ? r.fraudRate : r.flaggedRate)]),
    })),
  };
}

/** amount-distribution: p50/p90/p99 per type and decision (log scale: amounts span decades). */
export function amountsOption(rows: readonly Row[]): EChartsOption {
  const cats = rows.map((r) => `${str(r.type)} ${str(r.decision)}`);
  return {
    grid: { left: 70, right: 20, top: 40, bottom: 80 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: cats, axisLabel: { rotate: 40 } },
    yAxis: { type: 'log', name: 'amount (minor units)' },
    series: (['p50', 'p90', 'p99'] as const).map((k) => ({
      type: 'bar' as const,
      name: k,
      data: rows.map((r) => Math.max(1, num(r[k]))),
    })),
  };
}

/** top-destinations: money received, split by what the model did. */
export function destinationsOption(rows: readonly Row[]): EChartsOption {
  const cats = rows.map((r) => str(r.destAccount));
  return {
    grid: { left: 130, right: 20, top: 30, bottom: 30 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: cats },
    series: (['blocked', 'reviewed', 'labelledFraud'] as const).map((k) => ({
      type: 'bar' as const,
      name: k,
      stack: k === 'labelledFraud' ? 'l' : 'd',
      data: rows.map((r) => num(r[k])),
    })),
  };
}

/** typologies: labelled fraud cases, stacked by the model's decision. */
export function typologiesOption(rows: readonly Row[]): EChartsOption {
  return {
    grid: { left: 60, right: 20, top: 30, bottom: 60 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    color: ['#f85149', '#d29922', '#8a97a8'],
    xAxis: { type: 'category', data: rows.map((r) => str(r.typology)), axisLabel: { rotate: 20 } },
    yAxis: { type: 'value', name: 'cases' },
    series: (['blocked', 'reviewed', 'missed'] as const).map((k) => ({
      type: 'bar' as const,
      name: k,
      stack: 's',
      data: rows.map((r) => num(r[k])),
    })),
  };
}

/** decision-counts: decisions per type, stacked by outcome. */
export function decisionsOption(rows: readonly Row[]): EChartsOption {
  const types = [...new Set(rows.map((r) => str(r.type)))].sort();
  return {
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    color: ['#3fb950', '#d29922', '#f85149'],
    xAxis: { type: 'category', data: types },
    yAxis: { type: 'log', name: 'transactions', min: 1 },
    series: (['APPROVE', 'REVIEW', 'BLOCK'] as const).map((d) => ({
      type: 'bar' as const,
      name: d,
      data: types.map((t) =>
        Math.max(0, num(rows.find((r) => str(r.type) === t && str(r.decision) === d)?.transactions)),
      ),
    })),
  };
}
