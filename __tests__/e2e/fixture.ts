// What every e2e test file shares: one world per file, and action steps that are checked for leaked secrets.
import { afterAll, beforeAll, expect } from '@jest/globals';
import { credentialsIn, findLeaks, type NamedSecret } from './leaks.js';
import type { ActionStep, Job } from './world/runner.js';
import { startWorld, type World } from './world/world.js';

/** Starts the world before the file's tests and stops it after them; returns a getter for it. */
export function useWorld(): () => World {
  let world: World | undefined;
  beforeAll(async () => {
    world = await startWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.stop();
  });
  return () => {
    if (world === undefined) throw new Error('The test world did not start (see the beforeAll error)');
    return world;
  };
}

type Inputs = Record<string, string | number | boolean>;

/**
 * A `uses:` step of the action (ours, or the one in `options.action`) with the world's region and STS endpoint
 * (the recording proxy), then the secrets rule on its raw output.
 */
export async function runAction(
  world: World,
  job: Job,
  inputs: Inputs,
  options: { id?: string; env?: Record<string, string>; actionRef?: string; action?: string } = {},
): Promise<ActionStep> {
  const step = await job.uses(
    { 'aws-region': world.region, 'sts-endpoint': world.stsEndpoint, ...inputs },
    options,
  );
  expectNoLeaks(world, step, inputs);
  return step;
}

/** The job's post steps, each checked by the secrets rule. */
export async function runPost(world: World, job: Job): Promise<ActionStep[]> {
  const steps = [];
  for (const step of await job.post()) {
    if ('skipped' in step) continue;
    expectNoLeaks(world, step, {});
    steps.push(step);
  }
  return steps;
}

/** Every secret the world has handed out so far, plus the secret inputs of this step. */
export function worldSecrets(world: World, inputs: Inputs = {}): NamedSecret[] {
  const given = (name: string): NamedSecret[] =>
    typeof inputs[name] === 'string' && inputs[name] !== ''
      ? [{ name: `${name} input`, value: inputs[name] }]
      : [];
  return [
    { name: 'source secret key', value: world.account.secretAccessKey },
    { name: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', value: world.oidc.requestToken },
    ...given('aws-secret-access-key'),
    ...given('aws-session-token'),
    ...world.oidc.issued.map(({ token }) => ({ name: 'OIDC JWT', value: token })),
    ...world.sts.requests.flatMap((request) => credentialsIn(request.response)),
  ];
}

/** The secrets rule on one step (runAction and runPost apply it), for steps a test starts itself. */
export function expectNoLeaks(world: World, step: ActionStep, inputs: Inputs = {}): void {
  expect(findLeaks(step.log, worldSecrets(world, inputs))).toEqual([]);
  expect(findLeaks(step.summary, worldSecrets(world, inputs))).toEqual([]);
}
