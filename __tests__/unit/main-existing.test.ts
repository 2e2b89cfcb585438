import { describe, expect, it } from '@jest/globals';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

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

  it('role-chaining signs with the keys an earlier step exported, even when AWS_PROFILE is set too', async () => {
    world.write(
      world.credentialsFile,
      '[build]\naws_access_key_id = AKIAOLDPROFILEKEY001\naws_secret_access_key = oldProfileSecret\n',
    );
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'role-chaining': 'true' },
    });
    await run(runner, world.env({ ...earlier, AWS_PROFILE: 'build' }));

    expect(runner.failures).toEqual([]);
    const [call] = sts.commandCalls(AssumeRoleCommand);
    // As the AWS CLI and boto3 resolve them: environment keys before the profile.
    await expect((call!.thisValue as STSClient).config.credentials()).resolves.toMatchObject({
      accessKeyId: earlier.AWS_ACCESS_KEY_ID,
      secretAccessKey: earlier.AWS_SECRET_ACCESS_KEY,
      sessionToken: earlier.AWS_SESSION_TOKEN,
    });
  });

  it('without keys in the environment, leaves the choice to the SDK default chain (AWS_PROFILE here)', async () => {
    world.write(
      world.credentialsFile,
      '[build]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profileSecret\n',
    );
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'role-chaining': 'true' },
    });
    // The SDK's chain reads process.env itself (TestWorld puts it back after the test).
    const env = world.env({ AWS_PROFILE: 'build' });
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      delete process.env[name];
    Object.assign(process.env, {
      AWS_PROFILE: env.AWS_PROFILE,
      AWS_SHARED_CREDENTIALS_FILE: env.AWS_SHARED_CREDENTIALS_FILE,
      AWS_CONFIG_FILE: env.AWS_CONFIG_FILE,
    });
    await run(runner, env);

    expect(runner.failures).toEqual([]);
    const [call] = sts.commandCalls(AssumeRoleCommand);
    await expect((call!.thisValue as STSClient).config.credentials()).resolves.toMatchObject({
      accessKeyId: 'AKIAPROFILEKEY000001',
    });
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
