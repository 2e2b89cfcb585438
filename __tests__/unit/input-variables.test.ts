import { describe, expect, it } from '@jest/globals';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { describeInputVariables, INPUT_VARIABLES, withInputVariables } from '../../src/inputs/variables.js';
import { run } from '../../src/main.js';
import { ACTION_INPUTS, inputsFrom } from './fixtures/inputs.js';
import {
  expectFailedCleanly,
  FakeRunner,
  mockSts,
  ROLE_ARN,
  TestWorld,
  useTestWorld,
} from './fixtures/runner.js';

// Environment variables standing in for empty inputs, as configure-aws-credentials (v4.2.0 and later) reads them.

/** The reference action's translateEnvVariables list (src/helpers.ts of v6.2.3), in its order. */
const REFERENCE_VARIABLES = [
  'AWS_REGION',
  'ROLE_TO_ASSUME',
  'WEB_IDENTITY_TOKEN_FILE',
  'ROLE_CHAINING',
  'AUDIENCE',
  'HTTP_PROXY',
  'MASK_AWS_ACCOUNT_ID',
  'ROLE_DURATION_SECONDS',
  'ROLE_EXTERNAL_ID',
  'ROLE_SESSION_NAME',
  'ROLE_SKIP_SESSION_TAGGING',
  'TRANSITIVE_TAG_KEYS',
  'INLINE_SESSION_POLICY',
  'MANAGED_SESSION_POLICIES',
  'OUTPUT_CREDENTIALS',
  'UNSET_CURRENT_CREDENTIALS',
  'DISABLE_RETRY',
  'RETRY_MAX_ATTEMPTS',
  'SPECIAL_CHARACTERS_WORKAROUND',
  'USE_EXISTING_CREDENTIALS',
  'NO_PROXY',
  'OVERWRITE_AWS_PROFILE',
];

describe('INPUT_VARIABLES', () => {
  it("is the reference's list of 22: each variable names its input with _ for -", () => {
    const pairs = Object.entries(INPUT_VARIABLES).map(([input, variables]) => [input, variables.at(-1)]);
    expect(pairs).toEqual(
      REFERENCE_VARIABLES.map((variable) => [variable.toLowerCase().replace(/_/g, '-'), variable]),
    );
    for (const input of Object.keys(INPUT_VARIABLES)) expect(ACTION_INPUTS).toContain(input);
  });

  it('never lets a variable stand in for a secret input', () => {
    for (const input of ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'])
      expect(INPUT_VARIABLES[input]).toBeUndefined();
  });
});

describe('withInputVariables', () => {
  it.each(Object.entries(INPUT_VARIABLES))('%s: an empty input takes %j', (input, variables) => {
    const variable = variables.at(-1) as string;
    const { getInput, fromVariables } = withInputVariables(inputsFrom({}), { [variable]: ' value ' });
    expect(getInput(input)).toBe('value');
    expect(fromVariables).toEqual({ [input]: variable });
  });

  it('keeps a non-empty input over the variable', () => {
    const { getInput, fromVariables } = withInputVariables(inputsFrom({ 'aws-region': 'us-east-1' }), {
      AWS_REGION: 'eu-west-1',
    });
    expect(getInput('aws-region')).toBe('us-east-1');
    expect(fromVariables).toEqual({});
  });

  it.each([
    [
      { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' },
      'http://secure:3128',
      'HTTPS_PROXY',
    ],
    [{ HTTPS_PROXY: '', HTTP_PROXY: 'http://plain:3128' }, 'http://plain:3128', 'HTTP_PROXY'],
    [{ HTTP_PROXY: 'http://plain:3128' }, 'http://plain:3128', 'HTTP_PROXY'],
  ])('http-proxy: HTTPS_PROXY wins over HTTP_PROXY (%j)', (env, proxy, variable) => {
    const { getInput, fromVariables } = withInputVariables(inputsFrom({}), env);
    expect(getInput('http-proxy')).toBe(proxy);
    expect(fromVariables).toEqual({ 'http-proxy': variable });
  });

  it('ignores empty and blank variables, and reads nothing else', () => {
    const { getInput, fromVariables } = withInputVariables(inputsFrom({}), {
      AWS_REGION: '',
      ROLE_TO_ASSUME: '   ',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      SUMMARY: 'false',
    });
    expect(getInput('aws-region')).toBe('');
    expect(getInput('role-to-assume')).toBe('');
    expect(getInput('aws-access-key-id')).toBe('');
    expect(getInput('summary')).toBe('');
    expect(fromVariables).toEqual({});
  });
});

describe('describeInputVariables', () => {
  it('names each input and its variable, never a value', () => {
    expect(describeInputVariables({ 'aws-region': 'AWS_REGION', 'http-proxy': 'HTTPS_PROXY' })).toBe(
      'Inputs taken from environment variables, because the inputs were not set: aws-region from AWS_REGION, http-proxy from HTTPS_PROXY',
    );
    expect(describeInputVariables({})).toBeUndefined();
  });
});

describe('a step whose inputs come from the job environment', () => {
  const sts = mockSts();
  let world: TestWorld;
  useTestWorld((w) => (world = w));

  it('uses env AWS_REGION, ROLE_TO_ASSUME and ROLE_SESSION_NAME for the unset inputs, and says so', async () => {
    const runner = new FakeRunner({});
    await run(
      runner,
      world.env({ AWS_REGION: 'eu-west-1', ROLE_TO_ASSUME: ROLE_ARN, ROLE_SESSION_NAME: 'from-env' }),
    );

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]!.args[0].input).toMatchObject({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'from-env',
    });
    expect(runner.exported.AWS_REGION).toBe('eu-west-1');
    expect(runner.log).toContain(
      'Inputs taken from environment variables, because the inputs were not set: aws-region from AWS_REGION, role-to-assume from ROLE_TO_ASSUME, role-session-name from ROLE_SESSION_NAME',
    );
  });

  it('checks a variable like the input and names the variable to fix', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN } });
    await run(runner, world.env({ ROLE_DURATION_SECONDS: '1h' }));

    const message = expectFailedCleanly(runner);
    expect(message).toContain('role-duration-seconds must be an integer from 900 to 43200, got "1h"');
    expect(message).toContain('its value came from the ROLE_DURATION_SECONDS environment variable');
    expect(sts.calls()).toHaveLength(0);
  });
});
