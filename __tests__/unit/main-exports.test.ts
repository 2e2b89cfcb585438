import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { STATE } from '../../src/export/exporting.js';
import { run } from '../../src/main.js';
import {
  ACCOUNT,
  ASSUMED_ARN,
  callerIdentity,
  expectFailedCleanly,
  expectMaskedFirst,
  FakeRunner,
  keyInputs,
  NO_OIDC,
  OTHER_ACCOUNT,
  ROLE_ARN,
  SOURCE_KEYS,
  stsError,
  TEMP_CREDENTIALS,
  TEMP_SECRETS,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// What later steps get: environment variables, step outputs, profile files, and the post step's state.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const OIDC = { 'aws-region': 'eu-central-1', 'role-to-assume': ROLE_ARN };
const KEY_SECRETS = [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey];
const EXPIRATION = TEMP_CREDENTIALS.expiration.toISOString();

/** Credentials an earlier step of the job exported. */
const EARLIER = {
  AWS_ACCESS_KEY_ID: 'ASIAEARLIERSTEPKEY01',
  AWS_SECRET_ACCESS_KEY: 'earlierStepSecretKey0000000000000000001',
  AWS_SESSION_TOKEN: 'earlierStepSessionToken00000000000000001',
  AWS_CREDENTIAL_EXPIRATION: '2029-12-31T23:00:00.000Z',
};

describe('environment variables and outputs', () => {
  it('export the temporary credentials and region; output the account and ARN', async () => {
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.exported).toEqual({
      AWS_ACCESS_KEY_ID: TEMP_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEMP_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: TEMP_CREDENTIALS.sessionToken,
      AWS_CREDENTIAL_EXPIRATION: EXPIRATION,
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1',
    });
    expect(runner.outputs).toEqual({ 'aws-account-id': ACCOUNT, 'authenticated-arn': ASSUMED_ARN });
    expect(JSON.parse(runner.saved[STATE.exportedVariables]!)).toEqual(Object.keys(runner.exported));
    expect(JSON.parse(runner.saved[STATE.profileSections]!)).toEqual([]);
    expect(runner.log).toContain(`Authenticated as ${ASSUMED_ARN}; the credentials expire at ${EXPIRATION}`);
    expect(runner.log).toContain('Exported for later steps: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('output-credentials adds the credentials and their expiry (JSON-quoted ISO-8601) as outputs', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, 'output-credentials': 'true' } });
    await run(runner, world.env());

    expect(runner.outputs).toEqual({
      'aws-account-id': ACCOUNT,
      'authenticated-arn': ASSUMED_ARN,
      'aws-access-key-id': TEMP_CREDENTIALS.accessKeyId,
      'aws-secret-access-key': TEMP_CREDENTIALS.secretAccessKey,
      'aws-session-token': TEMP_CREDENTIALS.sessionToken,
      'aws-expiration': '"2030-01-01T12:00:00.000Z"',
    });
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('output-credentials with long-term keys has no session token or expiry to output', async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', ...keyInputs(), 'output-credentials': 'true' },
    });
    await run(runner, world.env());

    expect(runner.outputs).toEqual({
      'aws-account-id': ACCOUNT,
      'authenticated-arn': callerIdentity().Arn,
      'aws-access-key-id': SOURCE_KEYS.accessKeyId,
      'aws-secret-access-key': SOURCE_KEYS.secretAccessKey,
    });
    expectMaskedFirst(runner, KEY_SECRETS);
  });

  it('output-env-credentials: false exports no variable at all, but still sets the outputs', async () => {
    const runner = new FakeRunner({
      inputs: { ...OIDC, 'output-env-credentials': 'false', 'output-credentials': 'true' },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('exportVariable')).toEqual([]);
    expect(runner.outputs['aws-session-token']).toBe(TEMP_CREDENTIALS.sessionToken);
    expect(JSON.parse(runner.saved[STATE.exportedVariables]!)).toEqual([]);
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('clears the session token and expiry an earlier step left when the new keys have none', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', ...keyInputs() } });
    await run(runner, world.env(EARLIER));

    expect(runner.exported).toEqual({
      AWS_ACCESS_KEY_ID: SOURCE_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SOURCE_KEYS.secretAccessKey,
      AWS_SESSION_TOKEN: '',
      AWS_CREDENTIAL_EXPIRATION: '',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    expectMaskedFirst(runner, KEY_SECRETS);
  });
});

describe('unset-current-credentials', () => {
  it('removes the AWS credentials from the environment passed in', async () => {
    const env = world.env({ ...EARLIER, AWS_PROFILE: 'earlier' });
    const runner = new FakeRunner({ inputs: { ...OIDC, 'unset-current-credentials': 'true' } });
    await run(runner, env);

    expect(runner.failures).toEqual([]);
    for (const name of [...Object.keys(EARLIER), 'AWS_PROFILE']) expect(env).not.toHaveProperty(name);
    expect(env.AWS_REGION).toBeUndefined();
    expect(runner.log).toContain('unset-current-credentials');
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('still clears the session token the job had when the new keys have none', async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', ...keyInputs(), 'unset-current-credentials': 'true' },
    });
    await run(runner, world.env(EARLIER));

    // Later steps get the job's environment plus the exports: a stale token would be mixed with new keys.
    expect(runner.exported.AWS_SESSION_TOKEN).toBe('');
    expect(runner.exported.AWS_CREDENTIAL_EXPIRATION).toBe('');
    expectMaskedFirst(runner, KEY_SECRETS);
  });

  it('does not count the unset credentials as a source', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, 'unset-current-credentials': 'true' } });
    await run(runner, world.env({ ...EARLIER, ...NO_OIDC }));

    expect(expectFailedCleanly(runner)).toContain('No credentials to assume');
    expect(sts.calls()).toEqual([]);
    expectMaskedFirst(runner, []);
  });
});

describe('use-existing-credentials', () => {
  it('keeps working credentials: no assume, only the region and identity handed on', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, 'use-existing-credentials': 'true' } });
    await run(runner, world.env(EARLIER));

    expect(runner.failures).toEqual([]);
    expect(sts.calls().map((call) => call.args[0].constructor.name)).toEqual(['GetCallerIdentityCommand']);
    expect(runner.callsOf('getIDToken')).toEqual([]);
    expect(runner.exported).toEqual({ AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-central-1' });
    expect(Object.keys(runner.outputs).sort()).toEqual(['authenticated-arn', 'aws-account-id']);
    expect(runner.log).toContain("use-existing-credentials: the job's credentials work");
    expectMaskedFirst(runner, []);
  });

  it('gets new credentials when the existing ones do not work', async () => {
    sts.on(GetCallerIdentityCommand).rejects(stsError('ExpiredToken', 'The security token is expired.'));
    const runner = new FakeRunner({ inputs: { ...OIDC, 'use-existing-credentials': 'true' } });
    await run(runner, world.env(EARLIER));

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(1);
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(TEMP_CREDENTIALS.accessKeyId);
    expect(runner.log).toContain('the job has no working credentials');
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });
});

describe('aws-profile', () => {
  const readProfiles = (): { credentials: string; config: string } => ({
    credentials: readFileSync(world.credentialsFile, 'utf8'),
    config: readFileSync(world.configFile, 'utf8'),
  });

  it('writes the profile (files 0600) and exports no variable by default', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, ...keyInputs(), 'aws-profile': 'ci' } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(readProfiles()).toEqual({
      credentials:
        `[ci]\naws_access_key_id = ${TEMP_CREDENTIALS.accessKeyId}\n` +
        `aws_secret_access_key = ${TEMP_CREDENTIALS.secretAccessKey}\n` +
        `aws_session_token = ${TEMP_CREDENTIALS.sessionToken}\n`,
      config: '[profile ci]\nregion = eu-central-1\n',
    });
    expect(statSync(world.credentialsFile).mode & 0o777).toBe(0o600);
    expect(runner.callsOf('exportVariable')).toEqual([]);
    expect(runner.outputs['aws-account-id']).toBe(ACCOUNT);
    expect(JSON.parse(runner.saved[STATE.profileSections]!)).toEqual([
      {
        file: world.credentialsFile,
        header: 'ci',
        profile: 'ci',
        created: true,
        createdFolder: path.dirname(world.credentialsFile),
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      {
        file: world.configFile,
        header: 'profile ci',
        profile: 'ci',
        created: true,
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(runner.log).toContain(
      `Wrote [ci] to ${world.credentialsFile} (mode 0600, readable by the runner user only)`,
    );
    expectMaskedFirst(runner, [...KEY_SECRETS, ...TEMP_SECRETS]);
  });

  it('exports AWS_PROFILE along with the credentials when env export is on', async () => {
    const runner = new FakeRunner({
      inputs: { ...OIDC, 'aws-profile': 'ci', 'output-env-credentials': 'true' },
    });
    await run(runner, world.env());

    expect(runner.exported).toMatchObject({
      AWS_ACCESS_KEY_ID: TEMP_CREDENTIALS.accessKeyId,
      AWS_REGION: 'eu-central-1',
      AWS_PROFILE: 'ci',
    });
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('overwrite-aws-profile replaces only that profile, keeping the rest of the files', async () => {
    world.write(
      world.credentialsFile,
      '# keys by hand\n[other]\naws_access_key_id = KEEP\n\n[ci]\naws_access_key_id = OLD\n',
    );
    const runner = new FakeRunner({
      inputs: { ...OIDC, 'aws-profile': 'ci', 'overwrite-aws-profile': 'true' },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    const { credentials } = readProfiles();
    expect(credentials).toContain('# keys by hand\n[other]\naws_access_key_id = KEEP\n');
    expect(credentials).not.toContain('OLD');
    expect(credentials).toContain(`[ci]\naws_access_key_id = ${TEMP_CREDENTIALS.accessKeyId}\n`);
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });
});

describe('mask-aws-account-id', () => {
  const MASK = { 'mask-aws-account-id': 'true' };

  it('masks the account of a role ARN before anything is logged', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, ...MASK } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expectMaskedFirst(runner, [ACCOUNT, ...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('masks the account GetCallerIdentity reports before a bare role name is expanded', async () => {
    const runner = new FakeRunner({
      inputs: { ...OIDC, 'role-to-assume': 'deploy', ...keyInputs(), ...MASK },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expectMaskedFirst(runner, [ACCOUNT, ...KEY_SECRETS, ...TEMP_SECRETS]);
  });

  it('masks the account of the access keys', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', ...keyInputs(), ...MASK } });
    await run(runner, world.env());

    expect(runner.outputs['aws-account-id']).toBe(ACCOUNT);
    expectMaskedFirst(runner, [ACCOUNT, ...KEY_SECRETS]);
  });

  it('masks the account of credentials use-existing-credentials keeps', async () => {
    sts.on(GetCallerIdentityCommand).resolves(callerIdentity(OTHER_ACCOUNT));
    const runner = new FakeRunner({ inputs: { ...OIDC, 'use-existing-credentials': 'true', ...MASK } });
    await run(runner, world.env(EARLIER));

    expect(runner.log).toContain("the job's credentials work");
    expectMaskedFirst(runner, [OTHER_ACCOUNT]);
  });

  it('masks the account before allowed-account-ids refuses it', async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', ...keyInputs(), 'allowed-account-ids': '999999999999', ...MASK },
    });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toContain('allowed-account-ids');
    expectMaskedFirst(runner, [ACCOUNT, ...KEY_SECRETS]);
  });
});

describe('an AWS_PROFILE left by an earlier step', () => {
  it('that names no profile: a warning says what later AWS CLI steps will say', async () => {
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env({ AWS_PROFILE: 'ghost' }));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('warning')).toEqual([
      [
        `AWS_PROFILE="ghost", set by an earlier step or the job, names no profile in ${world.credentialsFile} or ${world.configFile}: the AWS CLI and boto3 fail "The config profile (ghost) could not be found" wherever it is still set. Set aws-profile to write that profile, or unset AWS_PROFILE.`,
      ],
    ]);
  });

  it('that names a profile of the files: no warning', async () => {
    world.write(world.configFile, "[profile build] ; the team's\nregion = eu-west-1\n");
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env({ AWS_PROFILE: 'build' }));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('warning')).toEqual([]);
  });
});
