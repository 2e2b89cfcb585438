// `npm run bench`: what the action costs every deploy job, measured side by side with the reference action
// (aws-actions/configure-aws-credentials, vendored in __tests__/e2e/reference-action) in ONE run, on the e2e
// world (moto behind the recording STS proxy, GitHub's ID-token endpoint) under Node 24, each process started
// exactly as the runner emulator starts it (same environment, inputs and fresh file-command files) through
// the same measuring spawn. Per round, interleaved: bare `node -e 0`, then the main step via GitHub OIDC, the
// main step via static keys + role and the post step, each run by ours and by the reference (which goes
// first alternates by round; scripts/bench/scenarios.js). Warm-up rounds first, then --rounds measured rounds
// (default 15). The world's start-up is not timed. Prints medians of wall time and peak RSS (scripts/bench/
// measure.js says how), STS requests per run (all of them, as the recording proxy saw them), the JavaScript in
// both actions' dist/, and the issue's targets as PASS/FAIL: every reference figure is the reference's median
// (or count, or bundle size) from this same run, never a figure from another. Writes it all as JSON (--out,
// default bench-results.json at the repository root). It measures whatever dist/ holds: run `npm run package`
// first for a fresh build. The targets are informational: it exits 0 whether they pass or not, and 1 only
// when the world or a run (ours or the reference's) fails.
//
// Besides the loopback figures, a real-network model (scripts/bench/network.js): STS (the recording proxy) and
// the ID-token endpoint behind a TLS 1.3 front each (a throwaway CA made at start, given to both actions as
// NODE_EXTRA_CA_CERTS; the endpoints as https:// URLs: sts-endpoint, ACTIONS_ID_TOKEN_REQUEST_URL) and a link
// adding --sts-rtt / --token-rtt ms of round-trip time that counts the connections opened. After each loopback
// round, the same side first, a network round runs bare node and both main steps of both actions
// (scripts/bench/network-scenarios.js); its table sets each against the path's physical limit (bare node + the
// round trips it needs + the servers' measured time) with the target ≤ 1.3× the limit for ours.
//
//   npm run bench -- [--rounds 15] [--warmup 2] [--out bench-results.json] [--sts-rtt 60] [--token-rtt 30]
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REFERENCE_ACTION, REPO_ROOT } from '../__tests__/e2e/world/tools.js';
import { startWorld } from '../__tests__/e2e/world/world.js';
import { measuringSpawn, median, summary } from './bench/measure.js';
import { bundleSizes, distOlderThanSrc, machineInfo, printReport, referenceName } from './bench/report.js';
import { NETWORK_SCENARIOS, runNetworkRound, summariseNetwork } from './bench/network-scenarios.js';
import { startNetwork } from './bench/network.js';
import { printNetworkReport } from './bench/report.js';
import { ROUND_ORDER, runRound, scenarioOf, SCENARIOS } from './bench/scenarios.js';

/** @typedef {import('./bench/scenarios.js').Scenario} Scenario */
/** @typedef {import('./bench/scenarios.js').Run} Run */
/** @typedef {import('./bench/scenarios.js').Side} Side */
/** @typedef {import('./bench/scenarios.js').Step} Step */
/** @typedef {import('./bench/network-scenarios.js').NetworkScenario} NetworkScenario */
/** @typedef {import('./bench/network-scenarios.js').NetworkRun} NetworkRun */

const SCENARIO_NAMES = /** @type {Scenario[]} */ (Object.keys(SCENARIOS));
const NETWORK_NAMES = /** @type {NetworkScenario[]} */ (Object.keys(NETWORK_SCENARIOS));

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '2' },
      out: { type: 'string' },
      'sts-rtt': { type: 'string', default: '60' },
      'token-rtt': { type: 'string', default: '30' },
    },
  });
  const rounds = Number(values.rounds);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup must be an integer ≥ 0`);
  const rttMs = { sts: Number(values['sts-rtt']), token: Number(values['token-rtt']) };
  for (const [name, ms] of Object.entries(rttMs))
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`--${name}-rtt must be a number of ms ≥ 0`);
  const out =
    values.out === undefined ? path.join(REPO_ROOT, 'bench-results.json') : path.resolve(values.out);
  return { rounds, warmup, out, rttMs };
}

/**
 * Every scenario's runs, warm-up excluded, on loopback and on the real-network model (each round runs the
 * loopback round, then the network round, the same side first in both); the world runs only while they do.
 * @param {number} warmup
 * @param {number} rounds
 * @param {{ sts: number, token: number }} rttMs
 */
async function measureRounds(warmup, rounds, rttMs) {
  const world = await startWorld();
  const meter = measuringSpawn();
  /** @type {import('./bench/network.js').Network | undefined} */
  let network;
  /** @type {Record<Scenario, Run[]>} */
  const runs = /** @type {any} */ (Object.fromEntries(SCENARIO_NAMES.map((name) => [name, []])));
  /** @type {Record<NetworkScenario, NetworkRun[]>} */
  const networkRuns = /** @type {any} */ (Object.fromEntries(NETWORK_NAMES.map((name) => [name, []])));
  try {
    network = await startNetwork(world, rttMs);
    for (let n = 1; n <= warmup + rounds; n++) {
      const label = n <= warmup ? `warm-up round ${n}/${warmup}` : `round ${n - warmup}/${rounds}`;
      if (process.stdout.isTTY) process.stdout.write(`\r${label}   `);
      const referenceFirst = n % 2 === 0;
      const round = await runRound(world, meter, { referenceFirst });
      const networkRound = await runNetworkRound(world, meter, network, { referenceFirst });
      if (n > warmup) {
        for (const name of SCENARIO_NAMES) runs[name].push(round[name]);
        for (const name of NETWORK_NAMES) networkRuns[name].push(networkRound[name]);
      }
    }
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
    return { runs, networkRuns };
  } finally {
    meter.dispose();
    await network?.stop();
    await world.stop();
  }
}

/**
 * Every scenario's medians and ranges; "above bare" subtracts the same bare-node runs from ours and the
 * reference's.
 * @param {Record<Scenario, Run[]>} runs
 */
function summarise(runs) {
  const bareWall = runs.bare.map((run) => run.wallMs);
  const summariseOne = (/** @type {Scenario} */ name) => {
    const list = runs[name];
    const wall = list.map((run) => run.wallMs);
    return {
      ...SCENARIOS[name],
      wallMs: summary(wall),
      aboveBareMs: median(wall) - median(bareWall),
      pairedAboveBareMs: median(wall.map((ms, i) => ms - (bareWall[i] ?? NaN))),
      peakRssMiB: summary(list.map((run) => run.peakRssKiB / 1024)),
      stsRequestsPerRun: summary(list.map((run) => run.stsRequests)),
      stsActions: [...new Set(list.map((run) => run.stsActions.join(' + ') || 'none'))],
      runs: list,
    };
  };
  return /** @type {Record<Scenario, ReturnType<typeof summariseOne>>} */ (
    Object.fromEntries(SCENARIO_NAMES.map((name) => [name, summariseOne(name)]))
  );
}

/**
 * The issue's targets: a ratio to the reference at most `maxRatio`, or a count at most `max`. Both sides'
 * figures come from this run: medians of wall time above bare node (the same bare-node runs for both) and of
 * peak RSS, the most STS requests any measured run made, and the JavaScript in each one's dist/.
 * @param {ReturnType<typeof summarise>} s
 * @param {Record<'ours' | 'reference', ReturnType<typeof bundleSizes>>} bundles
 */
function targets(s, bundles) {
  const of = (/** @type {Side} */ side, /** @type {Step} */ step) => s[scenarioOf(side, step)];
  /** @type {[string, string, (side: Side) => number, { maxRatio?: number, max?: number }][]} */
  const wanted = [
    ['main step (OIDC), wall above bare node', 'ms', (x) => of(x, 'oidc').aboveBareMs, { maxRatio: 0.5 }],
    ['main step (keys), wall above bare node', 'ms', (x) => of(x, 'keys').aboveBareMs, { maxRatio: 0.5 }],
    ['post step, wall above bare node', 'ms', (x) => of(x, 'post').aboveBareMs, { maxRatio: 0.3 }],
    ['peak RSS, main step (OIDC)', 'MiB', (x) => of(x, 'oidc').peakRssMiB.median, { maxRatio: 0.8 }],
    ['peak RSS, main step (keys)', 'MiB', (x) => of(x, 'keys').peakRssMiB.median, { maxRatio: 0.8 }],
    ['STS requests, static keys + role', '', (x) => of(x, 'keys').stsRequestsPerRun.max, { max: 1 }],
    ['STS requests, OIDC', '', (x) => of(x, 'oidc').stsRequestsPerRun.max, { max: 1 }],
    ['dist/ JavaScript shipped', 'MB', (x) => bundles[x].totalBytes / 1e6, { maxRatio: 0.5 }],
    // Issue 12: a job without a token fails at once with its cause, before any request.
    ['fork pull request fails, wall', 'ms', (x) => of(x, 'noToken').wallMs.median, { max: 1000 }],
    ['STS requests, fork pull request', '', (x) => of(x, 'noToken').stsRequestsPerRun.max, { max: 0 }],
    // A later AWS command that runs the refresh-credentials process: ours only, the reference has none.
    [
      'refresh process, cached call / bare node',
      '×',
      (x) => (x === 'ours' ? s.refreshHit.wallMs.median / s.bare.wallMs.median : NaN),
      { max: 1.5 },
    ],
    [
      'STS requests, cached refresh call',
      '',
      (x) => (x === 'ours' ? s.refreshHit.stsRequestsPerRun.max : NaN),
      { max: 0 },
    ],
  ];
  return wanted.map(([figure, unit, pick, { maxRatio, max }]) => {
    const ours = pick('ours');
    const reference = pick('reference');
    return {
      figure,
      ours,
      reference,
      unit,
      ratio: ours / reference,
      target: maxRatio === undefined ? `≤ ${max}` : `≤ ${maxRatio}×`,
      pass: maxRatio === undefined ? ours <= (max ?? 0) : ours / reference <= maxRatio,
    };
  });
}

async function bench() {
  const started = Date.now();
  const { rounds, warmup, out, rttMs } = options();
  const machine = machineInfo();
  const bundles = { ours: bundleSizes(), reference: bundleSizes(REFERENCE_ACTION) };
  const reference = referenceName();
  console.log(
    `Benchmarking dist/ and the reference's side by side under Node ${machine.node}: ${warmup} warm-up + ` +
      `${rounds} measured rounds`,
  );
  console.log(
    'Starting the e2e world (moto, ID-token endpoint, recording STS proxy); its start-up is not timed',
  );
  const { runs, networkRuns } = await measureRounds(warmup, rounds, rttMs);
  const scenarios = summarise(runs);
  const network = summariseNetwork(networkRuns, rttMs);
  const figures = targets(scenarios, bundles);
  const loadAfter = Number((loadavg()[0] ?? 0).toFixed(2));

  const notes = [];
  if (distOlderThanSrc(bundles.ours.files))
    notes.push('src/ has changes newer than dist/: `npm run package` builds it.');
  if (Math.max(machine.loadAverage[0] ?? 0, loadAfter) > machine.cores / 2) {
    notes.push(`the machine was busy (1-min load ${machine.loadAverage[0]} before, ${loadAfter} after).`);
  }
  if (warmup < 2)
    notes.push(`only ${warmup} warm-up round${warmup === 1 ? '' : 's'}: the issue asks for at least 2.`);
  if (rounds < 15) notes.push(`only ${rounds} rounds: the issue's figures are medians of at least 15.`);
  for (const [name, scenario] of Object.entries(scenarios)) {
    const killed = scenario.runs.filter((run) => run.killed).length;
    if (killed > 0)
      notes.push(
        `${name}: ${killed} of ${scenario.runs.length} runs were still going at the step timeout and were killed; their wall time is the time until then.`,
      );
  }

  const config = {
    rounds,
    warmup,
    reference,
    scenarios: SCENARIO_NAMES,
    order: ROUND_ORDER,
    peakRss: 'GNU time %M (ru_maxrss)',
    network: {
      rttMs,
      model:
        'per endpoint: a TCP link adding RTT (connection established after 1 RTT, each chunk RTT/2 each way) ' +
        'in front of a TLS 1.3 front (throwaway CA via NODE_EXTRA_CA_CERTS) in front of the world server',
      order: 'after each loopback round: bare node; main step (OIDC) of both; main step (keys) of both',
    },
  };
  printReport({ machine, config, scenarios, bundles, figures, notes });
  printNetworkReport(network);
  const durationS = (Date.now() - started) / 1000;
  const results = {
    machine: { ...machine, loadAfter },
    config,
    figures,
    networkFigures: network.figures,
    notes,
  };
  writeFileSync(out, `${JSON.stringify({ ...results, scenarios, network, bundles, durationS }, null, 2)}\n`);
  console.log(`\nWrote ${out} · the bench took ${durationS.toFixed(1)} s`);
}

bench().catch((error) => {
  console.error(`\nnpm run bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
