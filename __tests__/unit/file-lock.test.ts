import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { STALE_MS, withLock } from '../../src/export/file-lock.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'file-lock-'));
  file = path.join(dir, 'credentials');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('withLock', () => {
  it('holds <file>.lock while the work runs, and removes it after, also when the work throws', () => {
    expect(withLock(file, () => existsSync(`${file}.lock`))).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(() =>
      withLock(file, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits for a lock another process holds, then says which file and what to do', () => {
    writeFileSync(`${file}.lock`, '4242');
    const started = Date.now();
    expect(() => withLock(file, () => 'never', { waitMs: 200 })).toThrow(
      `Another process has held ${file}.lock for more than 0.2 s, so ${file} can't be changed safely. If no other step writes AWS profiles now, delete the lock file.`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(existsSync(`${file}.lock`)).toBe(true);
  });

  it('takes over a lock left by a process that died', () => {
    writeFileSync(`${file}.lock`, '4242');
    const old = (Date.now() - STALE_MS - 1000) / 1000;
    utimesSync(`${file}.lock`, old, old);
    expect(withLock(file, () => 'done', { waitMs: 0 })).toBe('done');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
