import { describe, expect, it } from '@jest/globals';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';

import { run } from '../../src/main.js';
import {
  ACCOUNT,
  answerRoles,
  expectFailedCleanly,
  expectMaskedFirst,
  FakeRunner,
  keyInputs,
  NO_OIDC,
  OPTIONAL_TAGS,
  OTHER_ACCOUNT,
  RUN_VARIABLES,
  sessionKeys,
  sessionSecrets,
  signerOf,
  signingKeys,
  SOURCE_KEYS,
  STANDARD_TAGS,
  stsError,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// A chain in role-to-assume (issue 13): the first role from the source, then each next line with AssumeRole signed
// by the session before it. The sessions in between only sign the next hop (900 s, no session policy); the last
// one is what later steps get. Run through run() with STS mocked, each role answering with keys of its own.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const HUB = `arn:aws:iam::${ACCOUNT}:role/hub`;
const MID = `arn:aws:iam::${OTHER_ACCOUNT}:role/mid`;
const SPOKE = `arn:aws:iam::${OTHER_ACCOUNT}:role/spoke`;
const ROLES = { [HUB]: 'hub', [MID]: 'mid', [SPOKE]: 'spoke' };
const TAGS = [...STANDARD_TAGS, ...OPTIONAL_TAGS];
const POLICY = '{"Version":"2012-10-17","Statement":[]}';
const MANAGED = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const SOURCE_SECRETS = [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey];

const assumeInputs = () => sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);

describe('a chain from GitHub OIDC: hub, then spoke', () => {
  it('assumes the hub with the token for 900 s without policies, then the spoke signed by the hub session', async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': `${HUB}\n${SPOKE} external-id=spoke-ext session-name=spoke-session`,
        'role-duration-seconds': '1800',
        'role-source-identity': 'octocat-src',
        'inline-session-policy': POLICY,
        'managed-session-policies': MANAGED,
        'output-credentials': 'true',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([['sts.amazonaws.com']]);
    expect(sts.calls()).toHaveLength(2);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: HUB,
        RoleSessionName: 'GitHubActions',
        WebIdentityToken: runner.issuedTokens[0],
        DurationSeconds: 900,
      },
    ]);
    // The web identity session has no SourceIdentity yet: the first AssumeRole of the path sets it.
    expect(assumeInputs()).toEqual([
      {
        RoleArn: SPOKE,
        RoleSessionName: 'spoke-session',
        DurationSeconds: 1800,
        ExternalId: 'spoke-ext',
        SourceIdentity: 'octocat-src',
        Tags: TAGS,
        Policy: POLICY,
        PolicyArns: [{ arn: MANAGED }],
      },
    ]);
    expect(await signerOf(sts.commandCalls(AssumeRoleCommand)[0]!)).toEqual(signingKeys('hub'));

    const spoke = sessionKeys('spoke');
    const spokeArn = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/spoke/spoke-session`;
    expect(runner.exported).toMatchObject({
      AWS_ACCESS_KEY_ID: spoke.accessKeyId,
      AWS_SECRET_ACCESS_KEY: spoke.secretAccessKey,
      AWS_SESSION_TOKEN: spoke.sessionToken,
    });
    expect(runner.outputs).toMatchObject({
      'aws-account-id': OTHER_ACCOUNT,
      'authenticated-arn': spokeArn,
      'aws-access-key-id': spoke.accessKeyId,
    });
    expect(runner.log).toContain(`Assuming ${HUB} (hop 1 of 2) as session GitHubActions for 900 s`);
    expect(runner.log).toContain(
      `Assuming ${SPOKE} (hop 2 of 2) as session spoke-session for 1800 s with the session of ${HUB}`,
    );
    expect(runner.log).toContain(`Authenticated as ${spokeArn}`);
    // The hub's keys sign one request and are never handed on: masked all the same, before anything.
    expectMaskedFirst(runner, [...runner.issuedTokens, ...sessionSecrets('hub'), ...sessionSecrets('spoke')]);
    for (const secret of sessionSecrets('hub')) {
      expect(Object.values(runner.exported)).not.toContain(secret);
      expect(Object.values(runner.outputs)).not.toContain(secret);
    }
  });
});

describe('a chain of three from access keys', () => {
  it('gives each hop its duration, tags, external id and session name; policies and SourceIdentity once', async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': `${HUB}\n${MID}\n${SPOKE} external-id=spoke-ext session-name=deployer`,
        'role-external-id': 'hub-ext',
        'role-session-name-template': 'gha-{run_id}',
        'role-duration-seconds': '2700',
        'role-source-identity': 'octocat-src',
        'inline-session-policy': POLICY,
        'managed-session-policies': MANAGED,
        ...keyInputs(),
      },
    });
    await run(runner, world.env(NO_OIDC));

    expect(runner.failures).toEqual([]);
    const session = `gha-${RUN_VARIABLES.GITHUB_RUN_ID}`;
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toEqual([]);
    expect(assumeInputs()).toEqual([
      // role-external-id is line 1's; SourceIdentity goes on the first AssumeRole, which keys make hop 1.
      {
        RoleArn: HUB,
        RoleSessionName: session,
        DurationSeconds: 900,
        ExternalId: 'hub-ext',
        SourceIdentity: 'octocat-src',
        Tags: TAGS,
      },
      { RoleArn: MID, RoleSessionName: session, DurationSeconds: 900, Tags: TAGS },
      {
        RoleArn: SPOKE,
        RoleSessionName: 'deployer',
        DurationSeconds: 2700,
        ExternalId: 'spoke-ext',
        Tags: TAGS,
        Policy: POLICY,
        PolicyArns: [{ arn: MANAGED }],
      },
    ]);
    const signers = await Promise.all(sts.commandCalls(AssumeRoleCommand).map((call) => signerOf(call)));
    expect(signers).toEqual([
      { accessKeyId: SOURCE_KEYS.accessKeyId, secretAccessKey: SOURCE_KEYS.secretAccessKey },
      signingKeys('hub'),
      signingKeys('mid'),
    ]);
    expect(runner.log).toContain(`Assuming ${HUB} (hop 1 of 3) as session ${session} for 900 s`);
    expect(runner.log).toContain(
      `Assuming ${MID} (hop 2 of 3) as session ${session} for 900 s with the session of ${HUB}`,
    );
    expect(runner.log).toContain(
      `Assuming ${SPOKE} (hop 3 of 3) as session deployer for 2700 s with the session of ${MID}`,
    );
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(sessionKeys('spoke').accessKeyId);
    expect(runner.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/spoke/deployer`,
    );
    expectMaskedFirst(runner, [
      ...SOURCE_SECRETS,
      ...sessionSecrets('hub'),
      ...sessionSecrets('mid'),
      ...sessionSecrets('spoke'),
    ]);
  });
});

describe('allowed-account-ids with a chain', () => {
  const inputs = {
    'aws-region': 'us-east-1',
    'role-to-assume': `${HUB}\n${SPOKE}`,
    'allowed-account-ids': OTHER_ACCOUNT,
  };

  it("checks the last hop's account, not the hub's", async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({ inputs });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.outputs['aws-account-id']).toBe(OTHER_ACCOUNT);
  });

  it('fails cleanly when the last hop answers from another account', async () => {
    answerRoles(sts, ROLES, { account: { [SPOKE]: ACCOUNT } });
    const runner = new FakeRunner({ inputs });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toBe(
      `The credentials belong to account ${ACCOUNT}, which is not in allowed-account-ids (${OTHER_ACCOUNT}): nothing was exported. Fix the role or key, or add the account to allowed-account-ids.`,
    );
    expectMaskedFirst(runner, [...sessionSecrets('hub'), ...sessionSecrets('spoke')]);
  });
});

describe('a refused hop', () => {
  it('says which hop, with whose session, attempts no further hop and exports nothing', async () => {
    answerRoles(sts, ROLES);
    sts
      .on(AssumeRoleCommand, { RoleArn: MID })
      .rejects(stsError('AccessDenied', `User: hub session is not authorized to perform: sts:AssumeRole`));
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': `${HUB}\n${MID}\n${SPOKE}` },
    });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).toMatch(
      new RegExp(
        `^Could not assume ${MID} \\(hop 2 of 3, with the session of ${HUB}\\): the session of ${HUB} \\(hop 1\\) may not assume ${MID}\\. `,
      ),
    );
    expect(message).toContain('(AWS said: AccessDenied: User: hub session is not authorized');
    expect(assumeInputs().map((input) => input.RoleArn)).toEqual([MID]);
    expect(runner.log).not.toContain(`Assuming ${SPOKE}`);
    expectMaskedFirst(runner, [...runner.issuedTokens, ...sessionSecrets('hub')]);
  });
});

describe("the hub's session, which only signs", () => {
  it('is masked the moment it exists: a refusal quoting the signed request shows none of it', async () => {
    answerRoles(sts, ROLES);
    const { sessionToken } = sessionKeys('hub');
    sts
      .on(AssumeRoleCommand, { RoleArn: SPOKE })
      .rejects(
        stsError('SignatureDoesNotMatch', `Signature mismatch for x-amz-security-token:${sessionToken}`),
      );
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': `${HUB}\n${SPOKE}` },
    });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).not.toContain(sessionToken);
    expect(message).toContain('x-amz-security-token:***');
    expectMaskedFirst(runner, [...runner.issuedTokens, ...sessionSecrets('hub')]);
  });
});

describe('the hints for a hop name the session that signed, not the source', () => {
  // The job's own credentials (an earlier step's keys) as the source: their hints would tell to unset them.
  const earlier = {
    ...NO_OIDC,
    AWS_ACCESS_KEY_ID: 'ASIAEARLIERSTEPKEY01',
    AWS_SECRET_ACCESS_KEY: 'earlierStepSecretKey0000000000000000001',
    AWS_SESSION_TOKEN: 'earlierStepSessionToken00000000000000001',
  };
  const caller = `the session of ${HUB} (hop 1)`;

  it.each([
    [
      'AccessDenied',
      'not authorized to perform: sts:AssumeRole',
      `${caller} may not assume ${SPOKE}. The role's trust policy must name the caller as a principal with sts:AssumeRole and sts:TagSession (the action sends session tags; or set role-skip-session-tagging: true), and the caller's own IAM policies must allow sts:AssumeRole on the role. (AWS said: AccessDenied: not authorized to perform: sts:AssumeRole)`,
    ],
    [
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match',
      `AWS rejected the request signature of ${caller}, which STS issued moments before: check that sts-endpoint and any proxy pass requests on unchanged. (AWS said: SignatureDoesNotMatch: The request signature we calculated does not match)`,
    ],
    [
      'ExpiredToken',
      'The security token included in the request is expired',
      `${caller} expired before this request: the runner's clock may be off. (AWS said: ExpiredToken: The security token included in the request is expired)`,
    ],
  ])('%s', async (code, said, hint) => {
    answerRoles(sts, ROLES);
    sts.on(AssumeRoleCommand, { RoleArn: SPOKE }).rejects(stsError(code, said));
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': `${HUB}\n${SPOKE}`, 'role-chaining': 'true' },
    });
    await run(runner, world.env(earlier));

    expect(runner.log).toContain('Credential source: existing');
    expect(expectFailedCleanly(runner)).toBe(
      `Could not assume ${SPOKE} (hop 2 of 2, with the session of ${HUB}): ${hint}`,
    );
    expect(runner.failures[0]).not.toContain('unset-current-credentials');
    expect(runner.failures[0]).not.toContain('the credentials the job already has');
    // The earlier step's keys signed the hub: only the spoke was refused.
    expect(await signerOf(sts.commandCalls(AssumeRoleCommand)[0]!)).toEqual({
      accessKeyId: earlier.AWS_ACCESS_KEY_ID,
      secretAccessKey: earlier.AWS_SECRET_ACCESS_KEY,
      sessionToken: earlier.AWS_SESSION_TOKEN,
    });
  });
});
