// Typos and hostile values in `with:`: every validation rule, run through the real bundle. Each is refused before
// any network call (no STS request, no ID-token request) with one error line that names the input, nothing is
// handed on, and no value (newlines, `::set-output`, `::add-mask::`) becomes a workflow command or a variable.
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ADD_MASK, BAD_INPUTS, SECRET_INPUTS, SET_ENV, SET_OUTPUT, type Inputs } from './bad-input-cases.js';
import { runAction, useWorld } from './fixture.js';
import {
  errorMessages,
  expectNoStackTrace,
  jobFiles,
  LAYOUT_COMMANDS,
  resetFaults,
  workflowCommands,
} from './step-checks.js';
import { loadActionMetadata } from './world/action-metadata.js';

jest.setTimeout(30_000);
const world = useWorld();
beforeEach(() => resetFaults(world()));

/** The lines of secret inputs (a multi-line secret is still secret line by line). */
function secretParts(inputs: Inputs): string[] {
  return SECRET_INPUTS.flatMap((name) => String(inputs[name] ?? '').split(/\r?\n/)).filter(
    (part) => part.length >= 8 && !part.startsWith('::'),
  );
}

describe('bad input: refused before any request, naming the input, nothing handed on', () => {
  it('has at least 25 cases, and one for every input action.yml declares', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(25);
    const covered = new Set(BAD_INPUTS.map(({ input }) => input));
    expect(Object.keys(loadActionMetadata().inputs).filter((name) => !covered.has(name))).toEqual([]);
  });

  it.each(BAD_INPUTS)('$input: $why', async ({ input, with: given, prepare }) => {
    const job = world().newJob({ idToken: true });
    prepare?.(job);
    const envBefore = job.env;
    const filesBefore = jobFiles(job);
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole, ...given });

    expect(step.exitCode).toBe(1);
    const errors = errorMessages(step);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(input);
    expect(world().sts.requests).toEqual([]);
    expect(world().oidc.requests).toEqual([]);
    expect({ env: step.exported, outputs: step.outputs, state: step.state }).toEqual({
      env: {},
      outputs: {},
      state: {},
    });
    expect(job.env).toEqual(envBefore);
    expect(jobFiles(job)).toEqual(filesBefore);
    expectNoStackTrace(step.log);

    // The only commands: the error, the step's group, and masks for the secret inputs given and the runner's
    // ID-token bearer (masked before anything, in case an endpoint echoes it).
    const secrets = new Set([
      ...SECRET_INPUTS.map((name) => String(given[name] ?? '').trim()),
      job.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '',
    ]);
    const unexpected = workflowCommands(step.log).filter(
      ({ name, value }) =>
        name !== 'error' && !LAYOUT_COMMANDS.has(name) && !(name === 'add-mask' && secrets.has(value)),
    );
    expect(unexpected).toEqual([]);
    // No value breaks out onto a line of its own, in the log or in the job summary.
    expect(step.summary.split('\n').filter((line) => line.startsWith('::'))).toEqual([]);
    const printed = step.log.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    for (const part of secretParts(given)) expect(printed.filter((line) => line.includes(part))).toEqual([]);
    expect(`${step.log}${step.summary}`).not.toContain('hunter2');
  });
});

describe('hostile text in values that are valid: it reaches STS as data, never as a command', () => {
  /** Commands other than layout, errors and warnings, and masks of anything but the step's own secrets. */
  const suspicious = (log: string) =>
    workflowCommands(log).filter(
      ({ name, value }) =>
        !LAYOUT_COMMANDS.has(name) &&
        !['error', 'warning'].includes(name) &&
        !(name === 'add-mask' && !value.includes('::') && value !== 'GitHubActions'),
    );

  it('a custom tag value of ::set-env / ::add-mask:: text is sent as the tag, and only credentials are exported', async () => {
    const { account } = world();
    const value = `${SET_ENV}${ADD_MASK}`;
    const job = world().newJob();
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'custom-tags': JSON.stringify({ Team: value }),
    });

    expect(step.exitCode).toBe(0);
    expect(world().sts.requests.at(-1)?.tags.Team).toBe(value);
    expect(step.exported.AWS_PROFILE).toBeUndefined();
    expect(Object.keys(step.outputs).sort()).toEqual(['authenticated-arn', 'aws-account-id']);
    expect(suspicious(step.log)).toEqual([]);
  });

  it('an audience of ::set-output text is asked for and refused by STS, with nothing but the error line', async () => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      audience: SET_OUTPUT,
    });

    expect(step.exitCode).toBe(1);
    expect(world().oidc.requests.map(({ audience }) => audience)).toEqual([SET_OUTPUT]);
    expect(step.outputs).toEqual({});
    expect(errorMessages(step)).toHaveLength(1);
    expect(suspicious(step.log)).toEqual([]);
  });
});
