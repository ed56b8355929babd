import { SingleBar, Presets } from 'cli-progress';

export interface ProgressSnapshot {
  done: number;
  /** Extra facts shown on the line, e.g. { labels: 120, rejected: 3 }. */
  extra?: Record<string, number | string>;
}

export interface Progress {
  update(s: ProgressSnapshot): void;
  stop(): void;
}

export interface ProgressOptions {
  title: string;
  total?: number;
  unit?: string;
  /** A TTY gets a live bar; anything else gets a plain line every `intervalMs`. */
  tty?: boolean;
  stream?: NodeJS.WritableStream;
  intervalMs?: number;
  now?: () => number;
}

/** A progress bar with rate and ETA on a terminal; periodic plain lines in logs and pipes. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY);
  const unit = options.unit ?? 'tx';
  const now = options.now ?? Date.now;
  const started = now();
  let lastAt = started;
  let lastDone = 0;
  let rate = 0;
  const fmtExtra = (extra?: Record<string, number | string>) =>
    extra
      ? Object.entries(extra)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
          .join(' | ')
      : '';

  if (tty) {
    const total = options.total;
    const bar = new SingleBar(
      {
        format: total
          ? `${options.title} {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA ` +
            `{eta_formatted} | {extra}`
          : `${options.title} {value} ${unit} | {rate} ${unit}/s | {elapsed}s | {extra}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { rate: '0', extra: '', elapsed: '0' });
    return {
      update(s) {
        const t = now();
        if (t - lastAt >= 500) {
          rate = ((s.done - lastDone) * 1000) / (t - lastAt);
          lastAt = t;
          lastDone = s.done;
        }
        bar.update(s.done, {
          rate: Math.round(rate).toLocaleString('en-US'),
          extra: fmtExtra(s.extra),
          elapsed: Math.round((t - started) / 1000),
        });
      },
      stop: () => bar.stop(),
    };
  }
  const interval = options.intervalMs ?? 5_000;
  return {
    update(s) {
      const t = now();
      if (t - lastAt < interval) return;
      rate = ((s.done - lastDone) * 1000) / (t - lastAt);
      lastAt = t;
      lastDone = s.done;
      const pct = options.total ? ` (${((100 * s.done) / options.total).toFixed(1)}%)` : '';
      const eta = options.total && rate > 0 ? ` eta ${Math.ceil((options.total - s.done) / rate)}s` : '';
      const extra = fmtExtra(s.extra);
      const done = s.done.toLocaleString('en-US');
      const perSecond = Math.round(rate).toLocaleString('en-US');
      stream.write(
        `${options.title}: ${done} ${unit}${pct}, ${perSecond} ${unit}/s${eta}${extra ? `, ${extra}` : ''}\n`,
      );
    },
    stop() {},
  };
}
