// Every credential source, run from dist/ under Node 24 against moto: what the job gets, and what STS was asked.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeJwt } from 'jose';
import { runAction, useWorld } from './fixture.js';
import { findUnmasked } from './leaks.js';
import { GITHUB_RUN, GITHUB_SUBJECT } from './world/github-run.js';
import type { ActionStep } from './world/runner.js';
import { CUSTOM_AUDIENCE } from './world/seed.js';

const world = useWorld();

const assumedRole = (role: string, session = 'GitHubActions') =>
  `arn:aws:sts::${world().account.accountId}:assumed-role/${role}/${session}`;

/** The session tags every AssumeRole of this job carries (from the runner's GITHUB_* variables). */
const RUN_TAGS = {
  GitHub: 'Actions',
  Repository: GITHUB_RUN.repository,
  Workflow: GITHUB_RUN.workflow,
  Action: 'assume-role',
  Actor: GITHUB_RUN.actor,
  Commit: GITHUB_RUN.sha,
  Branch: GITHUB_RUN.ref,
  EventName: GITHUB_RUN.eventName,
  RunId: GITHUB_RUN.runId,
  Job: GITHUB_RUN.job,
  TriggeringActor: GITHUB_RUN.actor,
};

/** The step succeeded and exported temporary credentials that are masked in its log. */
function expectTemporaryCredentials(step: ActionStep, arn: string): void {
  expect(step.exitCode).toBe(0);
  expect(step.outputs).toEqual({ 'aws-account-id': world().account.accountId, 'authenticated-arn': arn });
  const env = step.exported;
  // The app id goes out once per job: a later step of the action finds it set and leaves it.
  expect(
    Object.keys(env)
      .filter((name) => name !== 'AWS_SDK_UA_APP_ID')
      .sort(),
  ).toEqual(
    [
      'AWS_ACCESS_KEY_ID',
      'AWS_CREDENTIAL_EXPIRATION',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ].sort(),
  );
  expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  expect(env.AWS_REGION).toBe(world().region);
  expect(new Date(env.AWS_CREDENTIAL_EXPIRATION ?? '').getTime()).toBeGreaterThan(Date.now());
  expect(
    findUnmasked(step.log, [
      { name: 'temporary secret key', value: env.AWS_SECRET_ACCESS_KEY ?? '' },
      { name: 'session token', value: env.AWS_SESSION_TOKEN ?? '' },
    ]),
  ).toEqual([]);
}

describe.each([
  { debug: false, mode: 'normal log' },
  { debug: true, mode: 'RUNNER_DEBUG=1' },
])('credential sources ($mode)', ({ debug }) => {
  beforeEach(() => world().sts.clear());

  it('GitHub OIDC with the default audience: one unsigned AssumeRoleWithWebIdentity with the job token', async () => {
    const job = world().newJob({ idToken: true, debug });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });

    expectTemporaryCredentials(step, assumedRole('deploy'));
    expect(step.exported.AWS_SDK_UA_APP_ID).toBe(`gha-${GITHUB_RUN.runId}-${GITHUB_RUN.runAttempt}`);
    const token = world().oidc.issued.at(-1);
    expect(token?.audience).toBe('sts.amazonaws.com');
    expect(decodeJwt(token?.token ?? '')).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'sts.amazonaws.com',
      sub: GITHUB_SUBJECT,
      repository: GITHUB_RUN.repository,
    });
    expect(findUnmasked(step.log, [{ name: 'OIDC JWT', value: token?.token ?? '' }])).toEqual([]);
    expect(world().sts.requests).toHaveLength(1);
    expect(world().sts.requests[0]).toMatchObject({
      action: 'AssumeRoleWithWebIdentity',
      signed: false,
      tags: {},
      params: {
        RoleArn: world().account.deployRole,
        RoleSessionName: 'GitHubActions',
        DurationSeconds: '3600',
        WebIdentityToken: token?.token,
      },
    });
  });

  it('GitHub OIDC with a custom audience: the token is requested for it', async () => {
    const job = world().newJob({ idToken: true, debug });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      audience: CUSTOM_AUDIENCE,
      'role-session-name': 'custom-aud',
    });

    expectTemporaryCredentials(step, assumedRole('deploy', 'custom-aud'));
    const token = world().oidc.issued.at(-1);
    expect(token?.audience).toBe(CUSTOM_AUDIENCE);
    expect(decodeJwt(token?.token ?? '').aud).toBe(CUSTOM_AUDIENCE);
    expect(world().sts.requests.map((r) => [r.action, r.params.WebIdentityToken])).toEqual([
      ['AssumeRoleWithWebIdentity', token?.token],
    ]);
  });

  it('web-identity-token-file (relative to the workspace): the file token is exchanged, no OIDC request', async () => {
    const job = world().newJob({ debug });
    const token = await world().oidc.issue('sts.amazonaws.com');
    const issuedBefore = world().oidc.issued.length;
    writeFileSync(path.join(job.workspace, 'web-identity.jwt'), `${token}\n`);

    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      'web-identity-token-file': 'web-identity.jwt',
    });

    expectTemporaryCredentials(step, assumedRole('deploy'));
    expect(findUnmasked(step.log, [{ name: 'token file JWT', value: token }])).toEqual([]);
    expect(world().oidc.issued).toHaveLength(issuedBefore);
    expect(world().sts.requests.map((r) => [r.action, r.signed, r.params.WebIdentityToken])).toEqual([
      ['AssumeRoleWithWebIdentity', false, token],
    ]);
  });

  it('access keys with a role: AssumeRole signed with the keys, with the run as session tags', async () => {
    const { account } = world();
    const job = world().newJob({ debug });
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'role-duration-seconds': 900,
      'transitive-tag-keys': 'Repository',
    });

    expectTemporaryCredentials(step, assumedRole('deploy'));
    expect(findUnmasked(step.log, [{ name: 'source secret key', value: account.secretAccessKey }])).toEqual(
      [],
    );
    expect(world().sts.requests).toHaveLength(1);
    expect(world().sts.requests[0]).toMatchObject({
      action: 'AssumeRole',
      signingKeyId: account.accessKeyId,
      params: { RoleArn: account.deployRole, RoleSessionName: 'GitHubActions', DurationSeconds: '900' },
      tags: RUN_TAGS,
      transitiveTagKeys: ['Repository'],
    });
  });

  it('access keys without a role: the keys themselves, checked with GetCallerIdentity', async () => {
    const { account } = world();
    const job = world().newJob({ debug });
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
    });

    expect(step.exitCode).toBe(0);
    expect(step.outputs).toEqual({
      'aws-account-id': account.accountId,
      'authenticated-arn': account.userArn,
    });
    expect(step.exported).toEqual({
      AWS_ACCESS_KEY_ID: account.accessKeyId,
      AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
      AWS_REGION: world().region,
      AWS_DEFAULT_REGION: world().region,
      AWS_SDK_UA_APP_ID: `gha-${GITHUB_RUN.runId}-${GITHUB_RUN.runAttempt}`,
    });
    expect(world().sts.requests.map((r) => [r.action, r.signingKeyId])).toEqual([
      ['GetCallerIdentity', account.accessKeyId],
    ]);
  });

  it('role chaining across two steps: the second step assumes the next role with the first step`s session', async () => {
    const job = world().newJob({ idToken: true, debug });
    const first = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    const second = await runAction(
      world(),
      job,
      { 'role-to-assume': world().account.chainedRole, 'role-chaining': true },
      { id: 'chain' },
    );

    expectTemporaryCredentials(first, assumedRole('deploy'));
    expectTemporaryCredentials(second, assumedRole('deploy-audit'));
    expect(job.env.AWS_ACCESS_KEY_ID).toBe(second.exported.AWS_ACCESS_KEY_ID);
    expect(world().sts.requests.map((r) => r.action)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
    expect(world().sts.requests[1]).toMatchObject({
      signingKeyId: first.exported.AWS_ACCESS_KEY_ID,
      params: { RoleArn: world().account.chainedRole },
      tags: { ...RUN_TAGS, Action: 'chain' },
    });
  });

  it('credentials the job already has (env): AssumeRole signed with them', async () => {
    const { account } = world();
    const job = world().newJob({
      debug,
      env: { AWS_ACCESS_KEY_ID: account.accessKeyId, AWS_SECRET_ACCESS_KEY: account.secretAccessKey },
    });
    const step = await runAction(world(), job, { 'role-to-assume': account.deployRole });

    expectTemporaryCredentials(step, assumedRole('deploy'));
    expect(step.log).toContain('Credential source: existing');
    expect(world().sts.requests.map((r) => [r.action, r.signingKeyId])).toEqual([
      ['AssumeRole', account.accessKeyId],
    ]);
  });

  it('use-existing-credentials when they work: one GetCallerIdentity, no new credentials exported', async () => {
    const { account } = world();
    const job = world().newJob({
      debug,
      env: { AWS_ACCESS_KEY_ID: account.accessKeyId, AWS_SECRET_ACCESS_KEY: account.secretAccessKey },
    });
    const step = await runAction(world(), job, {
      'role-to-assume': account.deployRole,
      'use-existing-credentials': true,
    });

    expect(step.exitCode).toBe(0);
    expect(step.exported).toEqual({
      AWS_REGION: world().region,
      AWS_DEFAULT_REGION: world().region,
      AWS_SDK_UA_APP_ID: `gha-${GITHUB_RUN.runId}-${GITHUB_RUN.runAttempt}`,
    });
    expect(step.outputs).toEqual({
      'aws-account-id': account.accountId,
      'authenticated-arn': account.userArn,
    });
    expect(step.log).toContain(`the job's credentials work (${account.userArn})`);
    expect(world().sts.requests.map((r) => r.action)).toEqual(['GetCallerIdentity']);
  });

  it('aws-profile: the credentials go to the shared files, not to the environment', async () => {
    const { account } = world();
    const job = world().newJob({ debug });
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'aws-profile': 'deploy',
    });

    expect(step.exitCode).toBe(0);
    expect(step.exported).toEqual({});
    const files = profileFiles(job.home);
    const secret = world().sts.requests[0]?.response.match(/<SecretAccessKey>([^<]+)</)?.[1];
    expect(files.credentials).toContain('[deploy]\n');
    expect(files.credentials).toContain(`aws_secret_access_key = ${secret}\n`);
    expect(files.config).toBe('[profile deploy]\nregion = us-east-1\n');
    expect(step.log).toContain(`Wrote [deploy] to ${path.join(job.home, '.aws', 'credentials')}`);
  });
});

function profileFiles(home: string): { credentials: string; config: string } {
  const read = (name: string) => readFileSync(path.join(home, '.aws', name), 'utf8');
  return { credentials: read('credentials'), config: read('config') };
}
