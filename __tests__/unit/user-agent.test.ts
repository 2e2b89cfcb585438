import { describe, expect, it } from '@jest/globals';
import { run } from '../../src/main.js';
import { createStsClient } from '../../src/sts/client.js';
import { identifyExecutionEnv, runAppId, runUserAgent } from '../../src/sts/user-agent.js';
import { FakeRunner, mockSts, ROLE_ARN, TestWorld, useTestWorld } from './fixtures/runner.js';

// Which run made an STS call, as CloudTrail records it: the User-Agent of the action's calls and the app id
// later steps' calls carry.

const RUN = { GITHUB_ACTION: '__run_2', GITHUB_RUN_ID: '16412345678', GITHUB_RUN_ATTEMPT: '3' };

describe('runUserAgent', () => {
  it('names the action, then the step, run and attempt', () => {
    expect(runUserAgent(RUN)).toEqual({
      tokens: [
        ['assume-aws-role-action'],
        ['md', 'action#__run_2'],
        ['md', 'run_id#16412345678'],
        ['md', 'attempt#3'],
      ],
      warnings: [],
    });
  });

  it('leaves unset variables out without a word', () => {
    expect(runUserAgent({})).toEqual({ tokens: [['assume-aws-role-action']], warnings: [] });
  });

  it.each([
    ['GITHUB_ACTION', 'step with spaces'],
    ['GITHUB_ACTION', 'a'.repeat(129)],
    ['GITHUB_ACTION', 'x\r\nX-Injected: 1'],
    ['GITHUB_RUN_ID', '12ab'],
    ['GITHUB_RUN_ID', '1'.repeat(21)],
    ['GITHUB_RUN_ATTEMPT', '-1'],
  ])('leaves a malformed %s (%j) out, with a warning', (variable, value) => {
    const { tokens, warnings } = runUserAgent({ ...RUN, [variable]: value });
    expect(tokens.flat().join(' ')).not.toContain(value);
    expect(tokens).toHaveLength(3);
    expect(warnings).toEqual([expect.stringContaining(`${variable} is not what the runner sets`)]);
    expect(warnings[0]).not.toContain(value);
  });

  it('is what every STS client of the action sends', async () => {
    const client = createStsClient(
      {
        region: 'us-east-1',
        partition: { name: 'aws', defaultAudience: 'sts.amazonaws.com', dnsSuffix: 'amazonaws.com' },
        stsEndpoint: undefined,
        httpProxy: undefined,
        noProxy: [],
        disableRetry: false,
        retryMaxAttempts: 1,
      },
      'default-chain',
      RUN,
    );
    expect(client.config.customUserAgent).toEqual(runUserAgent(RUN).tokens);
  });
});

describe('runAppId', () => {
  it('is gha-<run id>-<attempt>, within the SDKs’ 50 characters', () => {
    expect(runAppId(RUN)).toBe('gha-16412345678-3');
    expect(
      runAppId({ GITHUB_RUN_ID: '9'.repeat(20), GITHUB_RUN_ATTEMPT: '9'.repeat(10) })!.length,
    ).toBeLessThanOrEqual(50);
  });

  it.each([{}, { GITHUB_RUN_ID: '1' }, { GITHUB_RUN_ID: '1', GITHUB_RUN_ATTEMPT: 'one' }])(
    'is undefined without a well-formed run id and attempt (%j)',
    (env) => {
      expect(runAppId(env)).toBeUndefined();
    },
  );
});

describe('identifyExecutionEnv', () => {
  it('sets AWS_EXECUTION_ENV=GitHubActions when unset, and keeps one already set', () => {
    const unset: NodeJS.ProcessEnv = {};
    identifyExecutionEnv(unset);
    expect(unset.AWS_EXECUTION_ENV).toBe('GitHubActions');
    const set: NodeJS.ProcessEnv = { AWS_EXECUTION_ENV: 'AWS_ECS_EC2' };
    identifyExecutionEnv(set);
    expect(set.AWS_EXECUTION_ENV).toBe('AWS_ECS_EC2');
  });
});

describe('the main step', () => {
  mockSts();
  let world: TestWorld;
  useTestWorld((w) => (world = w));
  const inputs = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };

  it('exports AWS_SDK_UA_APP_ID for later steps with the credentials', async () => {
    const runner = new FakeRunner({ inputs });
    const env = world.env(RUN);
    await run(runner, env);

    expect(runner.failures).toEqual([]);
    expect(runner.exported.AWS_SDK_UA_APP_ID).toBe('gha-16412345678-3');
    // In its own process only, like configure-aws-credentials: later steps keep their own.
    expect(env.AWS_EXECUTION_ENV).toBe('GitHubActions');
    expect(runner.exported.AWS_EXECUTION_ENV).toBeUndefined();
  });

  it('never overwrites an app id the job set', async () => {
    const runner = new FakeRunner({ inputs });
    await run(runner, world.env({ ...RUN, AWS_SDK_UA_APP_ID: 'team-deploys' }));

    expect(runner.failures).toEqual([]);
    expect(runner.exported.AWS_SDK_UA_APP_ID).toBeUndefined();
  });

  it('exports none when nothing goes to the environment', async () => {
    const runner = new FakeRunner({ inputs: { ...inputs, 'output-env-credentials': 'false' } });
    await run(runner, world.env(RUN));

    expect(runner.failures).toEqual([]);
    expect(runner.exported).toEqual({});
  });

  it('warns once about a malformed run variable and still assumes the role', async () => {
    const runner = new FakeRunner({ inputs });
    await run(runner, world.env({ ...RUN, GITHUB_RUN_ATTEMPT: 'first' }));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('warning')).toEqual([[expect.stringContaining('GITHUB_RUN_ATTEMPT is not what')]]);
    expect(runner.exported.AWS_SDK_UA_APP_ID).toBeUndefined();
  });
});
