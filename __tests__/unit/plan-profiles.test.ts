import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
} from '@aws-sdk/client-sts';

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
  roleSession,
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

// profiles (issue 13): every profile's role assumed from one starting point — role-to-assume's session, the
// access keys, or the job's one web identity token — a few at a time, all or nothing, and written to the shared
// files only once every one is in hand.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const HUB = `arn:aws:iam::${ACCOUNT}:role/hub`;
const SPOKE = `arn:aws:iam::${ACCOUNT}:role/spoke`;
const role = (name: string) => `arn:aws:iam::${OTHER_ACCOUNT}:role/${name}`;
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
const ROLES = Object.fromEntries([
  [HUB, 'hub'],
  [SPOKE, 'spoke'],
  ...NAMES.map((name) => [role(name), name]),
]) as Record<string, string>;
const TAGS = [...STANDARD_TAGS, ...OPTIONAL_TAGS];
const POLICY = '{"Version":"2012-10-17","Statement":[]}';
const profileLines = (names: readonly string[]) => names.map((name) => `${name}: ${role(name)}`).join('\n');
const assumeCalls = () => sts.commandCalls(AssumeRoleCommand);
const assumeInputs = () => assumeCalls().map((call) => call.args[0].input);

/** The credentials file as the action writes it for these profiles, in this order. */
const credentialsText = (names: readonly string[]) =>
  names
    .map((name) => {
      const keys = sessionKeys(name);
      return `[${name}]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\naws_session_token = ${keys.sessionToken}\n`;
    })
    .join('\n');
const configText = (names: readonly string[], region: string) =>
  names.map((name) => `[profile ${name}]\nregion = ${region}\n`).join('\n');

describe('profiles with role-to-assume', () => {
  it("assumes each profile's role signed by role-to-assume's session and writes them to the shared files", async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': HUB,
        'role-source-identity': 'octocat-src',
        'inline-session-policy': POLICY,
        profiles: `alpha: ${role('alpha')} external-id=alpha-ext\nbeta: ${role('beta')} session-name=beta-session`,
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toHaveLength(1);
    // role-to-assume's session is the one later steps get: its duration and policy.
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]!.args[0].input).toMatchObject({
      RoleArn: HUB,
      DurationSeconds: 3600,
      Policy: POLICY,
    });
    // A web identity session has no SourceIdentity: each profile's AssumeRole sets it; no session policy.
    expect(assumeInputs()).toEqual([
      {
        RoleArn: role('alpha'),
        RoleSessionName: 'GitHubActions',
        DurationSeconds: 3600,
        ExternalId: 'alpha-ext',
        SourceIdentity: 'octocat-src',
        Tags: TAGS,
      },
      {
        RoleArn: role('beta'),
        RoleSessionName: 'beta-session',
        DurationSeconds: 3600,
        SourceIdentity: 'octocat-src',
        Tags: TAGS,
      },
    ]);
    for (const call of assumeCalls()) expect(await signerOf(call)).toEqual(signingKeys('hub'));

    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(sessionKeys('hub').accessKeyId);
    expect(runner.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/hub/GitHubActions`,
    );
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe(credentialsText(['alpha', 'beta']));
    expect(readFileSync(world.configFile, 'utf8')).toBe(configText(['alpha', 'beta'], 'eu-west-1'));
    expect(runner.log).toContain(
      `Assuming 2 profile roles with the session of ${HUB}, 2 at a time: alpha, beta`,
    );
    const betaArn = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/beta/beta-session`;
    expect(runner.log).toContain(`Profile beta: ${betaArn}`);
    expect(runner.log).toContain(`Wrote [alpha] to ${world.credentialsFile}`);
    expect(runner.log).toContain(`Wrote [profile beta] to ${world.configFile}`);
    expect(runner.summary).toMatch(/\| Profiles \|/);
    expect(runner.summary).toContain(`\`beta\` \`${betaArn}\``);
    expectMaskedFirst(runner, [
      ...runner.issuedTokens,
      ...sessionSecrets('hub'),
      ...sessionSecrets('alpha'),
      ...sessionSecrets('beta'),
    ]);
  });

  it("with a chain: signed by the last hop's session, with no second SourceIdentity", async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': `${HUB}\n${SPOKE}`,
        'role-source-identity': 'octocat-src',
        profiles: profileLines(['alpha']),
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(assumeInputs().map(({ RoleArn, SourceIdentity }) => [RoleArn, SourceIdentity])).toEqual([
      [SPOKE, 'octocat-src'],
      [role('alpha'), undefined],
    ]);
    expect(await signerOf(assumeCalls()[1]!)).toEqual(signingKeys('spoke'));
    expect(runner.log).toContain(`with the session of ${SPOKE}, 1 at a time: alpha`);
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(sessionKeys('spoke').accessKeyId);
    expectMaskedFirst(runner, [
      ...sessionSecrets('hub'),
      ...sessionSecrets('spoke'),
      ...sessionSecrets('alpha'),
    ]);
  });
});

describe('profiles without role-to-assume', () => {
  it('from GitHub OIDC: one token for every AssumeRoleWithWebIdentity, no keys exported, no identity outputs', async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-duration-seconds': '7200',
        profiles: profileLines(['alpha', 'beta', 'gamma']),
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([['sts.amazonaws.com']]);
    expect(sts.calls()).toHaveLength(3);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((c) => c.args[0].input)).toEqual(
      ['alpha', 'beta', 'gamma'].map((name) => ({
        RoleArn: role(name),
        RoleSessionName: 'GitHubActions',
        WebIdentityToken: runner.issuedTokens[0],
        DurationSeconds: 7200,
      })),
    );
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      expect(runner.exported[name]).toBeUndefined();
    expect(runner.outputs['aws-account-id']).toBeUndefined();
    expect(runner.outputs['authenticated-arn']).toBeUndefined();
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe(credentialsText(['alpha', 'beta', 'gamma']));
    expect(runner.log).toContain('with the GitHub OIDC token, 3 at a time: alpha, beta, gamma');
    expectMaskedFirst(runner, [
      ...runner.issuedTokens,
      ...['alpha', 'beta', 'gamma'].flatMap((name) => sessionSecrets(name)),
    ]);
  });

  it('from access keys: AssumeRole signed by the keys, which are exported as without profiles', async () => {
    answerRoles(sts, ROLES);
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-source-identity': 'octocat-src',
        profiles: profileLines(['alpha']),
        ...keyInputs(),
      },
    });
    await run(runner, world.env(NO_OIDC));

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(assumeInputs()).toEqual([
      {
        RoleArn: role('alpha'),
        RoleSessionName: 'GitHubActions',
        DurationSeconds: 3600,
        SourceIdentity: 'octocat-src',
        Tags: TAGS,
      },
    ]);
    expect(await signerOf(assumeCalls()[0]!)).toEqual({
      accessKeyId: SOURCE_KEYS.accessKeyId,
      secretAccessKey: SOURCE_KEYS.secretAccessKey,
    });
    expect(runner.exported).toMatchObject({
      AWS_ACCESS_KEY_ID: SOURCE_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SOURCE_KEYS.secretAccessKey,
    });
    expect(runner.outputs['aws-account-id']).toBe(ACCOUNT);
    expect(runner.log).toContain(
      'with the access keys aws-access-key-id/aws-secret-access-key, 1 at a time: alpha',
    );
    expectMaskedFirst(runner, [
      SOURCE_KEYS.accessKeyId,
      SOURCE_KEYS.secretAccessKey,
      ...sessionSecrets('alpha'),
    ]);
  });
});

describe('the fan-out', () => {
  it('has at most 4 requests in flight, and writes the profiles in the input order', async () => {
    let inFlight = 0;
    let most = 0;
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      // Later lines answer sooner: the files still follow the input.
      await new Promise((resolve) => setTimeout(resolve, 60 - 8 * Object.keys(ROLES).indexOf(input.RoleArn)));
      inFlight -= 1;
      return roleSession(input.RoleArn, ROLES[input.RoleArn]!);
    });
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', profiles: profileLines(NAMES), ...keyInputs() },
    });
    await run(runner, world.env(NO_OIDC));

    expect(runner.failures).toEqual([]);
    expect(assumeCalls()).toHaveLength(6);
    expect(most).toBe(4);
    expect(runner.log).toContain(`4 at a time: ${NAMES.join(', ')}`);
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe(credentialsText(NAMES));
  });

  it.each([
    [['beta'], ''],
    [['beta', 'delta'], ' (profile delta failed too)'],
    [['beta', 'gamma', 'delta'], ' (profiles gamma, delta failed too)'],
  ])(
    'when %j are refused: names the first in input order, writes and exports nothing',
    async (refused, also) => {
      answerRoles(sts, ROLES);
      for (const name of refused) {
        // The last refused answers first: the message still follows the input's order.
        const delay = 40 - 10 * refused.indexOf(name);
        sts
          .on(AssumeRoleCommand, { RoleArn: role(name) })
          .callsFake(
            () =>
              new Promise((_resolve, reject) =>
                setTimeout(() => reject(stsError('AccessDenied', 'not authorized')), delay),
              ),
          );
      }
      const runner = new FakeRunner({
        inputs: {
          'aws-region': 'us-east-1',
          'role-to-assume': HUB,
          profiles: profileLines(['alpha', 'beta', 'gamma', 'delta']),
        },
      });
      await run(runner, world.env());

      const message = expectFailedCleanly(runner);
      expect(message).toBe(
        `Could not assume ${role('beta')} (for profile beta, with the session of ${HUB}): the session of ${HUB} may not assume ${role('beta')}. The role's trust policy must name the caller as a principal with sts:AssumeRole and sts:TagSession (the action sends session tags; or set role-skip-session-tagging: true), and the caller's own IAM policies must allow sts:AssumeRole on the role. (AWS said: AccessDenied: not authorized)${also}`,
      );
      // Every profile was tried: a refusal stops nothing in flight, and says them all.
      expect(assumeCalls()).toHaveLength(4);
      expect(existsSync(world.credentialsFile)).toBe(false);
      expect(existsSync(world.configFile)).toBe(false);
      expectMaskedFirst(runner, [...runner.issuedTokens, ...sessionSecrets('alpha')]);
    },
  );

  // Fails: src/plan/run-plan.ts obtainPlan masks the first role's session at once only when a chain follows
  // (`if (config.nextHops.length > 0)`); role-to-assume's session that signs the profiles is masked only by
  // exportCredentials, which a refused profile never reaches. An answer quoting the signed request (as
  // SignatureDoesNotMatch can) then prints its session token in the failure, unredacted.
  it("masks role-to-assume's session, which signs the profiles, before a refusal can quote it", async () => {
    answerRoles(sts, ROLES);
    const { sessionToken } = sessionKeys('hub');
    sts
      .on(AssumeRoleCommand, { RoleArn: role('beta') })
      .rejects(
        stsError('SignatureDoesNotMatch', `Signature mismatch for x-amz-security-token:${sessionToken}`),
      );
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, profiles: profileLines(['alpha', 'beta']) },
    });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).not.toContain(sessionToken);
    expectMaskedFirst(runner, [...runner.issuedTokens, ...sessionSecrets('hub')]);
  });

  it('from the token, a refused profile says so with the token as the starting point', async () => {
    answerRoles(sts, ROLES);
    sts
      .on(AssumeRoleWithWebIdentityCommand, { RoleArn: role('beta') })
      .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'));
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', profiles: profileLines(['alpha', 'beta']) },
    });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).toMatch(
      new RegExp(
        `^Could not assume ${role('beta')} \\(for profile beta, with the GitHub OIDC token\\): the trust policy of ${role('beta')} does not accept this token`,
      ),
    );
    expect(existsSync(world.credentialsFile)).toBe(false);
    expectMaskedFirst(runner, runner.issuedTokens);
  });
});
