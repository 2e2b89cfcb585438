// role-to-assume with several lines is a chain (issue 13): the first role is assumed from the source, each next
// one with AssumeRole signed by the previous session's keys, and the last one's credentials are handed on. The
// spokes are in a second account (hub and spoke across accounts); moto_launcher.py adds the trust check moto
// skips for another account's role, so a refused hop is refused by the spoke's own trust policy.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { runAction, useWorld, worldSecrets } from './fixture.js';
import {
  assumeCalls,
  assumeRequests,
  keyIdFor,
  lines,
  literally,
  requestFor,
  sessionArn,
} from './hub-and-spokes.js';
import { findLeaks } from './leaks.js';
import { errorMessages, expectFailedCleanly, jobFiles, resetFaults } from './step-checks.js';
import { whoAmIEach } from './world/clients.js';
import { GITHUB_RUN } from './world/github-run.js';
import type { AwsCredentials } from './world/aws-cli.js';
import { HUB_SESSION_NAMES, SPOKE_B_EXTERNAL_ID } from './world/seed.js';

const world = useWorld();
beforeEach(() => resetFaults(world()));

/** The user's own keys as inputs: the chain's source is then access keys. */
const userKeys = () => ({
  'aws-access-key-id': world().account.accessKeyId,
  'aws-secret-access-key': world().account.secretAccessKey,
});

const TEMPLATE_SESSION = `gha-${GITHUB_RUN.runId}-${GITHUB_RUN.runAttempt}`;

describe('the hub and spokes in moto (the world itself: STS called directly, not through the action)', () => {
  /** sts assume-role as this identity; the answer's session ARN and keys, or the CLI's error. */
  async function assumeRole(as: AwsCredentials, roleArn: string, extra: string[] = []) {
    const result = await world().runAws(as, [
      ...['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'GitHubActions', ...extra],
    ]);
    if (result.exitCode !== 0) return { arn: undefined, error: result.stderr.trim(), credentials: undefined };
    const { AssumedRoleUser, Credentials } = JSON.parse(result.stdout) as {
      AssumedRoleUser: { Arn: string };
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    };
    const credentials = {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
    };
    return { arn: AssumedRoleUser.Arn, error: undefined, credentials };
  }
  const refused = (action: string, roleArn: string) =>
    expect.stringMatching(
      `AccessDenied.*User: ${literally(sessionArn(world().account.hubRole))} is not authorized to perform: ` +
        `${action} on resource: ${literally(roleArn)}`,
    ) as unknown as string;

  it('the spokes are in their own account, and a hub session may assume spoke-a and spoke-b (with its external id), not spoke-closed', async () => {
    const { account } = world();
    expect(account.spokeAccountId).not.toBe(account.accountId);
    const hub = await assumeRole(account, account.hubRole, ['--tags', 'Key=GitHub,Value=Actions']);
    expect(hub.arn).toBe(sessionArn(account.hubRole));
    const hubSession = hub.credentials as AwsCredentials;

    const spokeA = await assumeRole(hubSession, account.spokeA, [
      ...['--tags', 'Key=GitHub,Value=Actions', '--source-identity', 'octocat'],
    ]);
    expect(spokeA.arn).toBe(`arn:aws:sts::${account.spokeAccountId}:assumed-role/spoke-a/GitHubActions`);
    // spoke-a's keys belong to the spoke account: who they are, and their one permission.
    const identity = await world().runAws(spokeA.credentials as AwsCredentials, [
      'sts',
      'get-caller-identity',
    ]);
    expect(JSON.parse(identity.stdout)).toMatchObject({ Account: account.spokeAccountId, Arn: spokeA.arn });
    const buckets = await world().runAws(spokeA.credentials as AwsCredentials, ['s3api', 'list-buckets']);
    expect(buckets.exitCode).toBe(0);

    expect((await assumeRole(hubSession, account.spokeB, ['--external-id', SPOKE_B_EXTERNAL_ID])).arn).toBe(
      sessionArn(account.spokeB),
    );
    expect((await assumeRole(hubSession, account.spokeB)).error).toEqual(
      refused('sts:AssumeRole', account.spokeB),
    );
    expect((await assumeRole(hubSession, account.spokeB, ['--external-id', 'other'])).error).toEqual(
      refused('sts:AssumeRole', account.spokeB),
    );
    expect((await assumeRole(hubSession, account.spokeClosed)).error).toEqual(
      refused('sts:AssumeRole', account.spokeClosed),
    );
  });

  it('spoke-a trusts the session names of hub the tests use, and no other; the user may not assume it', async () => {
    const { account } = world();
    for (const name of [...HUB_SESSION_NAMES, 'someone-else']) {
      const hub = await world().runAws(account, [
        ...['sts', 'assume-role', '--role-arn', account.hubRole, '--role-session-name', name],
      ]);
      const { Credentials } = JSON.parse(hub.stdout) as {
        Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      };
      const spoke = await world().runAws(
        {
          accessKeyId: Credentials.AccessKeyId,
          secretAccessKey: Credentials.SecretAccessKey,
          sessionToken: Credentials.SessionToken,
        },
        ['sts', 'assume-role', '--role-arn', account.spokeA, '--role-session-name', 'GitHubActions'],
      );
      expect([name, spoke.exitCode === 0]).toEqual([name, name !== 'someone-else']);
    }
    expect((await assumeRole(account, account.spokeA)).error).toContain('AccessDenied');
  });

  it('spoke-oidc trusts GitHub OIDC for this repository (the spoke account`s own provider); spoke-a does not', async () => {
    const { account } = world();
    const token = await world().oidc.issue('sts.amazonaws.com', {});
    expect(await world().assumeRoleWithWebIdentity(account.spokeOidc, token)).toMatchObject({
      ok: true,
      arn: sessionArn(account.spokeOidc, 'world-check'),
    });
    expect(await world().assumeRoleWithWebIdentity(account.hubRole, token)).toMatchObject({ ok: true });
    expect(await world().assumeRoleWithWebIdentity(account.spokeA, token)).toMatchObject({
      ok: false,
      code: 'AccessDenied',
    });
  });
});

describe('a chain in role-to-assume', () => {
  it('from GitHub OIDC: hub by web identity for 900 s, then spoke-a signed with the hub session; spoke-a is handed on', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { 'role-to-assume': lines(account.hubRole, account.spokeA) });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    expect(assumeCalls(world())).toEqual([
      { action: 'AssumeRoleWithWebIdentity', roleArn: account.hubRole, signedWith: undefined, status: 200 },
      {
        action: 'AssumeRole',
        roleArn: account.spokeA,
        signedWith: keyIdFor(world(), account.hubRole),
        status: 200,
      },
    ]);
    expect(requestFor(world(), account.hubRole).params.DurationSeconds).toBe('900');
    // Session tags go with AssumeRole only: STS takes none with AssumeRoleWithWebIdentity.
    expect(requestFor(world(), account.hubRole).tags).toEqual({});
    expect(requestFor(world(), account.spokeA).tags).toMatchObject({ GitHub: 'Actions' });
    expect(step.exported.AWS_ACCESS_KEY_ID).toBe(keyIdFor(world(), account.spokeA));
    expect(step.outputs).toMatchObject({
      'authenticated-arn': sessionArn(account.spokeA),
      'aws-account-id': account.spokeAccountId,
    });
    expect(await whoAmIEach(job, world().motoUrl)).toEqual(
      ['aws-cli', 'boto3', 'js-sdk'].map((client) => ({
        client,
        ok: true,
        arn: sessionArn(account.spokeA),
        error: undefined,
      })),
    );
  });

  it('from access keys: hub signed with the user`s key, spoke-a with the hub session`s, both with session tags', async () => {
    const { account } = world();
    const job = world().newJob();
    const step = await runAction(world(), job, {
      ...userKeys(),
      'role-to-assume': lines(account.hubRole, account.spokeA),
    });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    expect(assumeCalls(world())).toEqual([
      { action: 'AssumeRole', roleArn: account.hubRole, signedWith: account.accessKeyId, status: 200 },
      {
        action: 'AssumeRole',
        roleArn: account.spokeA,
        signedWith: keyIdFor(world(), account.hubRole),
        status: 200,
      },
    ]);
    for (const request of assumeRequests(world())) {
      expect(request.tags).toMatchObject({ GitHub: 'Actions', Repository: GITHUB_RUN.repository });
    }
    expect(requestFor(world(), account.hubRole).params.DurationSeconds).toBe('900');
    expect(step.exported.AWS_ACCESS_KEY_ID).toBe(keyIdFor(world(), account.spokeA));
    expect(step.outputs['authenticated-arn']).toBe(sessionArn(account.spokeA));
  });

  it('session policies and role-duration-seconds go on the last hop only', async () => {
    const { account } = world();
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
    };
    const managed = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const job = world().newJob();
    const step = await runAction(world(), job, {
      ...userKeys(),
      'role-to-assume': lines(account.hubRole, account.spokeA),
      'role-duration-seconds': 1800,
      'inline-session-policy': JSON.stringify(policy),
      'managed-session-policies': managed,
    });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    const [hub, spoke] = [requestFor(world(), account.hubRole), requestFor(world(), account.spokeA)];
    expect([hub.params.DurationSeconds, hub.params.Policy, hub.params['PolicyArns.member.1.arn']]).toEqual([
      '900',
      undefined,
      undefined,
    ]);
    expect(spoke.params.DurationSeconds).toBe('1800');
    expect(JSON.parse(spoke.params.Policy ?? 'null')).toEqual(policy);
    expect(spoke.params['PolicyArns.member.1.arn']).toBe(managed);
  });

  it('a refused hop fails the step naming the role and its place; the next hop is never tried, nothing is handed on', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': lines(account.hubRole, account.spokeClosed, account.spokeA),
    });

    const error = expectFailedCleanly(step, job); // nothing exported, no output, no file (~/.aws) written
    expect(error).toMatch(
      new RegExp(
        `^Could not assume ${literally(account.spokeClosed)} \\(hop 2 of 3, with the session of ` +
          `${literally(account.hubRole)}\\): `,
      ),
    );
    expect(assumeCalls(world()).map(({ roleArn, status }) => [roleArn, status])).toEqual([
      [account.hubRole, 200],
      [account.spokeClosed, 403],
    ]);
  });

  it('settings on a line: session-name and external-id go with that hop only', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': lines(
        `${account.hubRole} session-name=hub-hop`,
        `${account.spokeB} external-id=${SPOKE_B_EXTERNAL_ID} session-name=spoke-hop`,
      ),
    });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    const [hub, spoke] = [requestFor(world(), account.hubRole), requestFor(world(), account.spokeB)];
    expect([hub.params.RoleSessionName, hub.params.ExternalId]).toEqual(['hub-hop', undefined]);
    expect([spoke.params.RoleSessionName, spoke.params.ExternalId]).toEqual([
      'spoke-hop',
      SPOKE_B_EXTERNAL_ID,
    ]);
    expect(spoke.signingKeyId).toBe(keyIdFor(world(), account.hubRole));
    expect(step.outputs['authenticated-arn']).toBe(sessionArn(account.spokeB, 'spoke-hop'));
  });

  // A session keeps the source identity it got and STS refuses to change it along the chain: the first AssumeRole
  // hop sets it, a later one may only repeat it.
  it.each([
    { source: 'access keys', idToken: false, firstHop: 'AssumeRole' },
    { source: 'GitHub OIDC', idToken: true, firstHop: 'AssumeRoleWithWebIdentity' },
  ])(
    'role-source-identity is sent as SourceIdentity on the first AssumeRole hop and kept (from $source)',
    async ({ idToken, firstHop }) => {
      const { account } = world();
      const job = world().newJob({ idToken });
      const step = await runAction(world(), job, {
        ...(idToken ? {} : userKeys()),
        'role-to-assume': lines(account.hubRole, account.spokeA),
        'role-source-identity': GITHUB_RUN.actor,
      });

      expect(errorMessages(step)).toEqual([]);
      expect(step.exitCode).toBe(0);
      const sent = assumeRequests(world()).map(({ action, params }) => [action, params.SourceIdentity]);
      expect(sent.map(([action]) => action)).toEqual([firstHop, 'AssumeRole']);
      const onAssumeRole = sent.filter(([action]) => action === 'AssumeRole').map(([, identity]) => identity);
      expect(onAssumeRole[0]).toBe(GITHUB_RUN.actor);
      expect(
        onAssumeRole.filter((identity) => identity !== undefined && identity !== GITHUB_RUN.actor),
      ).toEqual([]);
      if (firstHop !== 'AssumeRole') expect(sent[0]?.[1]).toBeUndefined();
    },
  );

  it.each([
    { what: 'one role', roles: ['deployRole'] as const },
    { what: 'a chain', roles: ['hubRole', 'spokeA'] as const },
  ])(
    'role-session-name-template gha-{run_id}-{run_attempt} names every session gha-4242-1, and says so ($what)',
    async ({ roles }) => {
      const { account } = world();
      const arns = roles.map((role) => account[role]);
      const job = world().newJob({ idToken: true });
      const step = await runAction(world(), job, {
        'role-to-assume': lines(...arns),
        'role-session-name-template': 'gha-{run_id}-{run_attempt}',
      });

      expect(TEMPLATE_SESSION).toBe('gha-4242-1');
      expect(errorMessages(step)).toEqual([]);
      expect(step.exitCode).toBe(0);
      expect(assumeRequests(world()).map(({ params }) => params.RoleSessionName)).toEqual(
        arns.map(() => TEMPLATE_SESSION),
      );
      expect(step.outputs['authenticated-arn']).toBe(sessionArn(arns.at(-1) ?? '', TEMPLATE_SESSION));
      expect(step.log).toContain(TEMPLATE_SESSION);
    },
  );

  it('refresh-credentials: a later AWS CLI call assumes the whole chain again through the credential_process', async () => {
    const { account, aws } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': lines(account.hubRole, account.spokeA),
      'refresh-credentials': true,
    });
    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    expect(job.env.AWS_ACCESS_KEY_ID).toBeUndefined();
    for (const text of Object.values(jobFiles(job)))
      expect(findLeaks(text, worldSecrets(world()))).toEqual([]);

    world().sts.clear();
    const identity = await job.run(aws(['sts', 'get-caller-identity', '--output', 'json']));
    expect(identity.stderr).toBe('');
    expect((JSON.parse(identity.stdout) as { Arn: string }).Arn).toBe(sessionArn(account.spokeA));
    expect(assumeCalls(world())).toEqual([
      { action: 'AssumeRoleWithWebIdentity', roleArn: account.hubRole, signedWith: undefined, status: 200 },
      {
        action: 'AssumeRole',
        roleArn: account.spokeA,
        signedWith: keyIdFor(world(), account.hubRole),
        status: 200,
      },
    ]);
  });
});

describe('a chain in role-to-assume: refused before any request', () => {
  it.each([
    {
      why: 'role-duration-seconds over 3600 (STS limits chained sessions to one hour)',
      inputs: () => ({
        'role-to-assume': lines(world().account.hubRole, world().account.spokeA),
        'role-duration-seconds': 7200,
      }),
      error: /role-duration-seconds/,
    },
    {
      why: 'a line that is a user ARN, not a role ARN',
      inputs: () => ({
        'role-to-assume': lines(world().account.hubRole, 'arn:aws:iam::123456789012:user/x'),
      }),
      error: /^role-to-assume line 2: /,
    },
    {
      why: 'a line of a chain that is a bare role name',
      inputs: () => ({ 'role-to-assume': lines(world().account.hubRole, 'spoke-a') }),
      error: /^role-to-assume line 2: /,
    },
  ])('$why', async ({ inputs, error }) => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, inputs());

    expect(expectFailedCleanly(step, job)).toMatch(error);
    expect(world().sts.requests).toEqual([]);
    expect(world().oidc.requests).toEqual([]);
  });
});
