/**
 * A small dependency-free SVG line chart: one or more series over x, optional vertical markers
 * (model promotions), y in [0, 1]. Good enough for bench reports and the docs.
 */
export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number | null }[];
}
export interface Marker {
  x: number;
  label: string;
  color: string;
}

export function lineChartSvg(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  markers?: Marker[];
  width?: number;
  height?: number;
  threshold?: number;
}): string {
  const W = o.width ?? 900;
  const H = o.height ?? 420;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const xs = o.series.flatMap((s) => s.points.map((p) => p.x)).concat((o.markers ?? []).map((k) => k.x));
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, x0 + 1);
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - y * (H - m.t - m.b);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = i / 5;
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/><text x="${m.l - 8}" ` +
        `y="${py(y) + 4}" text-anchor="end">${y.toFixed(1)}</text>`,
    );
  }
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const x = x0 + ((x1 - x0) * i) / ticks;
    out.push(`<text x="${px(x)}" y="${H - m.b + 18}" text-anchor="middle">${x.toFixed(0)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(o.yLabel)}</text>`,
  );
  if (o.threshold !== undefined)
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(o.threshold)}" y2="${py(o.threshold)}" stroke="#999" ` +
        `stroke-dasharray="6 4"/>`,
    );
  for (const k of o.markers ?? []) {
    out.push(
      `<line x1="${px(k.x)}" x2="${px(k.x)}" y1="${m.t}" y2="${H - m.b}" stroke="${k.color}" stroke-dasharray="3 3"/>` +
        `<text x="${px(k.x) + 3}" y="${m.t + 12}" fill="${k.color}" font-size="10">${esc(k.label)}</text>`,
    );
  }
  o.series.forEach((s, si) => {
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (p.y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)} `;
      pen = true;
    }
    out.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points)
      if (p.y !== null)
        out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    out.push(
      `<rect x="${W - m.r - 170}" y="${m.t + 6 + si * 18}" width="12" height="12" fill="${s.color}"/><text ` +
        `x="${W - m.r - 152}" y="${m.t + 16 + si * 18}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
