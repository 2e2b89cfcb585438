// The bench's four scenarios, run once each per round in this order, every process started by the runner
// emulator (its environment, inputs and fresh file-command files) through the measuring spawn.
import { NODE24 } from '../../__tests__/e2e/world/tools.js';

/** @typedef {'bare' | 'oidc' | 'keys' | 'post'} Scenario */

/** @type {Record<Scenario, string>} */
export const SCENARIOS = {
  bare: 'bare node -e 0',
  oidc: 'main step, GitHub OIDC + role',
  keys: 'main step, static keys + role',
  post: 'post step',
};

/**
 * @typedef {object} Run  one measured process
 * @property {number} wallMs
 * @property {number} peakRssKiB
 * @property {number} stsRequests  what the recording proxy saw while it ran
 * @property {string[]} stsActions
 */

/**
 * One round, in order: bare `node -e 0` (a `run:` step of the OIDC job); the main step with GitHub OIDC (the
 * job has id-token: write); the main step with static keys (a job without it); the post step of the OIDC job,
 * with the STATE_* and the job environment its main step left. Throws when a run fails or STS was not asked
 * for the role the scenario is about; extra STS requests are counted, not refused.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {ReturnType<typeof import('./measure.js').measuringSpawn>} meter
 * @returns {Promise<Record<Scenario, Run>>}
 */
export async function runRound(world, meter) {
  const { account } = world;
  const inputs = {
    'aws-region': world.region,
    'sts-endpoint': world.stsEndpoint,
    'role-to-assume': account.deployRole,
  };
  const oidcJob = world.newJob({ idToken: true, spawn: meter.spawn });
  const keysJob = world.newJob({ spawn: meter.spawn });
  try {
    return {
      bare: await measure(world, meter, 'bare node', () => oidcJob.run([NODE24, '-e', '0'])),
      oidc: await measure(
        world,
        meter,
        'main step (OIDC)',
        () => oidcJob.uses(inputs),
        (call) => call.action === 'AssumeRoleWithWebIdentity' && call.params.RoleArn === account.deployRole,
      ),
      keys: await measure(
        world,
        meter,
        'main step (keys)',
        () =>
          keysJob.uses({
            ...inputs,
            'aws-access-key-id': account.accessKeyId,
            'aws-secret-access-key': account.secretAccessKey,
          }),
        (call) =>
          call.action === 'AssumeRole' &&
          call.params.RoleArn === account.deployRole &&
          call.signingKeyId === account.accessKeyId,
      ),
      post: await measure(world, meter, 'post step', async () => {
        const [post] = await oidcJob.post();
        if (post === undefined || 'skipped' in post) throw new Error('the post step did not run');
        return post;
      }),
    };
  } finally {
    oidcJob.dispose();
    keysJob.dispose();
  }
}

/**
 * Runs one process and returns its figures and the STS requests made meanwhile.
 * @param {import('../../__tests__/e2e/world/world.js').World} world
 * @param {ReturnType<typeof import('./measure.js').measuringSpawn>} meter
 * @param {string} what
 * @param {() => Promise<{ exitCode: number | null, display?: string, stderr?: string }>} start
 * @param {(call: import('../../__tests__/e2e/world/recording-proxy.js').RecordedRequest) => boolean} [expected]
 *   the STS call that must have succeeded
 * @returns {Promise<Run>}
 */
async function measure(world, meter, what, start, expected) {
  world.sts.clear();
  const step = await start();
  const figures = meter.take();
  const calls = [...world.sts.requests];
  if (step.exitCode !== 0) {
    const log = step.display ?? step.stderr ?? ''; // display is masked as the runner shows it
    throw new Error(`${what} exited with ${step.exitCode}:\n${log.slice(-3000)}`);
  }
  if (expected && !calls.some((call) => expected(call) && call.status === 200)) {
    const seen = calls.map((call) => `${call.action} → HTTP ${call.status}`).join(', ') || 'nothing';
    throw new Error(`${what}: STS was not asked for what the scenario needs; it saw ${seen}`);
  }
  return { ...figures, stsRequests: calls.length, stsActions: calls.map((call) => call.action) };
}
