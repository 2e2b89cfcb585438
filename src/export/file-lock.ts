import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { ActionError } from '../errors.js';

// Steps that run at the same time (a composite action, `&` in a script, two jobs on one self-hosted runner's
// HOME) may write profiles into the same shared files. Each read-modify-write of a file holds `<file>.lock`,
// created exclusively, so no writer loses another's section; a lock older than STALE_MS is from a process that
// died, and is taken over.

/** A lock older than this was left by a process that died. */
export const STALE_MS = 30_000;
/** How long a writer waits for another before it gives up. */
const WAIT_MS = 10_000;
const POLL_MS = 25;

/** Runs `work` holding the lock of `file` (whose folder must exist); waits while another process holds it. */
export function withLock<T>(file: string, work: () => T, { waitMs = WAIT_MS } = {}): T {
  const lock = `${file}.lock`;
  const giveUp = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (takeOverStale(lock)) continue;
      if (Date.now() > giveUp) {
        throw new ActionError(
          `Another process has held ${lock} for more than ${waitMs / 1000} s, so ${file} can't be changed safely. If no other step writes AWS profiles now, delete the lock file.`,
        );
      }
      sleep(POLL_MS);
    }
  }
  try {
    return work();
  } finally {
    unlinkSync(lock);
  }
}

function takeOverStale(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs <= STALE_MS) return false;
    unlinkSync(lock);
    return true;
  } catch (error) {
    // Gone meanwhile: its holder finished; try again.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** A synchronous pause (the profile writers are synchronous, and so stay all or nothing). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
