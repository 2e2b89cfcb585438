// The profiles input (issue 13): `NAME: ROLE_ARN [external-id=…] [session-name=…]` lines, each role assumed from
// the session of role-to-assume when it is set (hub and spokes), otherwise straight from the source, and written
// as a named profile of the shared files that the AWS CLI, boto3 and the JS SDK read. All or nothing: one refused
// role and nothing is written. The spokes are in a second account (see chains.test.ts).
import { beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runAction, runPost, useWorld, worldSecrets } from './fixture.js';
import {
  assumeCalls,
  CREDENTIAL_VARIABLES,
  keyIdFor,
  lines,
  literally,
  requestFor,
  sessionArn,
} from './hub-and-spokes.js';
import { findLeaks } from './leaks.js';
import { errorMessages, expectFailedCleanly, jobFiles, resetFaults } from './step-checks.js';
import { CLIENTS, whoAmI, whoAmIEach, type WhoAmI } from './world/clients.js';
import type { Job } from './world/runner.js';
import { SPOKE_B_EXTERNAL_ID } from './world/seed.js';

const world = useWorld();
beforeEach(() => resetFaults(world()));

/** role-to-assume hub, and profiles a (spoke-a) and b (spoke-b, with the external id it requires). */
const hubWithTwoProfiles = () => ({
  'role-to-assume': world().account.hubRole,
  profiles: lines(
    `a: ${world().account.spokeA}`,
    `b: ${world().account.spokeB} external-id=${SPOKE_B_EXTERNAL_ID}`,
  ),
});

/** Every client is this ARN. */
const allSee = (arn: string): WhoAmI[] =>
  CLIENTS.map((client) => ({ client, ok: true, arn, error: undefined }));

/** Who the job's clients are with this profile (none: the job's environment alone). */
const clients = (job: Job, profile?: string) =>
  whoAmIEach(job, world().motoUrl, profile === undefined ? {} : { profile });

/** The lines of one `[header]` section of an INI file, up to the next section; undefined when it has none. */
function section(text: string, header: string): string[] | undefined {
  const all = text.split('\n');
  const start = all.findIndex((line) => line.trim() === `[${header}]`);
  if (start === -1) return undefined;
  const end = all.findIndex((line, index) => index > start && line.trim().startsWith('['));
  return all.slice(start + 1, end === -1 ? undefined : end).filter((line) => line.trim() !== '');
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** The user's own profile `mine` (their access keys), in their shared credentials file. */
function userProfile(): string {
  const { account } = world();
  return `# my keys\n[mine]\naws_access_key_id = ${account.accessKeyId}\naws_secret_access_key = ${account.secretAccessKey}\n`;
}

describe('profiles', () => {
  it('with role-to-assume hub: profiles a and b are spoke-a and spoke-b for all three clients; the environment is hub', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, hubWithTwoProfiles());

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    const hubKey = keyIdFor(world(), account.hubRole);
    const calls = assumeCalls(world());
    expect(calls[0]).toEqual({
      action: 'AssumeRoleWithWebIdentity',
      roleArn: account.hubRole,
      signedWith: undefined,
      status: 200,
    });
    // Each spoke from the hub session (in whatever order the action asks).
    expect(calls.slice(1).sort((x, y) => (x.roleArn ?? '').localeCompare(y.roleArn ?? ''))).toEqual([
      { action: 'AssumeRole', roleArn: account.spokeA, signedWith: hubKey, status: 200 },
      { action: 'AssumeRole', roleArn: account.spokeB, signedWith: hubKey, status: 200 },
    ]);
    expect(requestFor(world(), account.spokeB).params.ExternalId).toBe(SPOKE_B_EXTERNAL_ID);
    expect(requestFor(world(), account.spokeA).params.ExternalId).toBeUndefined();

    // The environment and outputs are role-to-assume's, as without profiles.
    expect(step.exported.AWS_ACCESS_KEY_ID).toBe(hubKey);
    expect(step.outputs['authenticated-arn']).toBe(sessionArn(account.hubRole));

    // [NAME] in the credentials file with the profile's keys, [profile NAME] in config with the region.
    const credentials = read(path.join(job.home, '.aws', 'credentials'));
    const config = read(path.join(job.home, '.aws', 'config'));
    for (const [name, role] of [
      ['a', account.spokeA],
      ['b', account.spokeB],
    ] as const) {
      expect(section(credentials, name)).toEqual(
        expect.arrayContaining([
          `aws_access_key_id = ${keyIdFor(world(), role)}`,
          expect.stringMatching(/^aws_secret_access_key = \S+$/),
          expect.stringMatching(/^aws_session_token = \S+$/),
        ]),
      );
      expect(section(config, `profile ${name}`)).toEqual(
        expect.arrayContaining([`region = ${world().region}`]),
      );
    }
    expect(findLeaks(config, worldSecrets(world()))).toEqual([]);

    expect(await clients(job, 'a')).toEqual(allSee(sessionArn(account.spokeA)));
    expect(await clients(job, 'b')).toEqual(allSee(sessionArn(account.spokeB)));
    expect(await clients(job)).toEqual(allSee(sessionArn(account.hubRole)));
  });

  it('without role-to-assume, from GitHub OIDC: the role by web identity with the job`s token; nothing in the environment', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { profiles: `spoke: ${account.spokeOidc}` });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    expect(assumeCalls(world())).toEqual([
      { action: 'AssumeRoleWithWebIdentity', roleArn: account.spokeOidc, signedWith: undefined, status: 200 },
    ]);
    expect(requestFor(world(), account.spokeOidc).params.WebIdentityToken).toBe(
      world().oidc.issued.at(-1)?.token,
    );
    expect(CREDENTIAL_VARIABLES.filter((name) => name in step.exported)).toEqual([]);
    expect(CREDENTIAL_VARIABLES.filter((name) => job.env[name] !== undefined)).toEqual([]);

    expect(await clients(job, 'spoke')).toEqual(allSee(sessionArn(account.spokeOidc)));
  });

  it('without role-to-assume, from access keys: the role by AssumeRole signed with the user`s key', async () => {
    const { account } = world();
    const job = world().newJob();
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      profiles: `hub: ${account.hubRole} session-name=hub-hop`,
    });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    expect(assumeCalls(world())).toEqual([
      { action: 'AssumeRole', roleArn: account.hubRole, signedWith: account.accessKeyId, status: 200 },
    ]);
    expect(requestFor(world(), account.hubRole).params.RoleSessionName).toBe('hub-hop');
    expect(await clients(job, 'hub')).toEqual(allSee(sessionArn(account.hubRole, 'hub-hop')));
  });

  it('a refused profile fails the step naming it; no profile, variable or output is written, not even the good one', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': account.hubRole,
      profiles: lines(`good: ${account.spokeA}`, `bad: ${account.spokeClosed}`),
    });

    const error = expectFailedCleanly(step, job); // nothing exported, no output, no file under HOME or RUNNER_TEMP
    // `Could not assume <role> for profile <name> …: …`, the profile also in the hop message's parenthesis.
    expect(error).toMatch(
      new RegExp(`^Could not assume ${literally(account.spokeClosed)} \\(?for profile bad\\b.*: `),
    );
    expect(readdirSync(job.home)).toEqual([]);
    expect(requestFor(world(), account.spokeClosed).status).toBe(403);
  });

  it('the post step removes both profiles and keeps the user`s own profile in the same file', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const awsDir = path.join(job.home, '.aws');
    mkdirSync(awsDir, { recursive: true });
    writeFileSync(path.join(awsDir, 'credentials'), userProfile());
    const step = await runAction(world(), job, hubWithTwoProfiles());
    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    const written = read(path.join(awsDir, 'credentials'));
    expect([section(written, 'mine'), section(written, 'a'), section(written, 'b')]).toEqual([
      expect.any(Array),
      expect.any(Array),
      expect.any(Array),
    ]);

    const posts = await runPost(world(), job);
    expect(posts.map(({ exitCode }) => exitCode)).toEqual([0]);
    expect(read(path.join(awsDir, 'credentials'))).toBe(userProfile());
    const config = read(path.join(awsDir, 'config'));
    expect([section(config, 'profile a'), section(config, 'profile b')]).toEqual([undefined, undefined]);

    expect(await clients(job, 'mine')).toEqual(allSee(account.userArn));
    expect(await whoAmI(job, world().motoUrl, 'aws-cli', { profile: 'a' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/could not be found/) as unknown as string,
    });
  });

  it('profile-location: job puts the files under RUNNER_TEMP for later steps; ~/.aws is not touched; the post step removes them', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { ...hubWithTwoProfiles(), 'profile-location': 'job' });

    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    const files = {
      credentials: step.exported.AWS_SHARED_CREDENTIALS_FILE ?? '',
      config: step.exported.AWS_CONFIG_FILE ?? '',
    };
    for (const file of Object.values(files)) {
      expect(file.startsWith(`${job.runnerTemp}${path.sep}`)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
    expect(statSync(files.credentials).mode & 0o777).toBe(0o600); // it holds the keys
    expect(section(read(files.credentials), 'a')).toBeDefined();
    expect(section(read(files.config), 'profile b')).toBeDefined();
    expect(readdirSync(job.home)).toEqual([]);
    expect(await clients(job, 'a')).toEqual(allSee(sessionArn(account.spokeA)));
    expect(await clients(job, 'b')).toEqual(allSee(sessionArn(account.spokeB)));

    const posts = await runPost(world(), job);
    expect(posts.map(({ exitCode }) => exitCode)).toEqual([0]);
    expect(Object.values(files).filter((file) => existsSync(file))).toEqual([]);
    expect(readdirSync(job.home)).toEqual([]);
    // They were unset, which GITHUB_ENV cannot do again: never empty, never the files just removed.
    for (const name of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE']) {
      expect(['', files.credentials, files.config]).not.toContain(job.env[name]);
    }
  });

  it('profile-location: job with the shared file variables set by an earlier step: the post step puts them back', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    // The user's own shared files, outside ~/.aws, which an earlier step points the job at.
    const ownDir = path.join(job.workspace, '.aws-own');
    const own = { credentials: path.join(ownDir, 'credentials'), config: path.join(ownDir, 'config') };
    const ownText = { credentials: userProfile(), config: `[profile mine]\nregion = ${world().region}\n` };
    mkdirSync(ownDir, { recursive: true });
    writeFileSync(own.credentials, ownText.credentials);
    writeFileSync(own.config, ownText.config);
    const earlier = await job.run([
      'sh',
      '-c',
      `printf 'AWS_SHARED_CREDENTIALS_FILE=%s\\nAWS_CONFIG_FILE=%s\\n' "$1" "$2" >> "$GITHUB_ENV"`,
      'sh',
      own.credentials,
      own.config,
    ]);
    expect(earlier.exitCode).toBe(0);
    const before = jobFiles(job);

    const step = await runAction(world(), job, { ...hubWithTwoProfiles(), 'profile-location': 'job' });
    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    expect(job.env.AWS_SHARED_CREDENTIALS_FILE?.startsWith(`${job.runnerTemp}${path.sep}`)).toBe(true);
    expect(job.env.AWS_CONFIG_FILE?.startsWith(`${job.runnerTemp}${path.sep}`)).toBe(true);
    expect({ credentials: read(own.credentials), config: read(own.config) }).toEqual(ownText);
    expect(await clients(job, 'a')).toEqual(allSee(sessionArn(account.spokeA)));

    const posts = await runPost(world(), job);
    expect(posts.map(({ exitCode }) => exitCode)).toEqual([0]);
    expect({ credentials: job.env.AWS_SHARED_CREDENTIALS_FILE, config: job.env.AWS_CONFIG_FILE }).toEqual(
      own,
    );
    expect({ credentials: read(own.credentials), config: read(own.config) }).toEqual(ownText);
    expect(jobFiles(job)).toEqual(before);
    expect(await clients(job, 'mine')).toEqual(allSee(account.userArn));
  });

  it('refresh-credentials: a later `aws --profile a` assumes hub and spoke-a again through the credential_process', async () => {
    const { account, aws } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': account.hubRole,
      profiles: `a: ${account.spokeA}`,
      'refresh-credentials': true,
    });
    expect(errorMessages(step)).toEqual([]);
    expect(step.exitCode).toBe(0);
    // Nothing secret is written: the profile holds a credential_process, not keys.
    for (const text of Object.values(jobFiles(job)))
      expect(findLeaks(text, worldSecrets(world()))).toEqual([]);

    world().sts.clear();
    const identity = await job.run(aws(['--profile', 'a', 'sts', 'get-caller-identity', '--output', 'json']));
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

describe('profiles: bad lines are refused before any request, naming the line', () => {
  it.each([
    { why: 'a line without a colon', profiles: () => `a ${world().account.spokeA}`, line: 1 },
    {
      why: 'a name given twice',
      profiles: () => lines(`a: ${world().account.spokeA}`, `a: ${world().account.spokeB}`),
      line: 2,
    },
    {
      why: 'a user ARN, not a role ARN',
      profiles: () => lines(`a: ${world().account.spokeA}`, 'b: arn:aws:iam::123456789012:user/x'),
      line: 2,
    },
    {
      why: 'the name of the action`s own profile',
      profiles: () => `assume-aws-role-env: ${world().account.spokeA}`,
      line: 1,
    },
  ])('$why', async ({ profiles, line }) => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.hubRole,
      profiles: profiles(),
    });

    expect(expectFailedCleanly(step, job)).toMatch(new RegExp(`^profiles line ${line}: `));
    expect(world().sts.requests).toEqual([]);
    expect(world().oidc.requests).toEqual([]);
  });
});
