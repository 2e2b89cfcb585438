// refresh-credentials: later steps get an AWS config file (under RUNNER_TEMP, no secret in it) whose profile runs
// dist/refresh/index.js as its credential_process, so each later AWS CLI call gets a new token and a new session.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runAction, runPost, useWorld, worldSecrets } from './fixture.js';
import { findLeaks } from './leaks.js';
import type { Job, RunStep } from './world/runner.js';

const world = useWorld();

beforeEach(() => {
  world().sts.clear();
  world().oidc.reset();
});

/** A `run:` step, checked by the secrets rule like every action step. */
async function runStep(job: Job, argv: string[]): Promise<RunStep> {
  const step = await job.run(argv);
  expect(findLeaks(`${step.stdout}\n${step.stderr}`, worldSecrets(world()))).toEqual([]);
  return step;
}

/** The refresh config file: where it is, its modes, and that nothing secret is in it (nor in its argument). */
function checkConfigFile(job: Job, file: string, header: string): string {
  expect(path.dirname(path.dirname(file))).toBe(job.runnerTemp);
  expect(path.basename(path.dirname(file))).toMatch(/^assume-aws-role-[0-9a-f-]{36}$/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  const text = readFileSync(file, 'utf8');
  const command = /^credential_process = (.+)$/m.exec(text)?.[1] ?? '';
  expect(text.split('\n').filter((line) => /^[[a-z]/.test(line))).toEqual([
    `[${header}]`,
    `region = ${world().region}`,
    `credential_process = ${command}`,
  ]);
  // The parameters travel as one base64url argument: decoded, they name the role and the source, nothing secret.
  const params = Buffer.from(command.split(' ').at(-1) ?? '', 'base64url').toString('utf8');
  for (const shown of [text, params]) {
    expect(findLeaks(shown, worldSecrets(world()))).toEqual([]);
    expect(shown).not.toMatch(
      /A[SK]IA[A-Z0-9]{16}|eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+|SecretAccessKey|SessionToken/,
    );
  }
  const decoded = JSON.parse(params) as Record<string, unknown>;
  expect(PARAMETERS).toEqual(expect.arrayContaining(Object.keys(decoded)));
  expect(decoded).toMatchObject({ roleArn: world().account.deployRole, stsEndpoint: world().stsEndpoint });
  return command;
}

/** Everything the refresh parameters may hold (RefreshParams): where to ask, never what was answered. */
const PARAMETERS = [
  'source',
  'hops',
  'roleArn',
  'sessionName',
  'durationSeconds',
  'audience',
  'region',
  'stsEndpoint',
  'httpProxy',
  'noProxy',
  'tokenFile',
  'policy',
  'policyArns',
  'maxAttempts',
];

const callerArn = (step: RunStep) => (JSON.parse(step.stdout) as { Arn: string }).Arn;

describe('refresh-credentials', () => {
  it('with GitHub OIDC: a config file instead of keys; each later call gets a new token and a new session', async () => {
    const { account, aws } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': account.deployRole,
      'refresh-credentials': true,
    });

    expect(step.exitCode).toBe(0);
    expect(Object.keys(step.exported).sort()).toEqual([
      'AWS_CONFIG_FILE',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_SDK_UA_APP_ID',
    ]);
    expect(job.env.AWS_ACCESS_KEY_ID).toBeUndefined();
    const file = step.exported.AWS_CONFIG_FILE ?? '';
    const command = checkConfigFile(job, file, 'default');
    expect(readdirSync(job.home)).toEqual([]); // nothing in ~/.aws

    // A later step: the CLI runs the credential_process, which asks GitHub and STS again.
    const [tokensBefore, stsBefore] = [world().oidc.requests.length, world().sts.requests.length];
    const identity = await runStep(job, aws(['sts', 'get-caller-identity', '--output', 'json']));
    expect(identity).toMatchObject({ exitCode: 0, stderr: '' });
    expect(callerArn(identity)).toBe(`arn:aws:sts::${account.accountId}:assumed-role/deploy/GitHubActions`);
    expect(world().oidc.requests.slice(tokensBefore)).toMatchObject([
      { audience: 'sts.amazonaws.com', status: 200 },
    ]);
    const renewed = world().sts.requests.slice(stsBefore);
    expect(renewed.map((r) => [r.action, r.signed, r.params.RoleArn, r.status])).toEqual([
      ['AssumeRoleWithWebIdentity', false, account.deployRole, 200],
    ]);
    expect(renewed[0]?.params.WebIdentityToken).toBe(world().oidc.issued.at(-1)?.token);

    // The command itself, as a POSIX shell splits it: the credential_process JSON, new keys each time.
    const printed = [];
    for (let n = 0; n < 2; n++) {
      const credentialProcess = await job.run(['sh', '-c', command]);
      expect(credentialProcess).toMatchObject({ exitCode: 0, stderr: '' });
      expect(credentialProcess.stdout.trim().split('\n')).toHaveLength(1);
      printed.push(JSON.parse(credentialProcess.stdout) as Record<string, unknown>);
    }
    for (const credentials of printed) {
      expect(Object.keys(credentials)).toEqual([
        'Version',
        'AccessKeyId',
        'SecretAccessKey',
        'SessionToken',
        'Expiration',
      ]);
      expect(credentials).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
      expect(new Date(credentials.Expiration as string).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    }
    expect(printed[0]?.AccessKeyId).not.toBe(printed[1]?.AccessKeyId);
    expect(world().sts.requests.slice(stsBefore)).toHaveLength(3);

    // The post step removes the file and its folder; later steps have no credentials.
    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    expect(post?.log).toContain(`removed ${file}`);
    expect(existsSync(path.dirname(file))).toBe(false);
    // Empty, botocore would read no config file at all: the default path is what "unset" means.
    expect(job.env.AWS_CONFIG_FILE).toBe(path.join(job.home, '.aws', 'config'));
    const after = await runStep(job, aws(['sts', 'get-caller-identity']));
    expect(after.exitCode).not.toBe(0);
  });

  it('with a token file and aws-profile: the profile re-reads the file each time, no GitHub token', async () => {
    const { account, aws } = world();
    const job = world().newJob();
    const tokenFile = path.join(job.workspace, 'web-identity.jwt');
    writeFileSync(tokenFile, await world().oidc.issue('sts.amazonaws.com'));
    const step = await runAction(world(), job, {
      'role-to-assume': account.deployRole,
      'web-identity-token-file': 'web-identity.jwt',
      'aws-profile': 'ci',
      'role-session-name': 'from-file',
      'refresh-credentials': true,
    });

    expect(step.exitCode).toBe(0);
    expect(step.exported).toMatchObject({ AWS_PROFILE: 'ci' });
    expect(Object.keys(step.exported)).not.toContain('AWS_ACCESS_KEY_ID');
    checkConfigFile(job, step.exported.AWS_CONFIG_FILE ?? '', 'profile ci');
    expect(readdirSync(job.home)).toEqual([]);

    // The file is rotated (as Kubernetes does): the next call presents the new token.
    const rotated = await world().oidc.issue('sts.amazonaws.com');
    writeFileSync(tokenFile, rotated);
    const stsBefore = world().sts.requests.length;
    const identity = await runStep(job, aws(['sts', 'get-caller-identity', '--output', 'json']));
    expect(identity).toMatchObject({ exitCode: 0, stderr: '' });
    expect(callerArn(identity)).toBe(`arn:aws:sts::${account.accountId}:assumed-role/deploy/from-file`);
    expect(
      world()
        .sts.requests.slice(stsBefore)
        .map((r) => [r.action, r.params.WebIdentityToken]),
    ).toEqual([['AssumeRoleWithWebIdentity', rotated]]);
    expect(world().oidc.requests).toEqual([]);

    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    // A step can't unset variables, and empty ones break the AWS CLI: AWS_CONFIG_FILE is the default path again,
    // and AWS_PROFILE=ci still names a profile (without credentials) for the post steps after this one.
    const defaultConfig = path.join(job.home, '.aws', 'config');
    expect(job.env).toMatchObject({ AWS_PROFILE: 'ci', AWS_CONFIG_FILE: defaultConfig });
    expect(readFileSync(defaultConfig, 'utf8')).toMatch(
      /^\[profile ci\]\n# Left by the assume-aws-role post step: .* no credentials\.\nregion = us-east-1\n$/,
    );
    expect(existsSync(path.dirname(step.exported.AWS_CONFIG_FILE ?? ''))).toBe(false);
  });

  it('with access keys: refused naming refresh-credentials, before any request', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'refresh-credentials': true,
    });

    expect(step.exitCode).toBe(1);
    const errors = step.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('refresh-credentials works only with GitHub OIDC or web-identity-token-file');
    expect(errors[0]).toContain('remove aws-access-key-id or refresh-credentials');
    expect(step.exported).toEqual({});
    expect(world().sts.requests).toEqual([]);
    expect(world().oidc.requests).toEqual([]);
    expect(readdirSync(job.runnerTemp).filter((name) => name.startsWith('assume-aws-role-'))).toEqual([]);
  });
});
