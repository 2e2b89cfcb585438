// The test world itself speaks GitHub's 2026 OIDC: tokens in both subject forms and from an enterprise's own
// issuer, trust policies in moto that tell them apart, AWS's sts:TagSession rule, and roles made at test time.
// Everything here calls the world's STS (moto) directly, never through the action.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { useWorld } from './fixture.js';
import {
  ENTERPRISE,
  GITHUB_ISSUER,
  GITHUB_RUN,
  GITHUB_SUBJECT,
  IMMUTABLE_SUBJECT,
} from './world/github-run.js';
import type { JobClaims } from './world/oidc-server.js';
import { OIDC_TRUST } from './world/seed.js';

const world = useWorld();

const token = (job: JobClaims = {}) => world().oidc.issue('sts.amazonaws.com', job);
const assumedRole = (role: string, session = 'world-check') =>
  `arn:aws:sts::${world().account.accountId}:assumed-role/${role}/${session}`;
const WEB_IDENTITY_REFUSED = {
  ok: false,
  status: 403,
  code: 'AccessDenied',
  message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
};
const OTHER_REPOSITORY = { name: `${GITHUB_RUN.owner}/other-repo`, id: '690999999' };

describe('the tokens', () => {
  it('carry the ids and the other claims GitHub sends in 2026, with the name-form sub by default', async () => {
    const claims = decodeJwt(await token());
    expect(claims).toMatchObject({
      iss: GITHUB_ISSUER,
      aud: 'sts.amazonaws.com',
      sub: GITHUB_SUBJECT,
      repository: GITHUB_RUN.repository,
      repository_id: GITHUB_RUN.repositoryId,
      repository_owner: GITHUB_RUN.owner,
      repository_owner_id: GITHUB_RUN.ownerId,
      repository_visibility: 'private',
      actor: GITHUB_RUN.actor,
      actor_id: GITHUB_RUN.actorId,
      ref: GITHUB_RUN.ref,
      event_name: 'push',
      workflow_sha: GITHUB_RUN.sha,
      job_workflow_sha: GITHUB_RUN.sha,
      job_workflow_ref: `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`,
      runner_environment: 'github-hosted',
    });
    expect(claims).not.toHaveProperty('enterprise');
    expect(claims).not.toHaveProperty('enterprise_id');
    expect(GITHUB_SUBJECT).toBe('repo:octo-org/octo-repo:ref:refs/heads/main');
  });

  it('have the immutable sub, owner and repository with their ids, when asked', async () => {
    expect(IMMUTABLE_SUBJECT).toBe('repo:octo-org@5138171/octo-repo@690123456:ref:refs/heads/main');
    expect(decodeJwt(await token({ subject: 'immutable' }))).toMatchObject({
      iss: GITHUB_ISSUER,
      sub: IMMUTABLE_SUBJECT,
      repository_id: '690123456',
      repository_owner_id: '5138171',
    });
    expect(decodeJwt(await token({ subject: 'immutable', environment: 'production' })).sub).toBe(
      'repo:octo-org@5138171/octo-repo@690123456:environment:production',
    );
  });

  it('of a pull request end in :pull_request and name the merge ref', async () => {
    expect(decodeJwt(await token({ eventName: 'pull_request' }))).toMatchObject({
      sub: `repo:${GITHUB_RUN.repository}:pull_request`,
      ref: 'refs/pull/1/merge',
      event_name: 'pull_request',
      job_workflow_ref: `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@refs/pull/1/merge`,
    });
    expect(decodeJwt(await token({ eventName: 'pull_request', subject: 'immutable' })).sub).toBe(
      'repo:octo-org@5138171/octo-repo@690123456:pull_request',
    );
  });

  it("of an enterprise come from the enterprise's issuer and name it", async () => {
    expect(ENTERPRISE.issuer).toBe('https://token.actions.githubusercontent.com/octo-enterprise');
    expect(decodeJwt(await token({ enterprise: true }))).toMatchObject({
      iss: ENTERPRISE.issuer,
      sub: GITHUB_SUBJECT,
      enterprise: 'octo-enterprise',
      enterprise_id: '4242',
    });
  });

  it("of another repository, or of one recreated under the same name, carry that repository's name and id", async () => {
    expect(decodeJwt(await token({ repository: OTHER_REPOSITORY, subject: 'immutable' }))).toMatchObject({
      sub: 'repo:octo-org@5138171/other-repo@690999999:ref:refs/heads/main',
      repository: 'octo-org/other-repo',
      repository_id: '690999999',
      repository_owner_id: GITHUB_RUN.ownerId,
      job_workflow_ref: `octo-org/other-repo/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`,
    });
    expect(decodeJwt(await token({ repository: OTHER_REPOSITORY })).sub).toBe(
      'repo:octo-org/other-repo:ref:refs/heads/main',
    );
    expect(decodeJwt(await token({ repositoryId: '690000001', subject: 'immutable' }))).toMatchObject({
      sub: 'repo:octo-org@5138171/octo-repo@690000001:ref:refs/heads/main',
      repository: GITHUB_RUN.repository,
      repository_id: '690000001',
    });
  });

  it('come from a job of world.newJob with the JobClaims it was given', async () => {
    const job = world().newJob({ idToken: { subject: 'immutable', enterprise: true } });
    const response = await fetch(`${job.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`, {
      headers: { authorization: `Bearer ${job.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
    });
    const { value } = (await response.json()) as { value: string };
    expect(decodeJwt(value)).toMatchObject({ iss: ENTERPRISE.issuer, sub: IMMUTABLE_SUBJECT });
  });
});

describe('the trust policies in moto', () => {
  it('deploy-immutable admits the immutable sub only, of this repository id', async () => {
    const role = world().account.immutableRole;
    expect(
      await world().assumeRoleWithWebIdentity(role, await token({ subject: 'immutable' })),
    ).toMatchObject({
      ok: true,
      arn: assumedRole('deploy-immutable'),
    });
    expect(await world().assumeRoleWithWebIdentity(role, await token())).toMatchObject(WEB_IDENTITY_REFUSED);
    const recreated = await token({ subject: 'immutable', repositoryId: '690000001' });
    expect(await world().assumeRoleWithWebIdentity(role, recreated)).toMatchObject(WEB_IDENTITY_REFUSED);
  });

  it('deploy-main, written for the name form, refuses the immutable sub', async () => {
    const role = world().account.mainBranchRole;
    expect(await world().assumeRoleWithWebIdentity(role, await token())).toMatchObject({ ok: true });
    expect(
      await world().assumeRoleWithWebIdentity(role, await token({ subject: 'immutable' })),
    ).toMatchObject(WEB_IDENTITY_REFUSED);
  });

  it("deploy-enterprise admits only the enterprise issuer's tokens; the others refuse them", async () => {
    const { enterpriseRole, mainBranchRole, enterpriseOidcProvider } = world().account;
    expect(OIDC_TRUST.enterpriseMainBranch).toEqual({
      Effect: 'Allow',
      Principal: { Federated: enterpriseOidcProvider },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com/octo-enterprise:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com/octo-enterprise:sub': GITHUB_SUBJECT,
        },
      },
    });
    const enterprise = await token({ enterprise: true });
    expect(await world().assumeRoleWithWebIdentity(enterpriseRole, enterprise)).toMatchObject({
      ok: true,
      arn: assumedRole('deploy-enterprise'),
    });
    expect(await world().assumeRoleWithWebIdentity(enterpriseRole, await token())).toMatchObject(
      WEB_IDENTITY_REFUSED,
    );
    expect(await world().assumeRoleWithWebIdentity(mainBranchRole, enterprise)).toMatchObject(
      WEB_IDENTITY_REFUSED,
    );
  });

  it('deploy (StringLike on the name form) refuses another repository of the same owner', async () => {
    const role = world().account.deployRole;
    expect(await world().assumeRoleWithWebIdentity(role, await token())).toMatchObject({ ok: true });
    expect(
      await world().assumeRoleWithWebIdentity(role, await token({ repository: OTHER_REPOSITORY })),
    ).toMatchObject(WEB_IDENTITY_REFUSED);
  });
});

describe('session tags (sts:TagSession)', () => {
  const assumeRole =
    (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    (roleArn: string, ...extra: string[]) =>
      world().runAws(credentials, [
        ...['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'GitHubActions'],
        ...extra,
      ]);
  const tags = ['--tags', `Key=Repository,Value=${GITHUB_RUN.repository}`];

  it('deploy-untagged admits the user without tags and refuses it with tags, saying sts:TagSession', async () => {
    const { untaggedRole, userArn } = world().account;
    const asUser = assumeRole(world().account);
    const plain = await asUser(untaggedRole);
    expect(plain.exitCode).toBe(0);
    expect(JSON.parse(plain.stdout).AssumedRoleUser.Arn).toBe(
      assumedRole('deploy-untagged', 'GitHubActions'),
    );
    for (const extra of [tags, [...tags, '--transitive-tag-keys', 'Repository']]) {
      const tagged = await asUser(untaggedRole, ...extra);
      expect(tagged.exitCode).not.toBe(0);
      expect(tagged.stderr).toContain(
        `(AccessDenied) when calling the AssumeRole operation: User: ${userArn} is not authorized to perform: ` +
          `sts:TagSession on resource: ${untaggedRole}`,
      );
    }
  });

  it('deploy and its chain to deploy-audit still take tags', async () => {
    const { deployRole, chainedRole } = world().account;
    const first = await assumeRole(world().account)(deployRole, ...tags);
    expect(first.exitCode).toBe(0);
    const { Credentials } = JSON.parse(first.stdout);
    const session = {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
    };
    const chained = await assumeRole(session)(chainedRole, ...tags, '--transitive-tag-keys', 'Repository');
    expect(chained.stderr).toBe('');
    expect(JSON.parse(chained.stdout).AssumedRoleUser.Arn).toBe(assumedRole('deploy-audit', 'GitHubActions'));
  });
});

describe('world.createRole', () => {
  it('makes a role whose trust policy checks real tokens, and replaces the trust policy of one that exists', async () => {
    const { oidcProvider } = world().account;
    const trusting = (conditions: Record<string, string>) => ({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: oidcProvider },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', ...conditions },
          },
        },
      ],
    });
    const arn = await world().createRole(
      'made-at-test-time',
      trusting({ 'token.actions.githubusercontent.com:repository_id': GITHUB_RUN.repositoryId }),
    );
    expect(arn).toBe(`arn:aws:iam::${world().account.accountId}:role/made-at-test-time`);
    expect(await world().assumeRoleWithWebIdentity(arn, await token())).toMatchObject({
      ok: true,
      arn: assumedRole('made-at-test-time'),
    });
    expect(
      await world().assumeRoleWithWebIdentity(arn, await token({ repository: OTHER_REPOSITORY })),
    ).toMatchObject(WEB_IDENTITY_REFUSED);

    // Again with the same name: the new trust policy replaces the old. A claim the token lacks never matches.
    const again = await world().createRole(
      'made-at-test-time',
      trusting({ 'token.actions.githubusercontent.com:enterprise_id': ENTERPRISE.id }),
    );
    expect(again).toBe(arn);
    expect(await world().assumeRoleWithWebIdentity(arn, await token())).toMatchObject(WEB_IDENTITY_REFUSED);
  });

  it('fails saying why for what IAM refuses', async () => {
    const trust = { Version: '2012-10-17', Statement: [OIDC_TRUST.mainBranch] };
    await expect(world().createRole('r'.repeat(65), trust)).rejects.toThrow(/IAM role names are 1 to 64/);
    await expect(world().createRole('bad name', trust)).rejects.toThrow(/Could not create role bad name/);
    await expect(
      world().createRole('no-statements', { Version: '2012-10-17', Statement: [] }),
    ).rejects.toThrow(/MalformedPolicyDocument/);
  });
});

describe('the job', () => {
  it('runs for the event and actor it is given', () => {
    const payload = {
      pull_request: { number: 7, head: { ref: 'feature', repo: { fork: true } }, base: { ref: 'main' } },
    };
    const job = world().newJob({ event: { name: 'pull_request', payload }, actor: 'dependabot[bot]' });
    expect(job.env).toMatchObject({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_ACTOR: 'dependabot[bot]',
      GITHUB_TRIGGERING_ACTOR: 'dependabot[bot]',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_HEAD_REF: 'feature',
      GITHUB_BASE_REF: 'main',
    });
    expect(JSON.parse(readFileSync(job.env.GITHUB_EVENT_PATH ?? '', 'utf8'))).toEqual(payload);

    const push = world().newJob();
    expect(push.env).toMatchObject({ GITHUB_EVENT_NAME: 'push', GITHUB_ACTOR: GITHUB_RUN.actor });
    expect(push.env).not.toHaveProperty('GITHUB_HEAD_REF');
    expect(JSON.parse(readFileSync(push.env.GITHUB_EVENT_PATH ?? '', 'utf8'))).toMatchObject({
      ref: GITHUB_RUN.ref,
      sender: { login: GITHUB_RUN.actor },
    });
  });
});
