import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newClusterId } from '../src/kafka-runtime.ts';
import { isAlive, pidFileText, pidFromFile } from '../src/pidfile.ts';

describe('pid files', () => {
  it('name a live process only when its command line is the service (a recycled pid is not taken for it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pidfile-'));
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'fraud-marker-xyz']);
    try {
      const pid = child.pid!;
      const file = join(dir, 'svc.pid');
      writeFileSync(file, pidFileText(pid, 'fraud-marker-xyz'));
      expect(pidFromFile(file, 'unused')).toBe(pid);
      // the same live pid recorded for another service (a pid file from before a reboot)
      writeFileSync(file, pidFileText(pid, 'bin/fraud.mjs registry'));
      expect(pidFromFile(file, 'unused')).toBeUndefined();
      // an old one-line pid file: the caller's marker decides
      writeFileSync(file, String(pid));
      expect(pidFromFile(file, 'fraud-marker-xyz')).toBe(pid);
      expect(pidFromFile(file, 'kafka.Kafka')).toBeUndefined();
      expect(pidFromFile(join(dir, 'missing.pid'), 'x')).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    expect(isAlive(child.pid!)).toBe(false);
  });
});

describe('Kafka cluster ids', () => {
  it('are 22 url-safe base64 characters and never start with "-" (the storage tool would read an option)', () => {
    const ids = Array.from({ length: 2000 }, () => newClusterId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
