import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';

import { run } from '../../src/main.js';
import {
  ACCOUNT,
  assumedRole,
  callerIdentity,
  expectMaskedFirst,
  FakeRunner,
  keyInputs,
  makeJwt,
  ROLE_ARN,
  OPTIONAL_TAGS,
  STANDARD_TAGS,
  SOURCE_KEYS,
  TEMP_CREDENTIALS,
  TEMP_SECRETS,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// What STS receives for each credential source, run end to end through run() with STS mocked.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const SOURCE_SECRETS = [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey];

describe('GitHub OIDC', () => {
  it('exchanges the token in one AssumeRoleWithWebIdentity, without tags', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([['sts.amazonaws.com']]);
    expect(sts.calls()).toHaveLength(1);
    const [call] = sts.commandCalls(AssumeRoleWithWebIdentityCommand);
    expect(call!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'GitHubActions',
      WebIdentityToken: runner.issuedTokens[0],
      DurationSeconds: 3600,
    });
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(TEMP_CREDENTIALS.accessKeyId);
    expect(runner.log).toContain('Credential source: github-oidc');
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it.each([
    ['the default audience', 'us-east-1', {}, 'sts.amazonaws.com'],
    ['the China audience in cn-* regions', 'cn-north-1', {}, 'sts.amazonaws.com.cn'],
    ['the audience input', 'us-east-1', { audience: 'my-audience' }, 'my-audience'],
  ])('asks GitHub for a token with %s', async (_what, region, extra, audience) => {
    const partition = region.startsWith('cn-') ? 'aws-cn' : 'aws';
    const role = `arn:${partition}:iam::${ACCOUNT}:role/deploy`;
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .resolves(assumedRole({ arn: `arn:${partition}:sts::${ACCOUNT}:assumed-role/deploy/GitHubActions` }));
    const runner = new FakeRunner({ inputs: { 'aws-region': region, 'role-to-assume': role, ...extra } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([[audience]]);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]!.args[0].input.RoleArn).toBe(role);
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('passes the session name, duration and session policies the inputs give', async () => {
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': ROLE_ARN,
        'role-session-name': 'release-42',
        'role-duration-seconds': '900',
        'inline-session-policy': '{\n  "Version": "2012-10-17",\n  "Statement": []\n}',
        'managed-session-policies':
          'arn:aws:iam::aws:policy/ReadOnlyAccess\narn:aws:iam::aws:policy/AWSDenyAll',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'release-42',
      WebIdentityToken: runner.issuedTokens[0],
      DurationSeconds: 900,
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [
        { arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        { arn: 'arn:aws:iam::aws:policy/AWSDenyAll' },
      ],
    });
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });
});

describe('web identity token file', () => {
  it.each([
    ['an absolute path', (file: string) => file],
    ['a path relative to GITHUB_WORKSPACE', (file: string) => path.basename(file)],
  ])('reads the token from %s', async (_what, given) => {
    const token = await makeJwt({ sub: 'system:serviceaccount:ci:deployer' });
    const file = path.join(world.dir, 'token.jwt');
    writeFileSync(file, `${token}\n`);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        'web-identity-token-file': given(file),
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'GitHubActions',
      WebIdentityToken: token,
      DurationSeconds: 3600,
    });
    expectMaskedFirst(runner, [token, ...TEMP_SECRETS]);
  });
});

describe('static keys', () => {
  it('assume the role in one AssumeRole with session tags, signed with the keys', async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, ...keyInputs() },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    const [call] = sts.commandCalls(AssumeRoleCommand);
    expect(call!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'GitHubActions',
      DurationSeconds: 3600,
      Tags: [...STANDARD_TAGS, ...OPTIONAL_TAGS],
    });
    const credentials = await (call!.thisValue as STSClient).config.credentials();
    expect(credentials).toMatchObject({
      accessKeyId: SOURCE_KEYS.accessKeyId,
      secretAccessKey: SOURCE_KEYS.secretAccessKey,
    });
    expect(runner.callsOf('getIDToken')).toEqual([]);
    expect(Object.values(runner.exported)).not.toContain(SOURCE_KEYS.accessKeyId);
    expect(Object.values(runner.exported)).not.toContain(SOURCE_KEYS.secretAccessKey);
    expect(runner.exported.AWS_SECRET_ACCESS_KEY).toBe(TEMP_CREDENTIALS.secretAccessKey);
    expectMaskedFirst(runner, [...SOURCE_SECRETS, ...TEMP_SECRETS]);
  });

  it("send BaseRef and HeadRef on a pull request, in the reference action's order", async () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, ...keyInputs() },
    });
    await run(
      runner,
      world.env({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main', GITHUB_HEAD_REF: 'fix/ü#7' }),
    );

    expect(runner.failures).toEqual([]);
    const tags = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.Tags ?? [];
    expect(tags.map((tag) => tag.Key)).toEqual([
      ...STANDARD_TAGS.map((tag) => tag.Key),
      'EventName',
      'BaseRef',
      'HeadRef',
      'RunId',
      'Job',
      'TriggeringActor',
    ]);
    expect(tags).toContainEqual({ Key: 'BaseRef', Value: 'main' });
    expect(tags).toContainEqual({ Key: 'HeadRef', Value: 'fix/ü_7' });
  });

  it('send the external id, session policies, custom and transitive tags', async () => {
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        ...keyInputs({ withToken: true }),
        'role-external-id': 'partner-7',
        'inline-session-policy': '{ "Version": "2012-10-17", "Statement": [ ] }',
        'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        'custom-tags': '{"Team": "platform"}',
        'transitive-tag-keys': 'Repository, Team',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'GitHubActions',
      DurationSeconds: 3600,
      ExternalId: 'partner-7',
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [...STANDARD_TAGS, ...OPTIONAL_TAGS, { Key: 'Team', Value: 'platform' }],
      TransitiveTagKeys: ['Repository', 'Team'],
    });
    expectMaskedFirst(runner, [...SOURCE_SECRETS, SOURCE_KEYS.sessionToken, ...TEMP_SECRETS]);
  });

  it('send no tags with role-skip-session-tagging', async () => {
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        ...keyInputs(),
        'role-skip-session-tagging': 'true',
        'transitive-tag-keys': 'Repository',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty('Tags');
    expect(input).not.toHaveProperty('TransitiveTagKeys');
    expectMaskedFirst(runner, [...SOURCE_SECRETS, ...TEMP_SECRETS]);
  });

  it('without a role: one GetCallerIdentity, and the keys themselves are exported', async () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', ...keyInputs() } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(runner.exported).toEqual({
      AWS_ACCESS_KEY_ID: SOURCE_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SOURCE_KEYS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    expect(runner.outputs).toEqual({ 'aws-account-id': ACCOUNT, 'authenticated-arn': callerIdentity().Arn });
    expectMaskedFirst(runner, SOURCE_SECRETS);
  });

  it('complete a bare role name with the account GetCallerIdentity reports, in the region partition', async () => {
    sts.on(GetCallerIdentityCommand).resolves(callerIdentity(ACCOUNT, `arn:aws-cn:iam::${ACCOUNT}:user/ci`));
    sts
      .on(AssumeRoleCommand)
      .resolves(assumedRole({ arn: `arn:aws-cn:sts::${ACCOUNT}:assumed-role/deploy/GitHubActions` }));
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'cn-northwest-1', 'role-to-assume': 'deploy', ...keyInputs() },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'GetCallerIdentityCommand',
      'AssumeRoleCommand',
    ]);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleArn).toBe(
      `arn:aws-cn:iam::${ACCOUNT}:role/deploy`,
    );
    expect(runner.log).toContain(`Role name deploy is arn:aws-cn:iam::${ACCOUNT}:role/deploy`);
    expectMaskedFirst(runner, [...SOURCE_SECRETS, ...TEMP_SECRETS]);
  });

  it('take precedence over GitHub OIDC and role-chaining', async () => {
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        'role-chaining': 'true',
        ...keyInputs(),
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(runner.log).toContain('role-chaining is ignored because keys were given');
    expectMaskedFirst(runner, [...SOURCE_SECRETS, ...TEMP_SECRETS]);
  });
});

describe('inputs AssumeRoleWithWebIdentity cannot carry', () => {
  it('warns that role-external-id, custom-tags and transitive-tag-keys are ignored with OIDC', async () => {
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        'role-external-id': 'ext-123',
        'custom-tags': '{"Team": "platform"}',
        'transitive-tag-keys': 'Team',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('warning').flat().join('\n')).toMatch(
      /^role-external-id, custom-tags, transitive-tag-keys are ignored: STS takes an external id and session tags only with AssumeRole/,
    );
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]!.args[0].input).not.toHaveProperty('Tags');
  });
});

describe('mask-aws-account-id', () => {
  it('masks the accounts written in the inputs before an input error can show them', async () => {
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
        'allowed-account-ids': '444455556666',
        'mask-aws-account-id': 'true',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toHaveLength(1);
    expect(runner.failures[0]).toMatch(/allowed-account-ids/);
    expectMaskedFirst(runner, ['111122223333', '444455556666']);
    expect(sts.calls()).toHaveLength(0);
  });
});
