import { describe, expect, it } from '@jest/globals';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { run } from '../../src/main.js';
import {
  ACCOUNT,
  callerIdentity,
  expectMaskedFirst,
  FakeRunner,
  NO_OIDC,
  OPTIONAL_TAGS,
  ROLE_ARN,
  STANDARD_TAGS,
  TEMP_CREDENTIALS,
  TEMP_SECRETS,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// Sources that use the credentials the job already has: role-chaining, force-skip-oidc, a self-hosted
// runner's instance credentials, or no role at all. The SDK's default chain would find them; STS is mocked.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

describe('existing credentials', () => {
  // Credentials an earlier step exported.
  const earlier = {
    AWS_ACCESS_KEY_ID: 'ASIAEARLIERSTEPKEY01',
    AWS_SECRET_ACCESS_KEY: 'earlierStepSecretKey0000000000000000001',
    AWS_SESSION_TOKEN: 'earlierStepSessionToken00000000000000001',
  };

  it('role-chaining assumes the role with the job credentials, with session tags', async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'role-chaining': 'true' },
    });
    await run(runner, world.env(earlier));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toMatchObject({
      RoleArn: ROLE_ARN,
      Tags: [...STANDARD_TAGS, ...OPTIONAL_TAGS],
    });
    expect(runner.log).toContain('Credential source: existing (role-chaining is true');
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(TEMP_CREDENTIALS.accessKeyId);
    expectMaskedFirst(runner, TEMP_SECRETS);
  });

  it('on a self-hosted runner without OIDC, assumes the role with the instance credentials', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN } });
    await run(runner, world.env({ ...NO_OIDC, RUNNER_ENVIRONMENT: 'self-hosted' }));

    expect(runner.failures).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(runner.log).toContain('(instance or container credentials)');
    expectMaskedFirst(runner, TEMP_SECRETS);
  });

  it('force-skip-oidc uses the credentials an earlier step exported instead of the OIDC token', async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'force-skip-oidc': 'true' },
    });
    await run(runner, world.env(earlier));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expectMaskedFirst(runner, TEMP_SECRETS);
  });

  it('without a role, only checks who they are and exports the region', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-west-2' } });
    await run(runner, world.env(earlier));

    expect(runner.failures).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(runner.exported).toEqual({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    expect(runner.outputs).toEqual({ 'aws-account-id': ACCOUNT, 'authenticated-arn': callerIdentity().Arn });
    expectMaskedFirst(runner, []);
  });
});
