import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Global setup of the browser tests: the tests drive the built console (node build/index.js,
 * what `fraud web serve` runs), so build it when any source is newer than the build.
 */
const webDir = resolve(import.meta.dirname, '..', '..');

function newest(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

export default function setup(): void {
  const entry = join(webDir, 'build', 'index.js');
  const sources = Math.max(
    newest(join(webDir, 'src')),
    statSync(join(webDir, 'svelte.config.js')).mtimeMs,
    statSync(join(webDir, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(entry) && statSync(entry).mtimeMs >= sources) return;
  console.log('[web] building the console for the browser tests (vite build)...');
  execFileSync('npm', ['run', 'build', '-w', '@fraud/web'], {
    cwd: resolve(webDir, '..'),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
