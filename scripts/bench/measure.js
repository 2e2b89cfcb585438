// How the bench measures one process: a spawn() for the runner emulator's Job that starts the step through
// GNU time and records, per process, the wall time from spawn to exit and the peak RSS.
//
// Peak RSS: `/usr/bin/time -f %M` reports ru_maxrss from wait4(), the kernel's own high-water mark of the
// process's resident set (the same counter as /proc/<pid>/status VmHWM), read after the process has ended, so
// nothing is sampled and nothing can be missed. Reading VmHWM "just before exit" would need polling that races
// the exit, so it is not used. GNU time forks and execs the command, so the figure is the Node process alone.
// Wall time: performance.now() from spawn() to the child's 'exit' event, in the bench's process. It includes
// GNU time's own fork+exec (well under 1 ms, the same for every scenario, so it cancels in "above bare node").
// Killing: GNU time passes no signal on, so the child's kill() (the runner's step timeout) signals the process
// GNU time started, and GNU time exits after it; a timed-out step is not left running.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export const GNU_TIME = '/usr/bin/time';

/**
 * @typedef {object} Measured
 * @property {number} wallMs
 * @property {number} peakRssKiB
 */

/**
 * A spawn() that measures every process it starts; `take()` returns (and forgets) the last one's figures,
 * `takeWhenEnded()` the same once that process has ended (after the runner killed it, it ends a moment later).
 * @returns {{ spawn: typeof spawn, take: () => Measured, takeWhenEnded: () => Promise<Measured>,
 *   dispose: () => void }}
 */
export function measuringSpawn() {
  try {
    accessSync(GNU_TIME, constants.X_OK);
  } catch {
    throw new Error(`${GNU_TIME} (GNU time) is needed to measure peak RSS: apt-get install time`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'assume-aws-role-bench-'));
  let count = 0;
  /** @type {{ rssFile: string, started: number, wallMs?: number | undefined } | undefined} */
  let last;
  /** @type {(program: string, args: string[], options: import('node:child_process').SpawnOptions) => any} */
  const measured = (program, args, options) => {
    const rssFile = path.join(dir, `rss-${++count}`);
    const run = {
      rssFile,
      started: performance.now(),
      wallMs: /** @type {number | undefined} */ (undefined),
    };
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', rssFile, program, ...args], options);
    child.once('exit', () => (run.wallMs = performance.now() - run.started));
    const killTime = child.kill.bind(child);
    child.kill = (/** @type {NodeJS.Signals | number | undefined} */ signal) => {
      const started = childrenOf(child.pid);
      for (const pid of started) {
        try {
          process.kill(pid, signal ?? 'SIGTERM');
        } catch {
          // it has just ended
        }
      }
      return started.length > 0 || killTime(signal);
    };
    last = run;
    return child;
  };
  return {
    spawn: /** @type {typeof spawn} */ (measured),
    take() {
      if (last?.wallMs === undefined) throw new Error('no measured process has ended');
      // On a non-zero exit GNU time writes "Command exited with non-zero status N" first; %M is the last line.
      const lines = readFileSync(last.rssFile, 'utf8').trim().split('\n');
      const peakRssKiB = Number(lines.at(-1));
      if (!Number.isFinite(peakRssKiB)) throw new Error(`GNU time wrote ${JSON.stringify(lines.join('\n'))}`);
      const result = { wallMs: last.wallMs, peakRssKiB };
      last = undefined;
      return result;
    },
    async takeWhenEnded() {
      for (let waited = 0; last !== undefined && last.wallMs === undefined && waited < 5000; waited += 10)
        await sleep(10);
      return this.take();
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The processes `pid` started and that still run (Linux: /proc/<pid>/task/<pid>/children); [] when unknown.
 * @param {number | undefined} pid
 * @returns {number[]}
 */
function childrenOf(pid) {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * Median, min, max and the interquartile range of a sample.
 * @param {number[]} values
 */
export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return {
    median: median(sorted),
    min: sorted[0] ?? NaN,
    max: sorted.at(-1) ?? NaN,
    q1: median(sorted.slice(0, half)),
    q3: median(sorted.slice(sorted.length - half)),
  };
}
