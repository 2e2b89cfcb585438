// The bench's scenarios: bare node, then each step (main via GitHub OIDC, main via static keys, post) run by
// both actions, ours and the vendored reference, once each per round, every process started by the runner
// emulator (its environment, inputs and fresh file-command files) through the same measuring spawn.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { maskedLog } from '../../__tests__/e2e/world/log-view.js';
import { NODE24, REFERENCE_ACTION, REPO_ROOT } from '../../__tests__/e2e/world/tools.js';

/** @typedef {'ours' | 'reference'} Side */
/** @typedef {'oidc' | 'keys' | 'post' | 'noToken'} Step */
/**
 * @typedef {'bare' | 'oidc' | 'keys' | 'post' | 'noToken' | 'referenceOidc' | 'referenceKeys' | 'referencePost'
 *   | 'referenceNoToken' | 'refreshMiss' | 'refreshHit'} Scenario
 */

/** Each side's action directory, as `job.uses(inputs, { action })` takes it. */
export const ACTIONS = /** @type {const} */ ({ ours: REPO_ROOT, reference: REFERENCE_ACTION });

/** @type {Record<Step, string>} */
const STEPS = {
  oidc: 'main step, GitHub OIDC + role',
  keys: 'main step, static keys + role',
  post: 'post step',
  noToken: 'main step, fork pull request: fails (no OIDC token)',
};

/**
 * Every scenario, in the order the report lists them (each step: ours, then the reference's).
 * @type {Record<Scenario, { label: string, side?: Side, step?: Step }>}
 */
export const SCENARIOS = {
  bare: { label: 'bare node -e 0' },
  oidc: { label: STEPS.oidc, side: 'ours', step: 'oidc' },
  referenceOidc: { label: STEPS.oidc, side: 'reference', step: 'oidc' },
  keys: { label: STEPS.keys, side: 'ours', step: 'keys' },
  referenceKeys: { label: STEPS.keys, side: 'reference', step: 'keys' },
  post: { label: STEPS.post, side: 'ours', step: 'post' },
  referencePost: { label: STEPS.post, side: 'reference', step: 'post' },
  noToken: { label: STEPS.noToken, side: 'ours', step: 'noToken' },
  referenceNoToken: { label: STEPS.noToken, side: 'reference', step: 'noToken' },
  // refresh-credentials (ours only: the reference has none): the credential_process a later AWS command runs.
  refreshMiss: { label: 'refresh-credentials process, first call (token + STS)' },
  refreshHit: { label: 'refresh-credentials process, later call (cached)' },
};

/** The event of a pull request from a fork: GitHub gives its jobs no OIDC token (and no secrets). */
const FORK_PULL_REQUEST = {
  name: 'pull_request',
  payload: {
    number: 1,
    pull_request: {
      number: 1,
      head: { ref: 'feature', repo: { full_name: 'mallory/octo-repo', fork: true } },
      base: { ref: 'main', repo: { full_name: 'octo-org/octo-repo', fork: false } },
    },
  },
};

/**
 * A step still running after this is killed and fails the bench: a healthy one takes well under a second, and
 * the reference retries a failing STS call with backoff for minutes (the default would wait 60 s).
 */
const STEP_TIMEOUT_MS = 15_000;

/**
 * The fork pull request's step must fail; one still running after this is killed and counted at this time
 * (`killed`): the reference retries loading credentials 12 times with backoff, which takes minutes.
 */
const NO_TOKEN_TIMEOUT_MS = 5_000;

/** How one round orders its processes (also written to bench-results.json). */
export const ROUND_ORDER =
  'bare node; main step (OIDC) of both actions; main step (keys) of both; post step of both; ' +
  'main step of a fork pull request (no OIDC token, must fail) of both; ' +
  'our refresh-credentials process, its first call and a later (cached) one. ' +
  'Ours runs first in odd rounds, the reference first in even ones (warm-up rounds included).';

/**
 * @param {Side} side
 * @param {Step} step
 * @returns {Scenario}
 */
export function scenarioOf(side, step) {
  return side === 'ours'
    ? step
    : /** @type {Scenario} */ (`reference${step[0]?.toUpperCase()}${step.slice(1)}`);
}

/**
 * @typedef {object} Run  one measured process
 * @property {number} wallMs
 * @property {number} peakRssKiB
 * @property {number} stsRequests  what the recording proxy saw while it ran (every request, GetCallerIdentity too)
 * @property {string[]} stsActions
 * @property {boolean} [killed]  the runner killed it after its step timeout (only where a scenario allows it)
 */

/**
 * The main step's inputs in both shapes every round measures: GitHub OIDC + role, and access keys + role.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {string} stsEndpoint
 */
export function stepInputs(world, stsEndpoint) {
  const inputs = {
    'aws-region': world.region,
    'sts-endpoint': stsEndpoint,
    'role-to-assume': world.account.deployRole,
  };
  const keysInputs = {
    ...inputs,
    'aws-access-key-id': world.account.accessKeyId,
    'aws-secret-access-key': world.account.secretAccessKey,
  };
  return { inputs, keysInputs };
}

/**
 * One round: bare `node -e 0` (a `run:` step of a job with id-token: write, before any other step); then, for
 * each side in turn (`referenceFirst` swaps them), the main step with GitHub OIDC (a job with id-token: write),
 * then the main step with static keys (a job without it), then the post step of that side's OIDC job, with
 * the STATE_* and the job environment its main step left. Every side has its own jobs, so neither action
 * sees what the other exported. Throws, with the step's log, when a run fails or STS was not asked for the
 * role the scenario is about; extra STS requests are counted, not refused.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {ReturnType<typeof import('./measure.js').measuringSpawn>} meter
 * @param {{ referenceFirst?: boolean }} [options]
 * @returns {Promise<Record<Scenario, Run>>}
 */
export async function runRound(world, meter, { referenceFirst = false } = {}) {
  const { account } = world;
  const { inputs, keysInputs } = stepInputs(world, world.stsEndpoint);
  /** @type {Side[]} */
  const sides = referenceFirst ? ['reference', 'ours'] : ['ours', 'reference'];
  const newJob = (/** @type {boolean} */ idToken, event = undefined) =>
    world.newJob({
      idToken,
      event,
      spawn: meter.spawn,
      stepTimeoutMs: event === undefined ? STEP_TIMEOUT_MS : NO_TOKEN_TIMEOUT_MS,
    });
  const bareJob = newJob(true);
  const jobs = {
    ours: {
      oidc: newJob(true),
      keys: newJob(false),
      noToken: newJob(false, FORK_PULL_REQUEST),
      refresh: newJob(true),
    },
    reference: { oidc: newJob(true), keys: newJob(false), noToken: newJob(false, FORK_PULL_REQUEST) },
  };
  const who = (/** @type {Side} */ side) => (side === 'ours' ? 'our' : "the reference's");
  try {
    /** @type {Partial<Record<Scenario, Run>>} */
    const round = {
      bare: await measure(world, meter, bareJob, 'bare node', () => bareJob.run([NODE24, '-e', '0'])),
    };
    for (const side of sides) {
      round[scenarioOf(side, 'oidc')] = await measure(
        world,
        meter,
        jobs[side].oidc,
        `${who(side)} main step (OIDC)`,
        () => jobs[side].oidc.uses(inputs, { action: ACTIONS[side] }),
        (call) => call.action === 'AssumeRoleWithWebIdentity' && call.params.RoleArn === account.deployRole,
      );
    }
    for (const side of sides) {
      round[scenarioOf(side, 'keys')] = await measure(
        world,
        meter,
        jobs[side].keys,
        `${who(side)} main step (keys)`,
        () => jobs[side].keys.uses(keysInputs, { action: ACTIONS[side] }),
        (call) =>
          call.action === 'AssumeRole' &&
          call.params.RoleArn === account.deployRole &&
          call.signingKeyId === account.accessKeyId,
      );
    }
    for (const side of sides) {
      round[scenarioOf(side, 'post')] = await measure(
        world,
        meter,
        jobs[side].oidc,
        `${who(side)} post step`,
        async () => {
          const [post] = await jobs[side].oidc.post();
          if (post === undefined || 'skipped' in post) throw new Error(`${who(side)} post step did not run`);
          return post;
        },
      );
    }
    for (const side of sides) {
      round[scenarioOf(side, 'noToken')] = await measure(
        world,
        meter,
        jobs[side].noToken,
        `${who(side)} main step (fork pull request)`,
        () => jobs[side].noToken.uses(inputs, { action: ACTIONS[side] }),
        undefined,
        { exitCode: 1, killedAfterMs: NO_TOKEN_TIMEOUT_MS },
      );
    }
    const { miss, hit } = await refreshCalls(world, meter, jobs.ours.refresh, inputs);
    round.refreshMiss = miss;
    round.refreshHit = hit;
    return /** @type {Record<Scenario, Run>} */ (round);
  } finally {
    for (const job of [bareJob, ...Object.values(jobs.ours), ...Object.values(jobs.reference)]) job.dispose();
  }
}

/**
 * Runs one process and returns its figures and the STS requests made meanwhile. A run that fails, or that the
 * runner gave up on (it did not finish in time), throws with the step's log as the runner shows it (masked).
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {ReturnType<typeof import('./measure.js').measuringSpawn>} meter
 * @param {import('../../__tests__/e2e/world/runner.js').Job} job  the job the process runs in
 * @param {string} what
 * @param {() => Promise<{ exitCode: number | null, display?: string, stderr?: string }>} start
 * @param {(call: import('../../__tests__/e2e/world/recording-proxy.js').RecordedRequest) => boolean} [expected]
 *   the STS call that must have succeeded
 * @param {{ exitCode?: number, killedAfterMs?: number }} [ending]  the exit code the step must end with (1 for
 *   a scenario that must fail), and whether a step the runner kills after its timeout is counted (at that time)
 *   instead of failing the bench
 * @returns {Promise<Run>}
 */
export async function measure(
  world,
  meter,
  job,
  what,
  start,
  expected,
  { exitCode = 0, killedAfterMs } = {},
) {
  world.sts.clear();
  let step;
  try {
    step = await start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (killedAfterMs !== undefined && message.includes(`did not finish within ${killedAfterMs} ms`)) {
      const calls = [...world.sts.requests];
      const figures = await meter.takeWhenEnded();
      return {
        ...figures,
        stsRequests: calls.length,
        stsActions: calls.map((call) => call.action),
        killed: true,
      };
    }
    throw new Error(`${what}: ${message}${logTail(lastStepLog(job))}`, { cause: error });
  }
  const figures = meter.take();
  const calls = [...world.sts.requests];
  if (step.exitCode !== exitCode) {
    const log = step.display ?? step.stderr ?? ''; // display is masked as the runner shows it
    throw new Error(`${what} exited with ${step.exitCode}, not ${exitCode}:${logTail(log)}`);
  }
  if (expected && !calls.some((call) => expected(call) && call.status === 200)) {
    const seen = calls.map((call) => `${call.action} → HTTP ${call.status}`).join(', ') || 'nothing';
    throw new Error(`${what}: STS was not asked for what the scenario needs; it saw ${seen}`);
  }
  return { ...figures, stsRequests: calls.length, stsActions: calls.map((call) => call.action) };
}

/** @param {string} log */
function logTail(log) {
  return log === '' ? '' : `\n${log.slice(-3000)}`;
}

/**
 * The log of the job's latest action step (the runner writes each to <job root>/step-N.log) as the runner
 * shows it, secrets masked; '' when it has none.
 * @param {import('../../__tests__/e2e/world/runner.js').Job} job
 */
function lastStepLog(job) {
  const numbered = readdirSync(job.root).flatMap((name) => {
    const n = /^step-(\d+)\.log$/.exec(name)?.[1];
    return n === undefined ? [] : [{ name, n: Number(n) }];
  });
  const last = numbered.sort((a, b) => b.n - a.n)[0];
  if (last === undefined) return '';
  return maskedLog(readFileSync(path.join(job.root, last.name), 'utf8'), { masks: job.masks });
}

/**
 * Our main step with refresh-credentials (not measured), then the credential_process its config names, run as a
 * later AWS command runs it: the first call gets a token and assumes the role, a later one answers from the
 * cache. Throws when a call fails or the later one made a request.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {ReturnType<typeof import('./measure.js').measuringSpawn>} meter
 * @param {import('../../__tests__/e2e/world/runner.js').Job} job
 * @param {Record<string, string>} inputs
 * @returns {Promise<{ miss: Run, hit: Run }>}
 */
async function refreshCalls(world, meter, job, inputs) {
  const main = await job.uses({ ...inputs, 'refresh-credentials': 'true' }, { action: ACTIONS.ours });
  meter.take();
  if (main.exitCode !== 0)
    throw new Error(`our main step with refresh-credentials failed:${logTail(main.display)}`);
  const config = job.env.AWS_CONFIG_FILE ?? '';
  const line = /^credential_process = (.*)$/m.exec(readFileSync(config, 'utf8'))?.[1] ?? '';
  const argv = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map(([, quoted, bare]) => quoted ?? bare ?? '');
  if (argv.length < 3) throw new Error(`no credential_process in ${config}`);
  const call = (/** @type {string} */ what) =>
    measure(world, meter, job, what, () => job.run(argv), undefined);
  return {
    miss: await call('refresh-credentials process (first call)'),
    hit: await call('refresh-credentials process (later call)'),
  };
}
