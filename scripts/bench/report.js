// What `npm run bench` reports besides the timings: the machine, both actions' bundles in dist/, and plain-text
// tables.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { NODE24, REFERENCE_ACTION, REPO_ROOT } from '../../__tests__/e2e/world/tools.js';

/** The machine and the build being measured. */
export function machineInfo() {
  const cpus = os.cpus();
  const git = (/** @type {string[]} */ args) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
    node: execFileSync(NODE24, ['--version'], { encoding: 'utf8' }).trim(),
    benchNode: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedInDistOrSrc: (git(['status', '--porcelain', '--', 'dist', 'src']) ?? '') !== '',
  };
}

/**
 * Every .js/.mjs/.cjs file under an action's dist/ (bundles and chunks) with its size, gzip size and hash; paths
 * are relative to the repository root.
 * @param {string} [action]  the action's directory: ours (REPO_ROOT) unless given
 */
export function bundleSizes(action = REPO_ROOT) {
  const dist = path.join(action, 'dist');
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.[cm]?js$/.test(name) && statSync(path.join(dist, name)).isFile())
    .sort()
    .map((name) => {
      const content = readFileSync(path.join(dist, name));
      return {
        path: path.relative(REPO_ROOT, path.join(dist, name)),
        bytes: content.length,
        gzipBytes: gzipSync(content).length,
        sha256: createHash('sha256').update(content).digest('hex').slice(0, 16),
      };
    });
  const total = (/** @type {'bytes' | 'gzipBytes'} */ key) => files.reduce((sum, file) => sum + file[key], 0);
  return { files, totalBytes: total('bytes'), totalGzipBytes: total('gzipBytes') };
}

/** What the vendored reference is, as its README names it ("`owner/name` vX.Y.Z"), else its directory. */
export function referenceName() {
  const where = path.relative(REPO_ROOT, REFERENCE_ACTION);
  try {
    const readme = readFileSync(path.join(REFERENCE_ACTION, 'README.md'), 'utf8');
    const named = /`([\w.-]+\/[\w.-]+)` (v\d+\.\d+\.\d+)/.exec(readme);
    if (named) return `${named[1]} ${named[2]} (vendored in ${where})`;
  } catch {
    // no README: the directory says enough
  }
  return where;
}

/** Whether some file under src/ is newer than the oldest bundle: dist/ may not be the build of src/. */
export function distOlderThanSrc(/** @type {{ path: string }[]} */ bundles) {
  const mtime = (/** @type {string} */ file) => statSync(path.join(REPO_ROOT, file)).mtimeMs;
  const oldestBundle = Math.min(...bundles.map((bundle) => mtime(bundle.path)));
  return readdirSync(path.join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' }).some(
    (name) => mtime(path.join('src', name)) > oldestBundle,
  );
}

/**
 * A plain-text table: the first row is the header; columns after the first are right-aligned.
 * @param {string[][]} rows
 */
export function table(rows) {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (/** @type {string[]} */ row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const [header = [], ...body] = rows;
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

/**
 * The human-readable report: machine, per-scenario medians of both actions, bundles, and the targets with
 * PASS/FAIL, ours against the reference's figures from the same run.
 * @param {{ machine: ReturnType<typeof machineInfo>, config: { rounds: number, warmup: number, reference: string },
 *   scenarios: Record<string, any>, bundles: Record<'ours' | 'reference', ReturnType<typeof bundleSizes>>,
 *   figures: any[], notes: string[] }} results
 */
export function printReport({ machine, config, scenarios, bundles, figures, notes }) {
  const fmt = (/** @type {number} */ value, digits = 1) => value.toFixed(digits);
  const range = (/** @type {{ min: number, max: number }} */ s) =>
    s.min === s.max ? String(s.max) : `${s.min}–${s.max}`;
  console.log(
    `\nMachine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.kernel}`,
  );
  console.log(`Node ${machine.node} runs every step (as runs.using: node24) · ${machine.date}`);
  console.log(
    `dist/ at ${machine.commit ?? '?'}${machine.uncommittedInDistOrSrc ? ' + uncommitted changes' : ''}`,
  );
  console.log(`Reference: ${config.reference}`);
  console.log(
    `\n${config.rounds} measured rounds after ${config.warmup} warm-up, both actions and bare node interleaved in ` +
      'each. Medians; wall = spawn → exit, "above bare" = median − median of bare node, "paired" = median of ' +
      'per-round differences.\n',
  );
  console.log(
    table([
      [
        'scenario',
        'action',
        'wall ms',
        'IQR ms',
        'above bare',
        'paired',
        'peak RSS MiB',
        'STS/run',
        'STS requests',
      ],
      ...Object.values(scenarios).map((s) => [
        s.label,
        s.side ?? '',
        fmt(s.wallMs.median),
        `${fmt(s.wallMs.q1)}–${fmt(s.wallMs.q3)}`,
        fmt(s.aboveBareMs),
        fmt(s.pairedAboveBareMs),
        fmt(s.peakRssMiB.median),
        range(s.stsRequestsPerRun),
        s.stsActions.join(' | '),
      ]),
    ]),
  );
  console.log("\nJavaScript under dist/ (all bundles and chunks), ours and the reference's\n");
  console.log(
    table([
      ['file', 'bytes', 'gzip'],
      ...Object.entries(bundles).flatMap(([side, sizes]) => [
        ...sizes.files.map((file) => [file.path, String(file.bytes), String(file.gzipBytes)]),
        [`total (${side})`, String(sizes.totalBytes), String(sizes.totalGzipBytes)],
      ]),
    ]),
  );
  console.log('\nTargets: ours vs the reference action, both measured in this run\n');
  // A figure one action doesn't have (the reference has no refresh-credentials) shows as –.
  const value = (/** @type {number} */ v, /** @type {string} */ unit) =>
    Number.isFinite(v) ? `${fmt(v, { MB: 2, ms: 1, MiB: 1, '×': 2 }[unit] ?? 0)} ${unit}`.trim() : '–';
  console.log(
    table([
      ['figure', 'ours', 'reference', 'ratio', 'target', 'result'],
      ...figures.map((f) => [
        f.figure,
        value(f.ours, f.unit),
        value(f.reference, f.unit),
        Number.isFinite(f.ratio) ? `${fmt(f.ratio, 2)}×` : '–',
        f.target,
        f.pass ? 'PASS' : 'FAIL',
      ]),
    ]),
  );
  if (notes.length > 0) console.log(`\nNotes:\n${notes.map((note) => `- ${note}`).join('\n')}`);
}

/**
 * The real-network model's table: per scenario the median wall time, STS requests and connections opened at
 * each link (against what the path needs), and per path ours and the reference's against the physical limit.
 * @param {ReturnType<typeof import('./network-scenarios.js').summariseNetwork>} network
 */
export function printNetworkReport({ rttMs, bareMs, serverMs, limits, scenarios, timeline, figures }) {
  const fmt = (/** @type {number} */ value, digits = 1) => value.toFixed(digits);
  const range = (/** @type {{ min: number, max: number }} */ s) =>
    s.min === s.max ? String(s.max) : `${s.min}–${s.max}`;
  const reference = (/** @type {string | undefined} */ path) =>
    path === undefined ? undefined : scenarios[path === 'oidc' ? 'referenceOidc' : 'referenceKeys'];
  console.log(
    `\nReal-network model (TLS, RTT ${rttMs.sts}/${rttMs.token} ms): STS at ${rttMs.sts} ms RTT, the ID-token ` +
      `endpoint at ${rttMs.token} ms, both over TLS 1.3 (throwaway CA); a link in front of each adds the RTT ` +
      'and counts the connections opened. Limit = bare node + the round trips the path needs + server time ' +
      '(scripts/bench/network-scenarios.js, physicalLimits).',
  );
  console.log(
    `Bare node ${fmt(bareMs)} ms · server time (median per exchange): STS ${fmt(serverMs.oidc.sts)} ms ` +
      `(OIDC runs), ${fmt(serverMs.keys.sts)} ms (keys runs), token ${fmt(serverMs.oidc.token)} ms · limit ` +
      `OIDC ${fmt(limits.oidc)} ms, keys ${fmt(limits.keys)} ms\n`,
  );
  console.log(
    table([
      [
        'scenario',
        'action',
        'wall ms',
        'IQR ms',
        'limit ms',
        '× limit',
        '× ref',
        'STS/run',
        'conns STS',
        'conns token',
        '1st conn at',
        'STS requests',
      ],
      ...Object.values(scenarios).map((s) => {
        const other = reference(s.path);
        const needed = s.neededConnections;
        return [
          s.label,
          s.side ?? '',
          fmt(s.wallMs.median),
          `${fmt(s.wallMs.q1)}–${fmt(s.wallMs.q3)}`,
          s.limitMs === undefined ? '' : fmt(s.limitMs),
          s.timesLimit === undefined ? '' : `${fmt(s.timesLimit, 2)}×`,
          other === undefined ? '' : `${fmt(s.wallMs.median / other.wallMs.median, 2)}×`,
          range(s.stsRequestsPerRun),
          `${range(s.stsConnectionsPerRun)}${needed ? ` (need ${needed.sts})` : ''}`,
          `${range(s.tokenConnectionsPerRun)}${needed ? ` (need ${needed.token})` : ''}`,
          Number.isFinite(s.firstConnectionMs.median) ? `${fmt(s.firstConnectionMs.median)} ms` : '',
          s.stsActions.join(' | '),
        ];
      }),
    ]),
  );
  console.log(`\nTargets, real-network model (TLS, RTT ${rttMs.sts}/${rttMs.token} ms)\n`);
  console.log(
    table([
      ['figure', 'limit', 'ours', '× limit', 'reference', '× limit', 'ours/ref', 'target', 'result'],
      ...figures.map((f) => [
        f.figure,
        `${fmt(f.limitMs)} ms`,
        `${fmt(f.ours)} ms`,
        `${fmt(f.oursTimesLimit, 2)}×`,
        `${fmt(f.reference)} ms`,
        `${fmt(f.referenceTimesLimit, 2)}×`,
        `${fmt(f.ratioToReference, 2)}×`,
        f.target,
        f.pass ? 'PASS' : 'FAIL',
      ]),
    ]),
  );
  console.log("\nWhere the time goes (medians, ms after the step was started, from the links' clocks)\n");
  for (const [name, t] of Object.entries(timeline)) {
    const s = scenarios[name];
    const parts = [
      `first connection at ${fmt(t.firstConnectionMs)} ms (${fmt(t.startupBeyondBareMs)} ms of start-up beyond bare node)`,
    ];
    if (t.tokenFetchMs !== undefined)
      parts.push(`token fetch ${fmt(t.tokenFetchMs)} ms (needs ${fmt(t.tokenFetchNeededMs)})`);
    if (t.stsOpenedAfterTokenMs !== undefined)
      parts.push(
        `STS connection opened ${fmt(t.stsOpenedAfterTokenMs)} ms after the token's answer (ideal: before it, alongside the token fetch)`,
      );
    const extra = s.stsConnectionsPerRun.max - (s.neededConnections?.sts ?? 0);
    if (extra > 0)
      parts.push(
        `${extra} STS connection${extra === 1 ? '' : 's'} more than needed (≥ ${3 * rttMs.sts} ms each)`,
      );
    console.log(`- ${s.label}, ${s.side}: ${parts.join('; ')}`);
  }
}
