// refresh-credentials: later steps get an AWS config file (under RUNNER_TEMP, no secret in it) whose profile runs
// dist/refresh/index.js as its credential_process: a later AWS CLI call gets a new token and a new session, which
// the process keeps beside the config for the calls after it while they are good for long enough.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  it('with GitHub OIDC: a config file instead of keys; later calls share one new token and one new session', async () => {
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

    // Later steps: the CLI runs the credential_process each time. The first asks GitHub and STS and keeps the
    // credentials in the config's folder; the next ones print them from there, asking nothing.
    const [tokensBefore, stsBefore] = [world().oidc.requests.length, world().sts.requests.length];
    for (let n = 0; n < 4; n++) {
      const identity = await runStep(job, aws(['sts', 'get-caller-identity', '--output', 'json']));
      expect(identity).toMatchObject({ exitCode: 0, stderr: '' });
      expect(callerArn(identity)).toBe(`arn:aws:sts::${account.accountId}:assumed-role/deploy/GitHubActions`);
    }
    expect(world().oidc.requests.slice(tokensBefore)).toMatchObject([
      { audience: 'sts.amazonaws.com', status: 200 },
    ]);
    const renewed = world().sts.requests.slice(stsBefore);
    expect(renewed.map((r) => [r.action, r.signed, r.params.RoleArn, r.status])).toEqual([
      ['AssumeRoleWithWebIdentity', false, account.deployRole, 200],
    ]);
    expect(renewed[0]?.params.WebIdentityToken).toBe(world().oidc.issued.at(-1)?.token);
    const cached = readdirSync(path.dirname(file)).filter((name) => name.startsWith('cache-'));
    expect(cached).toEqual([expect.stringMatching(/^cache-[0-9a-f]{64}\.json$/)]);
    const cacheFile = path.join(path.dirname(file), cached[0] ?? '');
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);

    // The command itself, as a POSIX shell splits it: the credential_process JSON, the cached keys each time.
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
    expect(printed[1]).toEqual(printed[0]);
    expect(world().sts.requests.slice(stsBefore)).toHaveLength(1);
    expect(world().oidc.requests.slice(tokensBefore)).toHaveLength(1);

    // Without the cache (removed, as when it nears its expiry), the next command asks GitHub and STS again.
    rmSync(cacheFile);
    const fresh = JSON.parse((await job.run(['sh', '-c', command])).stdout) as Record<string, unknown>;
    expect(fresh.AccessKeyId).not.toBe(printed[0]?.AccessKeyId);
    expect(world().sts.requests.slice(stsBefore)).toHaveLength(2);
    expect(existsSync(cacheFile)).toBe(true);

    // The post step removes the file and its folder, the cache with them; later steps have no credentials.
    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    expect(post?.log).toContain(`removed ${file}`);
    expect(existsSync(path.dirname(file))).toBe(false);
    expect(existsSync(cacheFile)).toBe(false);
    // Empty, botocore would read no config file at all: the default path is what "unset" means.
    expect(job.env.AWS_CONFIG_FILE).toBe(path.join(job.home, '.aws', 'config'));
    const after = await runStep(job, aws(['sts', 'get-caller-identity']));
    expect(after.exitCode).not.toBe(0);
  });

  it('with a token file and aws-profile: the profile re-reads the file when it asks STS again, no GitHub token', async () => {
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
    // The next call uses the credentials the first one kept: the file is not read, STS not asked.
    const again = await runStep(job, aws(['sts', 'get-caller-identity', '--output', 'json']));
    expect(callerArn(again)).toBe(callerArn(identity));
    expect(world().sts.requests.slice(stsBefore)).toHaveLength(1);

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

  /** A fault for the later command, how many token and STS requests it then makes, and its time limit. */
  type Outage = [string, () => void, { tokens: number; sts: number; within: number; says: RegExp }];
  it.each<Outage>([
    [
      'the ID-token endpoint answers 503',
      () => world().oidc.failNext(20, 503),
      { tokens: 2, sts: 0, within: 3_000, says: /GitHub's ID-token endpoint: HTTP 503: .* \(2 attempts;/ },
    ],
    [
      'the ID-token endpoint holds the request open',
      () => world().oidc.failNext(20, 'hold'),
      {
        tokens: 2,
        sts: 0,
        within: 9_000,
        says: /GitHub's ID-token endpoint: it did not answer within 3 s \(2 attempts;/,
      },
    ],
    [
      'STS is unavailable',
      () =>
        world().sts.injectFaults(
          ...Array.from({ length: 20 }, () => ({
            kind: 'error' as const,
            status: 503,
            code: 'ServiceUnavailable',
            message: 'Injected outage',
            type: 'Receiver' as const,
          })),
        ),
      {
        tokens: 1,
        sts: 2,
        within: 3_000,
        says: /STS AssumeRoleWithWebIdentity: Injected outage \(2 attempts;/,
      },
    ],
    [
      'STS holds the request open',
      () => world().sts.injectFaults(...Array.from({ length: 20 }, () => ({ kind: 'hold' as const }))),
      {
        tokens: 1,
        sts: 2,
        within: 9_000,
        says: /STS AssumeRoleWithWebIdentity: it did not answer within 3 s \(2 attempts;/,
      },
    ],
  ])(
    'when %s: a later command fails within seconds, after two attempts, with one line',
    async (_what, arrange, { tokens, sts, within, says }) => {
      const { account, aws } = world();
      const job = world().newJob({ idToken: true });
      const step = await runAction(world(), job, {
        'role-to-assume': account.deployRole,
        'refresh-credentials': true,
        'retry-max-attempts': '12',
      });
      expect(step.exitCode).toBe(0);

      arrange();
      const [tokensBefore, stsBefore] = [world().oidc.requests.length, world().sts.requests.length];
      const started = Date.now();
      const identity = await runStep(job, aws(['sts', 'get-caller-identity']));
      const took = Date.now() - started;

      expect(identity.exitCode).not.toBe(0);
      expect(took).toBeLessThan(within);
      expect(world().oidc.requests.slice(tokensBefore)).toHaveLength(tokens);
      expect(world().sts.requests.slice(stsBefore)).toHaveLength(sts);
      const lines = identity.stderr.split('\n').filter((line) => line.includes('assume-aws-role'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('assume-aws-role refresh-credentials: could not get new credentials: ');
      expect(lines[0]).toMatch(says);
      expect(lines[0]).toContain('the next AWS command will try again');
      // More faults than the two attempts took: none are left for the next test.
      world().oidc.reset();
      world().sts.reset();
      await runPost(world(), job);
    },
  );

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
